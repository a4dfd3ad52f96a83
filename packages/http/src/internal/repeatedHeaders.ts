/**
 * The headers a request may carry once only: those that say where it goes, who signs it, when,
 * with what session and how long its body is. Node keeps the first copy of some of them and
 * joins the copies of others; either way a second copy could make the signature checked and
 * the request served disagree, so any second copy, even an identical one, is refused.
 */
const singular = new Set(["host", "authorization", "x-amz-date", "x-amz-security-token", "content-length"])
const lengths = new Set([...singular].map((name) => name.length))

/** The first of the singular headers that `rawHeaders` (Node's name, value, name, value, …) repeats. */
export const repeatedHeader = (rawHeaders: ReadonlyArray<string>): string | undefined => {
  let seen: Array<string> | undefined
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const raw = rawHeaders[i]!
    if (!lengths.has(raw.length)) continue
    const name = raw.toLowerCase()
    if (!singular.has(name)) continue
    if (seen?.includes(name) === true) return name
    ;(seen ??= []).push(name)
  }
  return undefined
}
