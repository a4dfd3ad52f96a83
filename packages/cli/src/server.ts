/**
 * The server of `syncalite serve`: the store its configuration names and the MQTT broker of push
 * sync when one is set, both opened before listening, the Cognito Sync handler on `node:http`,
 * `/healthz` (alive), `/readyz` (the store answers), `/metrics` when on, a JSON log line per
 * request, spans per operation and store call, and a close that stops accepting, answers the
 * requests in flight, then releases the broker and the store.
 */
import { randomUUID } from "node:crypto"
import { once } from "node:events"
import { createServer, type RequestListener, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { Effect, Layer, ManagedRuntime, Option } from "effect"
import { pino, type DestinationStream, type Logger } from "pino"
import { CognitoSync, CognitoSyncPromise, DeviceEvents, PushHub, PushNotifier, StreamPublisher, SyncStore } from "@syncalite/core"
import { Handler, NodeHttp } from "@syncalite/http"
import { CognitoIdentityPromise, IdentityStore } from "@syncalite/identity"
import { MqttPushNotifier } from "@syncalite/mqtt"
import { HttpSyncTrigger, WebhookPushNotifier } from "@syncalite/webhooks"
import { banner } from "./banner.js"
import { ConfigError, maskedStore, type ServeConfig } from "./config.js"
import { localPools } from "./localPools.js"
import { makeMetrics, type Metrics } from "./metrics.js"
import { identityStoreLayer, storeLayer } from "./store.js"
import { tracedService, tracedStore } from "./tracing.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Running {
  /** the address actually bound, as a URL */
  readonly endpoint: string
  readonly config: ServeConfig
  /** stops accepting, answers the requests in flight, closes the connections and the store */
  readonly close: () => Promise<void>
}

/**
 * What answers the Cognito Sync API: a framework's app around its middleware, or the bare handler.
 *
 * @since 0.1.0
 * @category models
 */
export interface App {
  readonly listener: RequestListener
  /** releases the service */
  readonly dispose: () => Promise<void>
  /** ends the open event streams, which would otherwise hold a closing server open */
  readonly endStreams?: () => void
}

/**
 * @since 0.1.0
 * @category models
 */
export interface StartOptions {
  /** where the banner goes; `console.log` by default */
  readonly print?: (text: string) => void
  /** where the JSON log lines go; standard output by default, written asynchronously */
  readonly log?: DestinationStream
  /** the app serving the API from the handler's options (Express, Koa); the bare handler on `node:http` by default */
  readonly app?: (options: Omit<Handler.HandlerOptions, "authenticate">) => App
}

const bareHandler = (options: Handler.HandlerOptions): App => {
  const handler = Handler.make(options)
  return {
    listener: (req, res) => {
      handler.handle(NodeHttp.toRequest(req)).then((response) => NodeHttp.writeResponse(res, response), () => res.destroy())
    },
    dispose: handler.dispose,
    endStreams: handler.endStreams
  }
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body))
}

const listening = async (server: Server, config: ServeConfig): Promise<string> => {
  server.listen(config.port, config.host)
  // `once` rejects with the server's error event
  const outcome = await once(server, "listening").then(() => undefined, (error: Error) => error)
  if (outcome !== undefined) {
    const code = (outcome as NodeJS.ErrnoException).code
    throw new ConfigError(
      code === "EADDRINUSE"
        ? `port ${config.port} on ${config.host} is in use; stop what listens there or give another (--port or PORT, 0 for any free one)`
        : code === "EADDRNOTAVAIL" || code === "ENOTFOUND"
        ? `HOST=${config.host} is not an address of this machine; give one it has (--host or HOST), such as 127.0.0.1 or 0.0.0.0`
        : `cannot listen on ${config.host}:${config.port}: ${outcome.message}`
    )
  }
  const address = server.address() as AddressInfo
  return `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`
}

const openStore = async (config: ServeConfig) => {
  const options = { redisPrefix: config.redisPrefix, bulkLease: config.bulkLease }
  const runtime = ManagedRuntime.make(Layer.merge(await storeLayer(config.store, options), await identityStoreLayer(config.store, options)))
  const opening = Effect.all([SyncStore.SyncStore, Effect.serviceOption(PushHub.PushHub), IdentityStore.IdentityStore])
  const [store, hub, identities] = await runtime.runPromise(opening).catch(async (error: unknown) => {
    await runtime.dispose().catch(() => undefined)
    const reason = (error as Error).message?.split("\n")[0] || String(error)
    throw new ConfigError(`SYNCALITE_STORE=${maskedStore(config.store)} cannot be opened (${maskedStore(reason)}); check the URL (--store or SYNCALITE_STORE) and that the store is running`)
  })
  const stream = Option.getOrUndefined(await runtime.runPromise(Effect.serviceOption(StreamPublisher.StreamPublisher)))
  return { store, hub: Option.getOrUndefined(hub), stream, identities, close: () => runtime.dispose() }
}

/** The push notifier of the configuration, connected before listening: an unreachable broker stops the start. */
const openPush = async (config: ServeConfig) => {
  if (config.pushMqtt === undefined) return { notifier: undefined, close: async () => undefined }
  const runtime = ManagedRuntime.make(MqttPushNotifier.layer({ url: config.pushMqtt }))
  const notifier = await runtime.runPromise(MqttPushNotifier.MqttPushNotifier).catch(async (error: unknown) => {
    await runtime.dispose().catch(() => undefined)
    const reason = (error as Error).message?.split("\n")[0] || String(error)
    throw new ConfigError(`SYNCALITE_PUSH_MQTT=${maskedStore(config.pushMqtt!)} cannot be reached (${maskedStore(reason)}); check the URL (--push-mqtt or SYNCALITE_PUSH_MQTT) and that the broker is running`)
  })
  return { notifier, close: () => runtime.dispose() }
}

/** The push option: the webhook's notifier, the MQTT broker's, both, or none. */
const pushOption = (config: ServeConfig, mqtt: PushNotifier.PushNotifierShape | undefined, log: Logger) => {
  const webhook = config.pushWebhook === undefined ? undefined : WebhookPushNotifier.layer({
    ...config.pushWebhook,
    onDeadLetter: (letter) => log.warn({ deadLetter: letter }, "push webhook delivery not delivered")
  })
  if (webhook === undefined) return mqtt === undefined ? {} : { push: Layer.succeed(PushNotifier.PushNotifier, mqtt) }
  if (mqtt === undefined) return { push: webhook }
  const both = Effect.map(PushNotifier.PushNotifier, (hook) => PushNotifier.all([hook, mqtt]))
  return { push: Layer.effect(PushNotifier.PushNotifier, both).pipe(Layer.provide(webhook)) }
}

/** The routes beside the API, answered to GET: health, readiness, metrics when on. */
const operationsRoutes = (store: SyncStore.SyncStoreShape, metrics: Metrics | undefined) => {
  const routes = new Map<string, (res: ServerResponse) => Promise<void> | void>([
    ["/healthz", (res) => json(res, 200, { ok: true })],
    ["/readyz", async (res) => {
      const ok = await Effect.runPromise(store.listPoolUsage(undefined, 1)).then(() => true, () => false)
      json(res, ok ? 200 : 503, { ok })
    }]
  ])
  if (metrics !== undefined) {
    routes.set("/metrics", async (res) => {
      const text = await metrics.registry.metrics()
      res.writeHead(200, { "content-type": metrics.registry.contentType }).end(text)
    })
  }
  return routes
}

/**
 * Starts the server: opens the store (an unreachable one stops the start with its reason),
 * listens, prints the banner.
 *
 * @since 0.1.0
 * @category constructors
 */
export const startServer = async (config: ServeConfig, options: StartOptions = {}): Promise<Running> => {
  // written in the background, in batches; pino flushes what is left when the process exits
  const log: Logger = pino({ level: config.logLevel, base: null }, options.log ?? pino.destination({ dest: 1, sync: false }))
  const metrics = config.metrics ? makeMetrics() : undefined
  const opened = await openStore(config)
  const pushed = await openPush(config).catch(async (error: unknown) => {
    await opened.close()
    throw error
  })
  const store = tracedStore(opened.store, (call) => {
    metrics?.storeError(call)
    log.warn({ call }, "store call failed")
  })
  const service = Layer.merge(
    Layer.effect(CognitoSync.CognitoSync, Effect.map(CognitoSync.CognitoSync, tracedService)),
    Layer.effect(DeviceEvents.DeviceEvents, DeviceEvents.DeviceEvents)
  ).pipe(
    Layer.provide(CognitoSyncPromise.layer({
      tokenSecret: config.secret,
      accountId: config.developer.accountId,
      limits: config.limits,
      store,
      // the service's own lines (bulk publish progress, failed deliveries) as JSON lines beside the requests'
      log: ({ level, message, error }) => log[level](error === undefined ? {} : { err: error }, message),
      ...(config.triggers === undefined ? {} : { triggers: HttpSyncTrigger.layer(config.triggers) }),
      ...pushOption(config, pushed.notifier, log),
      ...(opened.hub === undefined ? {} : { hub: Layer.succeed(PushHub.PushHub, opened.hub) }),
      ...(opened.stream === undefined ? {} : { stream: Layer.succeed(StreamPublisher.StreamPublisher, opened.stream) })
    }))
  )
  const identityStore = opened.identities
  const pools = await Effect.runPromise(localPools(identityStore, config.pools, () => `us-east-1:${randomUUID()}`))
  const app = (options.app ?? bareHandler)({
    sync: service,
    identity: CognitoIdentityPromise.layer({ credentialsSecret: config.secret, store: identityStore, syncStore: store }),
    developers: [config.developer],
    identitySecret: config.secret,
    events: config.events,
    ...(config.pools === undefined ? {} : { pools: config.pools }),
    onDefect: (defect) => log.error({ err: defect }, "internal error"),
    onResponse: (event) => {
      metrics?.response(event)
      log.info({ ...event, durationMs: Math.round(event.durationMs * 1000) / 1000 }, "request")
    }
  })
  const routes = operationsRoutes(opened.store, metrics)

  // node's own refusals (headers too large, a malformed request) answered AWS-shaped too
  const server = NodeHttp.answerClientErrors(createServer((req, res) => {
    const route = req.method === "GET" ? routes.get(req.url ?? "") : undefined
    if (route === undefined) return app.listener(req, res)
    log.debug({ method: req.method, route: req.url }, "request")
    Promise.resolve(route(res)).catch(() => res.destroy())
  }))
  if (metrics !== undefined) {
    server.on("connection", (socket) => {
      metrics.connections.inc()
      socket.once("close", () => metrics.connections.dec())
    })
  }
  const release = async () => {
    await app.dispose()
    await pushed.close()
    await opened.close()
  }
  const endpoint = await listening(server, config).catch(async (error: unknown) => {
    await release()
    throw error
  })
  ;(options.print ?? console.log)(banner(config, endpoint, pools))

  const close = async () => {
    app.endStreams?.()
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    server.closeIdleConnections()
    // a connection still busy past this is cut: a supervisor's patience is finite
    const timer = setTimeout(() => server.closeAllConnections(), 5_000)
    await closed
    clearTimeout(timer)
    await release()
    log.flush()
  }
  return { endpoint, config, close }
}
