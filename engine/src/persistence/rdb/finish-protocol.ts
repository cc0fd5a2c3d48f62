// The messages and shared counters between a large RDB save and its finishing worker
// (finish-output.ts, finish-worker.ts).

import type { MessagePort } from 'node:worker_threads'

/** Saver → worker: an encoded chunk with its strings left to compress, then the end. */
export type FinishRequest = { t: 'chunk'; data: Uint8Array; lzf: number[] | null } | { t: 'end' }

/**
 * Int32 slots of the shared signal: chunks finished (bumped and notified on every change), state,
 * and 1 once the worker listens.
 */
export const SIGNAL_PROGRESS = 0
export const SIGNAL_STATE = 1
export const SIGNAL_STARTED = 2
/** Byte offset of a BigInt64 slot: bytes of the saver's chunks finished so far. */
export const WRITTEN_AT = 16
export const SIGNAL_BYTES = 24

/** SIGNAL_STATE values. */
export const FINISH_RUNNING = 0
export const FINISH_OK = 1
export const FINISH_FAILED = 2

export interface FinishWorkerData {
  /** The temp file, opened by the saver; the worker writes and fsyncs it, the saver closes it. */
  fd: number
  checksum: boolean
  signal: SharedArrayBuffer
  /** Worker → saver: the error message when the state becomes FINISH_FAILED. */
  port: MessagePort
}
