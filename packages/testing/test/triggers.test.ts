import { SyncTrigger } from "@syncalite/core"
import { TriggerSuite } from "@syncalite/testing"

TriggerSuite.run("SyncTrigger.layerFunctions", { make: SyncTrigger.layerFunctions })
