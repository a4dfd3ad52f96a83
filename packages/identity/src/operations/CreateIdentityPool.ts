/**
 * CreateIdentityPool: a new pool, its id `<region>:<uuid>`.
 *
 * @since 0.1.0
 */
import { randomUUID } from "node:crypto"
import { Effect } from "effect"
import { operation } from "../internal/operation.js"
import { publicPool } from "../internal/pools.js"
import { CreateIdentityPoolInput } from "../Shapes.js"

/**
 * @since 0.1.0
 * @category operations
 */
export const CreateIdentityPool = operation({
  access: "developer",
  input: CreateIdentityPoolInput,
  run: (services, input) => {
    const pool = { ...input, IdentityPoolId: `${services.config.region}:${randomUUID()}` }
    return Effect.as(services.store.createPool(pool), publicPool(pool))
  }
})
