// The messages between an RDB load and its blob worker (blob-offload.ts, blob-worker.ts): batches
// of stored listpack blobs one way, their decoded bytes and verdicts the other, and the CRC-64 of
// the byte ranges the loader consumed.

import type { MessagePort } from 'node:worker_threads'

/** Per blob in a request's `meta`: its BlobKind, uncompressed length (-1: stored raw), stored length. */
export const REQUEST_FIELDS = 3
/** Per blob in a reply's `meta`: status, entries, decoded heap, bytes in `data`. */
export const REPLY_FIELDS = 4

/** A reply's status per blob: valid, or why not (the loader picks the offset to report). */
export const BlobStatus = { ok: 0, corruptBlob: 1, invalidValue: 2 } as const

export type OffloadRequest =
  { t: 'blobs'; meta: Int32Array; data: ArrayBuffer } | { t: 'crc'; data: Uint8Array } | { t: 'crc?' }

export type OffloadReply =
  /** `errors[i]` is the message of the i-th blob whose status is not ok. */
  { t: 'blobs'; meta: Float64Array; data: ArrayBuffer; errors: string[] } | { t: 'crc'; lo: number; hi: number }

export const SIGNAL_REPLIES = 0
export const SIGNAL_STARTED = 1

export interface OffloadWorkerData {
  port: MessagePort
  /** Int32 [SIGNAL_REPLIES]: replies posted so far; [SIGNAL_STARTED]: 1 once the worker listens. */
  signal: SharedArrayBuffer
}
