import { Effect, Layer } from "effect"
import { TriggerSuite } from "@syncalite/testing"
import { HttpSyncTrigger } from "@syncalite/webhooks"
import { secret, triggerService } from "./services.js"

TriggerSuite.run("HttpSyncTrigger against a local trigger service", {
  // a first call on a loaded machine may take a few hundred milliseconds
  triggerTimeout: 1000,
  make: (functions) =>
    Layer.unwrapScoped(
      Effect.map(triggerService(functions), ({ targets }) => HttpSyncTrigger.layer({ targets, secret }))
    )
})
