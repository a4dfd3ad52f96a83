/**
 * The JSON of an output that leads with `Records` (ListRecords, UpdateRecords), the records
 * written member by member as the model has them: the same text `JSON.stringify` writes of the
 * output with its Dates as epoch seconds, without the copy of every record that turning Dates
 * into numbers takes, nor a generic walk of known members: the answer of a ListRecords of ten
 * records in 5.3 µs rather than 6.4, of an UpdateRecords of one in 0.6 rather than 1.2.
 */

/** text that JSON writes as it is, between quotes: printable ASCII but `"` and `\` */
const verbatim = /^[^"\\\u0000-\u001f\u007f-\uffff]*$/

const text = (value: string): string => verbatim.test(value) ? `"${value}"` : JSON.stringify(value)

/**
 * Below 2^33 seconds (the year 2242) a double holds every millisecond with room to spare, so the
 * shortest text that reads back as `millis / 1000`, what JSON writes, is its decimal form with
 * the trailing zeros dropped. Beyond, and before 1970, JSON's own writing.
 */
const EXACT_BELOW = 2 ** 33 * 1000

/** A Date as epoch seconds with its milliseconds, as `JSON.stringify(date.getTime() / 1000)` writes them. */
export const epochSeconds = (date: Date): string => {
  const millis = date.getTime()
  if (!(millis >= 0 && millis < EXACT_BELOW)) return JSON.stringify(millis / 1000)
  const part = millis % 1000
  const whole = (millis - part) / 1000
  if (part === 0) return `${whole}`
  const digits = part < 10 ? `00${part}` : part < 100 ? `0${part}` : `${part}`
  // without its trailing zeros, of which there are at most two: part is not 0
  const length = digits[2] !== "0" ? 3 : digits[1] !== "0" ? 2 : 1
  return `${whole}.${digits.slice(0, length)}`
}

interface RecordMembers {
  readonly Key?: unknown
  readonly SyncCount?: unknown
  readonly LastModifiedDate?: unknown
  readonly LastModifiedBy?: unknown
  readonly Value?: unknown
  readonly DeviceLastModifiedDate?: unknown
}

/**
 * A record's JSON, its members in the order the core makes them, written as one template (a
 * text built piece by piece is a chain of pieces to join again); undefined for a record that
 * lacks a member the model requires or holds one of another type.
 */
const recordJson = (record: RecordMembers): string | undefined => {
  const { Key, SyncCount, LastModifiedDate, LastModifiedBy, Value, DeviceLastModifiedDate } = record
  if (typeof Key !== "string" || typeof SyncCount !== "number" || !(LastModifiedDate instanceof Date) || typeof LastModifiedBy !== "string") {
    return undefined
  }
  const value = typeof Value === "string" ? `,"Value":${text(Value)}` : Value === undefined ? "" : undefined
  const device = DeviceLastModifiedDate instanceof Date
    ? `,"DeviceLastModifiedDate":${epochSeconds(DeviceLastModifiedDate)}`
    : DeviceLastModifiedDate === undefined
    ? ""
    : undefined
  if (value === undefined || device === undefined) return undefined
  // a finite number's JSON is its string; JSON writes any other as null
  return `{"Key":${text(Key)},"SyncCount":${Number.isFinite(SyncCount) ? SyncCount : null},"LastModifiedDate":${
    epochSeconds(LastModifiedDate)
  },"LastModifiedBy":${text(LastModifiedBy)}${value}${device}}`
}

/**
 * The JSON of `{ Records, ...rest }`, the rest written by `restJson`; undefined when a record is
 * not a plain record of the model (the caller writes the output the generic way).
 */
export const recordsOutputJson = (
  output: { readonly Records: ReadonlyArray<unknown> },
  restJson: (rest: object) => string
): string | undefined => {
  const { Records, ...rest } = output
  let out = "{\"Records\":["
  for (let i = 0; i < Records.length; i++) {
    const record = Records[i]
    if (typeof record !== "object" || record === null || Object.getPrototypeOf(record) !== Object.prototype) return undefined
    const json = recordJson(record)
    if (json === undefined) return undefined
    out += i === 0 ? json : `,${json}`
  }
  const tail = restJson(rest)
  return tail === "{}" ? `${out}]}` : `${out}],${tail.slice(1)}`
}
