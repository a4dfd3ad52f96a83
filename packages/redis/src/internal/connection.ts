/**
 * Commands and scripts through any @redis/client connection (a client, a cluster or a sentinel),
 * failing promptly with a StorageError when Redis is not there: at once while the connection is
 * not ready (never queued for later), and after `timeout` ms when Redis does not answer.
 */
import { Effect } from "effect"
import { SyncStore } from "@syncalite/core"
import type { Script } from "./scripts.js"

type StorageError = SyncStore.StorageError

/** What the store needs of a client, a cluster or a sentinel of @redis/client. */
export interface ClientLike {
  readonly isOpen: boolean
  readonly isReady?: boolean
  readonly connect: () => Promise<unknown>
  readonly close: () => Promise<unknown>
  readonly destroy: () => unknown
  readonly on: (event: string, listener: (...args: Array<any>) => void) => unknown
  readonly off: (event: string, listener: (...args: Array<any>) => void) => unknown
  readonly sendCommand: (...args: Array<any>) => Promise<unknown>
}

export interface Connection {
  /** one command, routed by `key` */
  readonly command: (key: string, args: ReadonlyArray<string>) => Effect.Effect<unknown, StorageError>
  /** one command, routed by `key`, whose answer nothing waits for: sent when connected, its failure logged */
  readonly post: (key: string, args: ReadonlyArray<string>) => void
  /**
   * a script over `keys`, which share one slot: FCALL of its library where the server has Redis
   * Functions, its EVAL form where it has not; with `then`, its answer turned into the effect that
   * follows in the client's callback, without a fiber step of its own (as `Effect.flatMap` would
   * take)
   */
  readonly script: {
    (script: Script, keys: ReadonlyArray<string>, args: ReadonlyArray<string>): Effect.Effect<unknown, StorageError>
    <A, E>(
      script: Script,
      keys: ReadonlyArray<string>,
      args: ReadonlyArray<string>,
      then: (reply: unknown) => Effect.Effect<A, E>
    ): Effect.Effect<A, E | StorageError>
  }
  /**
   * `script` for a caller that is no fiber: its answer handed to `succeed`, or its failure to
   * `fail`, once, without a fiber of its own; a `succeed` that throws is answered by `fail`
   */
  readonly scriptThen: (
    script: Script,
    keys: ReadonlyArray<string>,
    args: ReadonlyArray<string>,
    succeed: (reply: unknown) => void,
    fail: (error: StorageError) => void
  ) => void
  /** whether the keys are spread over the slots of a Redis Cluster, so that one script reaches one slot only */
  readonly cluster: boolean
  /** the primaries holding the keys, by address, in a stable order: one ("") unless a cluster */
  readonly nodes: () => ReadonlyArray<string>
  /** one command on one of `nodes()`, for commands of no key (SCAN) */
  readonly nodeCommand: (node: string, args: ReadonlyArray<string>) => Effect.Effect<unknown, StorageError>
  /** stops the watchdog and forgets the client's events; the client itself is the caller's */
  readonly dispose: () => void
}

/**
 * A command waiting for its answer, in the connection's list of them (oldest first). A class
 * rather than an object literal, as the arrays below are made by `Array.of`, pushed or
 * concatenated rather than written as literals: V8 allocates straight into its old generation
 * what a literal's allocation site has seen surviving, and what lives through the wait for Redis
 * is such; made this way they stay young and cost the collector little (process CPU of a commit
 * at 64 in flight about a quarter lower, measured).
 */
class Pending {
  done = false
  previous: Pending | undefined = undefined
  next: Pending | undefined = undefined
  constructor(readonly deadline: number, readonly fail: (error: StorageError) => void) {}
}

const isCluster = (client: ClientLike): boolean => (client as { slots?: unknown }).slots !== undefined
const isSentinel = (client: ClientLike): boolean =>
  (client as { getSentinelNode?: unknown }).getSentinelNode !== undefined

/** An error Redis answered (as opposed to a connection failure): @redis/client's ErrorReply. */
const isErrorReply = (error: unknown): error is Error => {
  for (let proto = error === null || typeof error !== "object" ? null : Object.getPrototypeOf(error); proto !== null;) {
    if ((proto as { constructor?: { name?: string } }).constructor?.name === "ErrorReply") return true
    proto = Object.getPrototypeOf(proto)
  }
  return false
}

/** FCALL refused by a server without functions, or by a user not allowed them */
const withoutFunctions = /^(ERR unknown command|NOPERM .*'fcall')/i

/** a refusal for the moment (out of memory, busy, loading, a replica, a cluster failing over), not of functions */
const passing = /^(OOM|BUSY|LOADING|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN)\b/

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/** A command or script as a failure's message names it. */
const nameOf = (command: string | Script): string => typeof command === "string" ? command : `script ${command.name}`

export const makeConnection = (client: ClientLike, timeout: number): Connection => {
  const send: (key: string, args: ReadonlyArray<string>) => Promise<unknown> = isCluster(client)
    ? (key, args) => client.sendCommand(key, false, args)
    : isSentinel(client)
    ? (_key, args) => client.sendCommand(false, args)
    : (_key, args) => client.sendCommand(args)
  const ready: () => boolean = isCluster(client) ? () => client.isOpen : () => client.isReady === true

  let lastError: unknown
  const onError = (error: unknown) => {
    lastError = error
  }
  client.on("error", onError)

  // one coarse timer for every command: commands of one store all have the same timeout, so the
  // oldest pending ones (first in the list) are the ones past their deadline; a command leaves
  // the list when answered
  let first: Pending | undefined
  let last: Pending | undefined
  const enlist = (entry: Pending) => {
    entry.previous = last
    if (last === undefined) first = entry
    else last.next = entry
    last = entry
  }
  const unlist = (entry: Pending) => {
    if (entry.previous === undefined) first = entry.next
    else entry.previous.next = entry.next
    if (entry.next === undefined) last = entry.previous
    else entry.next.previous = entry.previous
    entry.previous = entry.next = undefined
  }
  const watchdog = setInterval(() => {
    const now = Date.now()
    while (first !== undefined && first.deadline <= now) {
      const entry = first
      unlist(entry)
      entry.done = true
      entry.fail(new SyncStore.StorageError({ message: `Redis did not answer within ${timeout} ms` }))
    }
  }, Math.max(5, Math.min(100, Math.floor(timeout / 4))))
  watchdog.unref()

  const notReady = () =>
    new SyncStore.StorageError({
      message: `Redis is not connected${lastError === undefined ? "" : ` (${messageOf(lastError)})`}`,
      ...(lastError === undefined ? {} : { cause: lastError })
    })

  const failure = (error: unknown, command: string | Script, key: string | undefined): StorageError => {
    if (error instanceof SyncStore.StorageError) return error
    const what = nameOf(command)
    if (isErrorReply(error)) {
      return key === undefined
        ? new SyncStore.StorageError({ message: `Redis refused ${what}: ${error.message}`, cause: error })
        : new SyncStore.StorageError({ message: `Redis refused ${what} on key ${key}: ${error.message}`, key, cause: error })
    }
    return new SyncStore.StorageError({ message: `Redis is unreachable: ${messageOf(error)}`, cause: error })
  }

  /**
   * starts a command (a script's name made only for a failure's message), answering it once: to
   * `succeed`, or to `fail` when it fails or is not answered in time; a failure `recover` answers
   * with a promise (a script to load first, say) waits for that promise instead
   */
  const start = (
    begin: () => Promise<unknown>,
    what: string | Script,
    key: string | undefined,
    succeed: (reply: unknown) => void,
    fail: (error: StorageError) => void,
    recover?: (error: unknown) => Promise<unknown>
  ): void => {
    if (!ready()) return fail(notReady())
    let started: Promise<unknown>
    try {
      started = begin()
    } catch (error) {
      return fail(failure(error, what, key))
    }
    const entry = new Pending(Date.now() + timeout, fail)
    enlist(entry)
    const answered = (reply: unknown) => {
      if (entry.done) return
      entry.done = true
      unlist(entry)
      try {
        succeed(reply)
      } catch (cause) {
        // what reads the answer threw: its caller fails, rather than waiting for ever behind a
        // rejection no one handles
        fail(new SyncStore.StorageError({ message: `Unreadable answer of ${nameOf(what)}`, cause }))
      }
    }
    const failed = (error: unknown) => {
      if (entry.done) return
      entry.done = true
      unlist(entry)
      fail(failure(error, what, key))
    }
    started.then(answered, recover === undefined ? failed : (error) => {
      if (!entry.done) recover(error).then(answered, failed)
    })
  }

  // no canceler: it would cost more than the command; an interrupted caller's answer is simply
  // dropped when it arrives (or when the watchdog gives up on it)
  const run = <A = unknown, E = never>(
    begin: () => Promise<unknown>,
    what: string | Script,
    key: string | undefined,
    recover?: (error: unknown) => Promise<unknown>,
    then?: (reply: unknown) => Effect.Effect<A, E>
  ) =>
    Effect.async<A, E | StorageError>((resume) =>
      start(
        begin,
        what,
        key,
        then === undefined ? (reply) => resume(Effect.succeed(reply as A)) : (reply) => resume(then(reply)),
        (error) => resume(Effect.fail(error)),
        recover
      )
    )

  const command: Connection["command"] = (key, args) => run(() => send(key, args), args[0]!, key)

  /** the EVAL form of a script: by its digest, by its source when Redis holds it no more */
  const evaluate = (script: Script, keys: ReadonlyArray<string>, args: ReadonlyArray<string>): Promise<unknown> => {
    const call = ["EVALSHA", script.sha, String(keys.length), ...keys, ...args]
    return send(keys[0]!, call).catch((error) => {
      if (!isErrorReply(error) || !error.message.startsWith("NOSCRIPT")) throw error
      // the server lost its script cache (a restart, SCRIPT FLUSH): EVAL loads it again
      call[0] = "EVAL"
      call[1] = script.source
      return send(keys[0]!, call)
    })
  }

  // true until the server shows it has no Redis Functions (Redis 6, or FCALL or FUNCTION LOAD
  // refused): then scripts run in their EVAL form for the life of the connection
  let functions = true

  /** FUNCTION LOAD of a script's library on the node of `key`; answers false when the server refuses functions */
  const load = (script: Script, key: string): Promise<boolean> =>
    send(key, ["FUNCTION", "LOAD", script.librarySource]).then(
      () => true,
      (error) => {
        if (!isErrorReply(error) || passing.test(error.message)) throw error
        // another process loaded it first
        return error.message.includes("already exists")
      }
    )

  /** FCALL of a script's library */
  const fcall = (script: Script, keys: ReadonlyArray<string>, args: ReadonlyArray<string>): Promise<unknown> => {
    // one allocation of the whole call (pushed, it grew twice); the literal, copied at once, never survives
    return send(keys[0]!, ["FCALL", script.library, String(keys.length)].concat(keys, args))
  }

  /** How a script is begun: FCALL of its library where the server has functions, its EVAL form where it has not. */
  const begin = (script: Script, keys: ReadonlyArray<string>, args: ReadonlyArray<string>) => (): Promise<unknown> =>
    functions ? fcall(script, keys, args) : evaluate(script, keys, args)

  /**
   * A failed FCALL, called again once its library is loaded where the server has it not (a new or
   * flushed server, a node failed over to), or run in its EVAL form on a server without functions.
   */
  const recoverCall = (script: Script, keys: ReadonlyArray<string>, args: ReadonlyArray<string>) => async (error: unknown): Promise<unknown> => {
    if (!isErrorReply(error)) throw error
    if (error.message.startsWith("ERR Function not found")) {
      if (await load(script, keys[0]!)) return fcall(script, keys, args)
    } else if (!withoutFunctions.test(error.message)) {
      throw error
    }
    functions = false
    return evaluate(script, keys, args)
  }

  const script: Connection["script"] = <A, E>(
    script: Script,
    keys: ReadonlyArray<string>,
    args: ReadonlyArray<string>,
    then?: (reply: unknown) => Effect.Effect<A, E>
  ) => run(begin(script, keys, args), script, undefined, recoverCall(script, keys, args), then)

  const scriptThen: Connection["scriptThen"] = (script, keys, args, succeed, fail) =>
    start(begin(script, keys, args), script, undefined, succeed, fail, recoverCall(script, keys, args))

  const masters = (): ReadonlyArray<{ readonly address: string }> =>
    [...(client as unknown as { masters: ReadonlyArray<{ readonly address: string }> }).masters].sort((a, b) =>
      a.address < b.address ? -1 : a.address > b.address ? 1 : 0
    )
  const nodes: Connection["nodes"] = isCluster(client) ? () => masters().map((master) => master.address) : () => [""]

  const nodeCommand: Connection["nodeCommand"] = (node, args) =>
    run(
      async () => {
        if (!isCluster(client)) return send("", args)
        const master = masters().find((candidate) => candidate.address === node)
        if (master === undefined) throw new SyncStore.StorageError({ message: `Redis Cluster has no primary at ${node} any more` })
        const nodeClient = await (client as unknown as { nodeClient: (node: unknown) => Promise<ClientLike> }).nodeClient(master)
        return nodeClient.sendCommand(args)
      },
      args[0]!,
      undefined
    )

  const post: Connection["post"] = (key, args) => {
    const failed = (error: unknown) => Effect.runFork(Effect.logWarning(`syncalite: Redis did not take ${args[0]} ${key}`, error))
    if (!ready()) {
      failed(notReady())
      return
    }
    try {
      send(key, args).catch(failed)
    } catch (error) {
      // the client refused it at once (closing): told like a failure answered later
      failed(error)
    }
  }

  return {
    command,
    post,
    script,
    scriptThen,
    cluster: isCluster(client),
    nodes,
    nodeCommand,
    dispose: () => {
      clearInterval(watchdog)
      client.off("error", onError)
    }
  }
}
