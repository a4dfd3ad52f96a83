import type { IdentityPoolUsage } from "../Shapes.js"
import type { PoolUsage } from "./storeModel.js"
import { toDate } from "./output.js"

export const toPoolUsage = (usage: PoolUsage): IdentityPoolUsage => {
  const out: IdentityPoolUsage = {
    IdentityPoolId: usage.identityPoolId,
    SyncSessionsCount: usage.syncSessionsCount,
    DataStorage: usage.dataStorage
  }
  return usage.lastModifiedDate === undefined ? out : { ...out, LastModifiedDate: toDate(usage.lastModifiedDate) }
}
