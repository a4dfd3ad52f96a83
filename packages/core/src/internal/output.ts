import type { Dataset, SyncRecord } from "../Shapes.js"
import type { DatasetHead, DatasetRef, StoredRecord } from "./storeModel.js"

export const toDate = (millis: number): Date => new Date(millis)

export const toRecord = (record: StoredRecord): SyncRecord => {
  const out: { -readonly [K in keyof SyncRecord]: SyncRecord[K] } = {
    Key: record.key,
    SyncCount: record.syncCount,
    LastModifiedDate: toDate(record.lastModifiedDate),
    LastModifiedBy: record.lastModifiedBy
  }
  if (record.value !== null) out.Value = record.value
  if (record.deviceLastModifiedDate !== undefined) out.DeviceLastModifiedDate = toDate(record.deviceLastModifiedDate)
  return out
}

export const toDataset = (identityId: string, head: DatasetHead): Dataset => ({
  IdentityId: identityId,
  DatasetName: head.name,
  CreationDate: toDate(head.creationDate),
  LastModifiedDate: toDate(head.lastModifiedDate),
  LastModifiedBy: head.lastModifiedBy,
  DataStorage: head.dataStorage,
  NumRecords: head.numRecords
})

/** The dataset an operation's input names. */
export const datasetRef = (input: {
  readonly IdentityPoolId: string
  readonly IdentityId: string
  readonly DatasetName: string
}): DatasetRef => ({ identityPoolId: input.IdentityPoolId, identityId: input.IdentityId, datasetName: input.DatasetName })
