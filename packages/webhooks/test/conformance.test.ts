import { Effect, Layer } from "effect"
import { TriggerSuite } from "@syncalite/testing"
import { HttpSyncTrigger } from "@syncalite/webhooks"
import { secret, triggerService } from "./services.js"

TriggerSuite.run("HttpSyncTrigger against a local trigger service", {
  make: (functions) =>
    Layer.unwrapScoped(
      Effect.map(triggerService(functions), ({ targets }) => HttpSyncTrigger.layer({ targets, secret }))
    )
})
