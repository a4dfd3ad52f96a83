/**
 * Where a server's CPU time goes, by share: a CPU profile of the inspector (`Profiler.stop`)
 * summed by category of the code that spent it. Each sample's self time goes to the first frame,
 * from the sampled one up, that belongs to a category: the project's own code by its source file
 * (the server maps its frames back to the TypeScript), Effect's schema code as validation and the rest of Effect as the
 * operation it runs, Node's HTTP and socket code as node:http. Built-ins (JSON, RegExp, hashes),
 * Node's crypto, events and task queues, and `Sha256` belong to their caller.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

export const categories = ["SigV4", "routing", "validation", "operation", "store", "encoding", "node:http", "other"] as const
export type Category = (typeof categories)[number]

interface CallFrame {
  readonly functionName: string
  readonly url: string
  readonly lineNumber: number
  readonly columnNumber: number
}

interface ProfileNode {
  readonly id: number
  readonly callFrame: CallFrame
  readonly children?: ReadonlyArray<number>
}

/** A CPU profile as `Profiler.stop` answers it. */
export interface CpuProfile {
  readonly nodes: ReadonlyArray<ProfileNode>
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}

const root = fileURLToPath(new URL("..", import.meta.url))

/** Categories of the project's source files, by path from the repository's root; the first match wins. */
const sourceRules: ReadonlyArray<readonly [Category | "caller", RegExp]> = [
  ["caller", /^packages\/core\/src\/Sha256\.ts$/],
  ["SigV4", /^packages\/http\/src\/(Sigv4|internal\/verification|internal\/canonicalRequest)\.ts$/],
  ["SigV4", /^packages\/identity\/src\/IdentityCredentials\.ts$/],
  ["validation", /^packages\/http\/src\/internal\/jsonBounds\.ts$/],
  ["validation", /^packages\/core\/src\/(Validation|Shapes|internal\/validation)\.ts$/],
  ["encoding", /^packages\/core\/src\/internal\/output\.ts$/],
  ["encoding", /^packages\/http\/src\/internal\/recordsJson\.ts$/],
  ["routing", /^packages\/http\/src\//],
  ["store", /^packages\/core\/src\/(SyncStore|internal\/(memoryStore|memoryState|documents|commitRules|driverStore|storeModel|storeItems|records))\.ts$/],
  ["store", /^packages\/(sqlite|keyv|redis)\/src\//],
  ["operation", /^packages\/core\/src\//],
  ["validation", /(^|\/)node_modules\/effect\/(src|dist\/\w+)\/(Schema|ParseResult|SchemaAST|internal\/schema\/.*)\.[jt]s$/],
  ["operation", /(^|\/)node_modules\/effect\//]
]

/** Of the HTTP protocol module, what writes an answer; the rest of it reads a request. */
const encoders = /\b(toWire|wireJson|outputJson|hasRecords|encodeOutput|encodeError)\b/

/** Node's own modules that work for whoever called them. */
const nodeCallerRule = /^node:(crypto|buffer|events|internal\/(crypto|process\/task_queues|async_hooks|util|validators|errors|timers|url|buffer))/

/** Where a frame's function was written: a path from the repository's root, or Node's module name. */
export const locate = (frame: CallFrame): { readonly file: string; readonly line: number } => ({
  file: frame.url.startsWith("file:") ? path.relative(root, fileURLToPath(frame.url)) : frame.url,
  line: frame.lineNumber + 1
})

const sources = new Map<string, ReadonlyArray<string>>()

/** A frame's function name, or for an anonymous one of the repository the start of the line it begins on. */
const nameOf = (frame: CallFrame, file: string, line: number): string => {
  if (frame.functionName !== "" || !frame.url.startsWith("file:")) return frame.functionName || "(anonymous)"
  if (!sources.has(file)) sources.set(file, fs.existsSync(path.join(root, file)) ? fs.readFileSync(path.join(root, file), "utf8").split("\n") : [])
  const text = sources.get(file)![line - 1]?.trim()
  return text === undefined || text === "" ? "(anonymous)" : `«${text}»`
}

/** The category of a frame, or `caller` when its caller's counts. */
const categoryOf = (frame: CallFrame, file: string, name: string): Category | "caller" => {
  if (frame.url === "") return "caller"
  if (file.startsWith("node:")) {
    if (nodeCallerRule.test(file)) return "caller"
    return /^node:(internal\/)?inspector/.test(file) ? "other" : "node:http"
  }
  if (file === "packages/http/src/Protocol.ts") return encoders.test(name) ? "encoding" : "validation"
  for (const [category, rule] of sourceRules) {
    if (rule.test(file)) return category
  }
  return "other"
}

export interface Shares {
  /** microseconds of busy CPU sampled, idle excluded */
  readonly busyMicros: number
  readonly byCategory: ReadonlyMap<Category, number>
  /** the garbage collector's part of `other` */
  readonly gcMicros: number
  /** self time by function (name and where it was written), with what built-ins did for it, and its category */
  readonly byFunction: ReadonlyArray<{ readonly name: string; readonly where: string; readonly category: Category; readonly micros: number }>
}

/** Sums a profile's self time by category and by function. */
export const shares = (profile: CpuProfile): Shares => {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
  const parents = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id)
  const selfMicros = new Map<number, number>()
  // a sample's delta is the time since the one before: it belongs to the sample it ends at
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
  }
  /** the frame a node's self time counts for (itself, or the caller of a built-in; none for V8's own work), and its category */
  const resolved = new Map<number, { readonly category: Category; readonly frame: CallFrame | undefined }>()
  const ownerAt = (id: number): { readonly category: Category; readonly frame: CallFrame | undefined } => {
    const known = resolved.get(id)
    if (known !== undefined) return known
    const { callFrame } = nodes.get(id)!
    const { file, line } = locate(callFrame)
    const own = categoryOf(callFrame, file, nameOf(callFrame, file, line))
    const parent = parents.get(id)
    const owner = own !== "caller" ? { category: own, frame: callFrame } : parent === undefined ? { category: "other" as const, frame: undefined } : ownerAt(parent)
    resolved.set(id, owner)
    return owner
  }
  const byCategory = new Map<Category, number>(categories.map((category) => [category, 0]))
  const byFunction = new Map<string, { name: string; where: string; category: Category; micros: number }>()
  let busyMicros = 0
  let gcMicros = 0
  for (const [id, micros] of selfMicros) {
    const sampled = nodes.get(id)!.callFrame
    if (sampled.functionName === "(idle)") continue
    busyMicros += micros
    if (sampled.functionName === "(garbage collector)") gcMicros += micros
    const owner = ownerAt(id)
    const { category } = owner
    // what no function of a category called (the collector, V8's own work) stands as itself
    const frame = owner.frame ?? sampled
    byCategory.set(category, byCategory.get(category)! + micros)
    const { file, line } = locate(frame)
    const where = file === "" ? "(native)" : `${file}:${line}`
    const key = `${frame.functionName}@${where}`
    const entry = byFunction.get(key) ?? { name: nameOf(frame, file, line), where, category, micros: 0 }
    entry.micros += micros
    byFunction.set(key, entry)
  }
  return { busyMicros, byCategory, gcMicros, byFunction: [...byFunction.values()].sort((a, b) => b.micros - a.micros) }
}
