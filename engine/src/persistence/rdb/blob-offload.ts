// A large RDB load's second core. Loading is one thread's work in Redis; here a third of it
// (measured on 1 M strings + 30 k listpack collections: LZF, validating every listpack entry, the
// CRC-64) needs none of the values the loader builds, so a worker thread (blob-worker.ts) does it
// while the loader parses on. The loader posts each adopted listpack as stored and gets it back
// later, decompressed and validated, in the same order; it keeps the keys whose values wait for
// one (load.ts) and inserts them once their blobs are back. While the worker is two batches
// behind, the loader adopts blobs itself, so both threads share them. Consumed byte ranges go to the worker
// for the CRC. Replies are taken synchronously (receiveMessageOnPort, Atomics.wait for the next)
// because the load runs in one synchronous call.

import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads'
import { Crc64 } from './crc64.js'
import { WORKER_START_TIMEOUT_MS, workerScript } from '../../util/worker-script.js'
import type { BlobKind, LpBlob } from './adopt.js'
import { RdbError, adoptInThread, type BlobAdopter, type CrcSink, type RdbInput } from './reader.js'
import {
  BlobStatus,
  REPLY_FIELDS,
  SIGNAL_REPLIES,
  SIGNAL_STARTED,
  type OffloadReply,
  type OffloadRequest,
  type OffloadWorkerData,
} from './blob-protocol.js'

/** Stored bytes per posted batch: small enough that the worker starts early, large enough to be few. */
const BATCH_BYTES = 256 * 1024
/**
 * Stored bytes at the worker beyond which the loader adopts blobs itself: the worker has two
 * batches to go on with, and a file whose listpacks come after its strings (as a dataset built
 * in that order is saved) has them split between both threads instead of waited for.
 */
const KEEP_BUSY_BYTES = 2 * BATCH_BYTES
/** No reply for this long means the worker is gone (it answers every batch within milliseconds). */
const REPLY_TIMEOUT_MS = 60_000

/**
 * The worker never started (its events cannot reach a loader that waits synchronously, so this is
 * seen as silence): the load starts over in one thread.
 */
export class OffloadUnavailable extends Error {}

/** The built blob worker, or null (the engine runs from sources that were never built). */
export function blobWorkerScript(): string | null {
  return workerScript(import.meta.url, 'blob-worker')
}

interface Pending {
  blob: LpBlob
  /** Its stored size (in flight until it is back). */
  bytes: number
  /** Offsets for an error: the blob's first byte and its record's. */
  start: number
  at: number
}

const EMPTY = Buffer.alloc(0)

export class BlobOffload implements BlobAdopter, CrcSink {
  private readonly worker: Worker
  private readonly port: MessagePort
  private readonly flags: Int32Array
  private readonly startedAt = Date.now()
  private meta: number[] = []
  private data = Buffer.allocUnsafeSlow(BATCH_BYTES)
  private used = 0
  private pending: (Pending | null)[] = []
  private head = 0
  /** Blobs handed out / returned by the worker, in order. */
  submitted = 0
  resolved = 0
  /** Stored bytes of the blobs at the worker. */
  private inFlight = 0
  private crc: Crc64 | null = null
  /** The first blob the worker refused: every later call fails with it. */
  private failure: RdbError | null = null

  /** Starts the worker (blobWorkerScript()), or returns null without one (the load stays in one thread). */
  static start(script: string | null): BlobOffload | null {
    return script === null ? null : new BlobOffload(script)
  }

  private constructor(script: string) {
    const { port1, port2 } = new MessageChannel()
    const signal = new SharedArrayBuffer(8)
    this.flags = new Int32Array(signal)
    this.port = port1
    const data: OffloadWorkerData = { port: port2, signal }
    // No inherited execArgv: options such as `--input-type` (node -e) make a worker fail to start.
    this.worker = new Worker(script, { workerData: data, transferList: [port2], execArgv: [] })
    // Its failures reach the loader as silence (OffloadUnavailable, or the reply timeout): the
    // event itself is delivered only once the synchronous load has returned.
    this.worker.on('error', () => {})
    this.worker.unref()
  }

  adopt(inp: RdbInput, kind: BlobKind, at: number): LpBlob {
    if (this.inFlight > KEEP_BUSY_BYTES) {
      this.poll()
      if (this.inFlight > KEEP_BUSY_BYTES) return adoptInThread.adopt(inp, kind, at)
    }
    const start = inp.offset
    const { bytes, ulen } = inp.storedBlob()
    if (this.used + bytes.length > this.data.length) {
      this.flush()
      if (bytes.length > this.data.length) this.data = Buffer.allocUnsafeSlow(bytes.length)
    }
    bytes.copy(this.data, this.used)
    this.used += bytes.length
    this.meta.push(kind, ulen, bytes.length)
    const blob: LpBlob = { buf: EMPTY, count: -1, heap: 0 }
    this.pending.push({ blob, bytes: bytes.length, start, at })
    this.submitted++
    this.inFlight += bytes.length
    if (this.used >= BATCH_BYTES) this.flush()
    return blob
  }

  /** Takes the replies that are already back, without waiting. */
  poll(): void {
    while (this.receive(false));
  }

  /** Waits until every blob handed out is back (validated, or the load fails here). */
  settle(): void {
    if (this.failure !== null) throw this.failure
    this.flush()
    while (this.resolved < this.submitted) this.receive(true)
  }

  update(buf: Uint8Array, start: number, end: number): void {
    if (end > start) this.post({ t: 'crc', data: new Uint8Array(buf.subarray(start, end)) })
  }

  result(): Crc64 {
    this.settle()
    this.post({ t: 'crc?' })
    while (this.crc === null) this.receive(true)
    return this.crc
  }

  close(): void {
    this.port.close()
    void this.worker.terminate()
  }

  private post(m: OffloadRequest): void {
    const transfer = m.t === 'crc' ? [m.data.buffer as ArrayBuffer] : m.t === 'blobs' ? [m.data, m.meta.buffer] : []
    this.port.postMessage(m, transfer as ArrayBuffer[])
  }

  private flush(): void {
    if (this.meta.length === 0) return
    // allocUnsafeSlow: the batch owns its whole ArrayBuffer, which moves to the worker.
    this.post({ t: 'blobs', meta: Int32Array.from(this.meta), data: this.data.buffer as ArrayBuffer })
    this.data = Buffer.allocUnsafeSlow(BATCH_BYTES)
    this.meta = []
    this.used = 0
    this.poll()
  }

  /** Handles one reply; false when none is there and `wait` is off. */
  private receive(wait: boolean): boolean {
    if (wait) this.flush()
    let quietSince = Date.now()
    for (;;) {
      const seen = Atomics.load(this.flags, SIGNAL_REPLIES)
      const m = receiveMessageOnPort(this.port)
      if (m !== undefined) {
        this.handle(m.message as OffloadReply)
        if (this.failure !== null) throw this.failure
        return true
      }
      if (!wait) return false
      if (Atomics.wait(this.flags, SIGNAL_REPLIES, seen, 500) === 'timed-out') {
        const now = Date.now()
        if (Atomics.load(this.flags, SIGNAL_STARTED) === 0) {
          if (now - this.startedAt > WORKER_START_TIMEOUT_MS)
            throw new OffloadUnavailable('the load worker did not start')
          quietSince = now
        } else if (now - quietSince > REPLY_TIMEOUT_MS) {
          throw new Error(`the RDB load's worker thread did not answer for ${REPLY_TIMEOUT_MS / 1000} s`)
        }
      } else quietSince = Date.now()
    }
  }

  private handle(r: OffloadReply): void {
    if (r.t === 'crc') {
      const c = new Crc64()
      c.lo = r.lo
      c.hi = r.hi
      this.crc = c
      return
    }
    const data = Buffer.from(r.data)
    let off = 0
    for (let o = 0; o < r.meta.length; o += REPLY_FIELDS) {
      const p = this.pending[this.head] as Pending
      const status = r.meta[o]
      if (status !== BlobStatus.ok) {
        this.failure = new RdbError(r.errors[0], status === BlobStatus.invalidValue ? p.at : p.start)
        return
      }
      const len = r.meta[o + 3]
      // A copy per blob: a view would keep the whole batch alive for as long as any one value.
      const buf = Buffer.allocUnsafe(len)
      data.copy(buf, 0, off, off + len)
      off += len
      p.blob.buf = buf
      p.blob.count = r.meta[o + 1]
      p.blob.heap = r.meta[o + 2]
      this.inFlight -= p.bytes
      this.pending[this.head++] = null
      this.resolved++
    }
    if (this.head === this.pending.length) {
      this.pending = []
      this.head = 0
    }
  }
}
