import type { IdentityDescription } from "../Shapes.js"
import type { StoredIdentity } from "./storeModel.js"

/** An identity as the API describes it: its login providers, each once. */
export const describe = (identity: StoredIdentity): IdentityDescription => ({
  IdentityId: identity.identityId,
  Logins: [...new Set(identity.logins.map((login) => login.provider))],
  CreationDate: new Date(identity.creationDate),
  LastModifiedDate: new Date(identity.lastModifiedDate)
})
