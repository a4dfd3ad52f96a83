/**
 * Prometheus metrics with `prom-client`, in a registry of the server's own: requests by
 * operation and status, their latency, store errors by call, open connections.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client"
import type { Handler } from "@syncalite/http"

/**
 * @since 0.1.0
 * @category models
 */
export interface Metrics {
  readonly registry: Registry
  readonly response: (event: Handler.ResponseEvent) => void
  readonly storeError: (call: string) => void
  readonly connections: Gauge
}

/**
 * A registry and its metrics.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeMetrics = (): Metrics => {
  const registry = new Registry()
  const requests = new Counter({
    name: "syncalite_requests_total",
    help: "Cognito Sync requests answered, by operation and status",
    labelNames: ["operation", "status"] as const,
    registers: [registry]
  })
  const duration = new Histogram({
    name: "syncalite_request_duration_seconds",
    help: "Time to answer a Cognito Sync request, by operation",
    labelNames: ["operation"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry]
  })
  const storeErrors = new Counter({
    name: "syncalite_store_errors_total",
    help: "Store calls that failed, by call",
    labelNames: ["call"] as const,
    registers: [registry]
  })
  const connections = new Gauge({ name: "syncalite_open_connections", help: "HTTP connections open", registers: [registry] })
  return {
    registry,
    response: (event) => {
      const operation = event.operation ?? "none"
      requests.inc({ operation, status: String(event.status) })
      duration.observe({ operation }, event.durationMs / 1000)
    },
    storeError: (call) => storeErrors.inc({ call }),
    connections
  }
}
