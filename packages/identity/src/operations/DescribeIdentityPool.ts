/**
 * DescribeIdentityPool: a pool's configuration.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { poolOf } from "../internal/identities.js"
import { operation } from "../internal/operation.js"
import { publicPool } from "../internal/pools.js"
import { DescribeIdentityPoolInput } from "../Shapes.js"

/**
 * @since 0.1.0
 * @category operations
 */
export const DescribeIdentityPool = operation({
  access: "developer",
  input: DescribeIdentityPoolInput,
  run: (services, input) => Effect.map(poolOf(services, input.IdentityPoolId), publicPool)
})
