/**
 * The headers a request carries exactly once: those that say where it goes, who signs it, when,
 * with what session and how long its body is. Node keeps the first copy of some of them and
 * joins the copies of others; either way a second copy could make the signature checked and the
 * request served disagree, so any second copy, even an identical one, is refused. `Host` must
 * come at all, as HTTP/1.1 has it.
 */
const singular = new Set(["host", "authorization", "x-amz-date", "x-amz-security-token", "content-length"])
const lengths = new Set([...singular].map((name) => name.length))

/**
 * What is wrong with the headers of a request as received (`rawHeaders`, Node's name, value,
 * name, value, …): a singular header repeated, or no `Host`; `undefined` when nothing is.
 */
export const headerFault = (rawHeaders: ReadonlyArray<string>): string | undefined => {
  let seen: Array<string> | undefined
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const raw = rawHeaders[i]!
    if (!lengths.has(raw.length)) continue
    const name = raw.toLowerCase()
    if (!singular.has(name)) continue
    if (seen?.includes(name) === true) return `The request repeats the ${name} header, which it may carry once only`
    ;(seen ??= []).push(name)
  }
  return seen?.includes("host") === true ? undefined : "The request has no host header"
}
