/**
 * What the fuzz runs against: the three bindings of `@syncalite/http` (the standalone server,
 * Express, Koa) and the three stores (memory, SQLite, Redis), each started the way an
 * application starts it.
 */
import { randomUUID } from "node:crypto"
import { createClient } from "@keyv/redis"
import express from "express"
import Koa from "koa"
import type { Layer } from "effect"
import type { SyncStore } from "@syncalite/core"
import { cognitoSync as expressCognitoSync } from "@syncalite/express"
import { createServer } from "@syncalite/http"
import { cognitoSync as koaCognitoSync } from "@syncalite/koa"
import { RedisSyncStore } from "@syncalite/redis"
import { SqliteSyncStore } from "@syncalite/sqlite"
import { HttpSuite } from "../src/index.js"
import type { FuzzingOptions } from "../src/fuzzing.js"

type Start = FuzzingOptions["start"]

const withDispose = async (
  served: Promise<{ readonly endpoint: string; readonly close: () => Promise<void> }>,
  dispose: () => Promise<void>
) => {
  const target = await served
  return { endpoint: target.endpoint, close: async () => { await target.close(); await dispose() } }
}

export const bindings: { readonly [name: string]: Start } = {
  standalone: (options, prefix) => HttpSuite.serve(createServer({ ...options, prefix }), prefix),
  express: (options, prefix) => {
    const middleware = expressCognitoSync(options)
    const app = express()
    app.use(prefix, middleware)
    return withDispose(HttpSuite.serve(app, prefix), middleware.dispose)
  },
  koa: (options, prefix) => {
    const middleware = koaCognitoSync({ ...options, prefix })
    const app = new Koa()
    app.use(middleware)
    return withDispose(HttpSuite.serve(app.callback(), prefix), middleware.dispose)
  }
}

export interface StoreUnderTest {
  readonly layer?: Layer.Layer<SyncStore.SyncStore, unknown>
  /** removes what the run left behind */
  readonly cleanUp: () => Promise<void>
}

export const stores: { readonly [name: string]: (redisUrl: string) => StoreUnderTest } = {
  memory: () => ({ cleanUp: async () => undefined }),
  sqlite: () => ({ layer: SqliteSyncStore.layer({ path: ":memory:" }), cleanUp: async () => undefined }),
  redis: (url) => {
    const prefix = `syncalite-fuzz-${randomUUID().slice(0, 8)}`
    return {
      layer: RedisSyncStore.layer({ redis: url, prefix }),
      cleanUp: async () => {
        const client = createClient({ url })
        client.on("error", () => undefined)
        await client.connect()
        try {
          const keys: Array<string> = []
          for await (const batch of client.scanIterator({ MATCH: `${prefix}:*`, COUNT: 1000 })) keys.push(...batch)
          for (let i = 0; i < keys.length; i += 500) await client.unlink(keys.slice(i, i + 500))
        } finally {
          client.destroy()
        }
      }
    }
  }
}
