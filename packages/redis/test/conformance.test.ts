import { afterAll, describe } from "vitest"
import { RedisSyncStore } from "@syncalite/redis"
import { Services, StorageSuite } from "@syncalite/testing"
import { cleanUp, testPrefix } from "./helpers.js"

const redis = await Services.check("redis")
const prefix = testPrefix("suite")

describe.skipIf(!redis.available)("on Redis", () => {
  afterAll(() => cleanUp(redis.url, prefix))

  // each instance is a layer of its own, with its own connection: as two processes would be
  StorageSuite.run("RedisSyncStore.layer", {
    make: RedisSyncStore.layer({ redis: redis.url, prefix }),
    capabilities: { crossProcess: true }
  })
})
