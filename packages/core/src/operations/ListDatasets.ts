/**
 * ListDatasets: the datasets of an identity, by name, a page at a time.
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import { InvalidParameterException } from "../CognitoSyncError.js"
import * as S from "../Shapes.js"
import type { Dataset } from "../Shapes.js"
import { operation } from "../internal/operation.js"
import { toDataset } from "../internal/output.js"
import { sealPage, unsealPage } from "../internal/pageToken.js"
import { lowerBound } from "../internal/records.js"

/** @since 0.1.0 @category schemas */
export const ListDatasetsInput = Schema.Struct({
  IdentityPoolId: S.IdentityPoolId,
  IdentityId: S.IdentityId,
  NextToken: S.optional(S.PlainString),
  MaxResults: S.optional(S.MaxResults)
})
/** @since 0.1.0 @category models */
export type ListDatasetsInput = typeof ListDatasetsInput.Encoded

/** @since 0.1.0 @category models */
export interface ListDatasetsOutput {
  readonly Datasets: ReadonlyArray<Dataset>
  readonly Count: number
  readonly NextToken?: string
}

/** @since 0.1.0 @category operations */
export const ListDatasets = operation({
  access: "either",
  input: ListDatasetsInput,
  run: (services, input) =>
    Effect.gen(function*() {
      const listing = ["datasets", input.IdentityPoolId, input.IdentityId]
      const after = input.NextToken === undefined ? undefined : yield* Effect.filterOrFail(
        unsealPage(services.secret, listing, input.NextToken),
        (cursor): cursor is string => typeof cursor === "string",
        () => new InvalidParameterException({ message: "The NextToken is not valid for this request" })
      )
      const limit = Math.min(input.MaxResults ?? services.config.limits.maxDatasetsPerPage, services.config.limits.maxDatasetsPerPage)
      const heads = yield* services.store.listDatasets(input.IdentityPoolId, input.IdentityId)
      const start = after === undefined ? 0 : lowerBound(heads.map((head) => head.name), after, true)
      const page = heads.slice(start, start + limit)
      const output: ListDatasetsOutput = {
        Datasets: page.map((head) => toDataset(input.IdentityId, head)),
        Count: page.length
      }
      return start + limit < heads.length
        ? { ...output, NextToken: sealPage(services.secret, listing, page[page.length - 1]!.name) }
        : output
    })
})
