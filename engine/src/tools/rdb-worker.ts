// Worker-thread entry around rdb-inspect for the console (it runs in a worker_thread so a big file
// never blocks the console's event loop). The reader is a synchronous pull parser, so input that
// arrives over the network is fed through a MessagePort the worker reads with
// receiveMessageOnPort, sleeping on an Atomics signal while it is empty: the RDB is validated while
// it streams in. Modes: `stream` (validate bytes posted by the parent), `hash` (sha256 of bytes
// posted by the parent: a backup hashes on a second worker, in parallel with the walk), `file`
// (validate and report on a file), `replay` (walk a file and hand out RESTORE payloads in batches
// on request), `serve` (stay up and run the `stream` and `hash` requests posted to it one after
// another, so that a console running backups does not pay for a new thread and a cold reader each
// time).

import { createHash } from 'node:crypto'
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads'
import { FileSource, RdbError, type ByteSource } from '../persistence/rdb/reader.js'
import { RecordReader, inspectRdb, type InspectOptions, type KeyRecord, type RdbSummary } from './rdb-inspect.js'

export type WorkerRequest =
  | { mode: 'stream'; port: MessagePort; signal: SharedArrayBuffer; opts: InspectOptions }
  | { mode: 'hash'; port: MessagePort; signal: SharedArrayBuffer }
  | { mode: 'serve' }
  | { mode: 'file'; path: string; opts: InspectOptions }
  | {
      mode: 'replay'
      path: string
      port: MessagePort
      signal: SharedArrayBuffer
      opts: InspectOptions
      batchKeys: number
      batchBytes: number
    }

export interface ReplayBatch {
  t: 'batch'
  dbs: number[]
  keys: string[]
  expireAt: number[]
  /** End offset of each payload in `payloads`. */
  ends: number[]
  payloads: Uint8Array
  /** File offset reached (the end of the batch's last record), for progress. */
  at: number
}

export type WorkerMessage =
  | { t: 'ack'; consumed: number }
  | ReplayBatch
  | { t: 'done'; summary: RdbSummary }
  | { t: 'digest'; sha256: string }
  | { t: 'error'; message: string; offset: number | null }

const ACK_EVERY = 1 << 20

/** Blocks until the parent posts something on port (the parent bumps signal[0] after each post). */
function receive(port: MessagePort, signal: Int32Array): unknown {
  for (;;) {
    const seen = Atomics.load(signal, 0)
    const m = receiveMessageOnPort(port)
    if (m) return m.message
    Atomics.wait(signal, 0, seen)
  }
}

/** Bytes posted by the parent: Uint8Array chunks, then null at the end; 'abort' stops the walk. */
class PortSource implements ByteSource {
  private cur: Uint8Array | null = null
  private at = 0
  private ended = false
  private consumed = 0
  private acked = 0

  constructor(
    private readonly port: MessagePort,
    private readonly signal: Int32Array,
  ) {}

  /** Waits for the next chunk; false at the end of the stream. */
  private next(): boolean {
    if (this.ended) return false
    const m = receive(this.port, this.signal)
    if (m === 'abort') throw new RdbError('aborted', this.consumed)
    if (m === null) {
      this.ended = true
      return false
    }
    this.cur = m as Uint8Array
    this.at = 0
    return true
  }

  private consume(n: number): void {
    this.consumed += n
    if (this.consumed - this.acked >= ACK_EVERY) {
      this.acked = this.consumed
      post({ t: 'ack', consumed: this.consumed })
    }
  }

  read(buf: Buffer, off: number, len: number): number {
    while (!this.cur || this.at >= this.cur.length) if (!this.next()) return 0
    const n = Math.min(len, this.cur.length - this.at)
    buf.set(this.cur.subarray(this.at, this.at + n), off)
    this.at += n
    this.consume(n)
    return n
  }

  /** Hands every chunk to `f` as it comes, uncopied, until the end of the stream. */
  each(f: (chunk: Uint8Array) => void): void {
    while (this.next()) {
      f(this.cur!)
      this.consume(this.cur!.length)
    }
  }
}

function post(m: WorkerMessage, transfer: ArrayBuffer[] = []): void {
  parentPort!.postMessage(m, transfer)
}

function replay(req: Extract<WorkerRequest, { mode: 'replay' }>): RdbSummary {
  const signal = new Int32Array(req.signal)
  const records = new RecordReader(req.path)
  const src = new FileSource(req.path)
  type Batch = {
    dbs: number[]
    keys: string[]
    expireAt: number[]
    ends: number[]
    parts: Buffer[]
    bytes: number
    at: number
  }
  const fresh = (): Batch => ({ dbs: [], keys: [], expireAt: [], ends: [], parts: [], bytes: 0, at: 0 })
  let batch = fresh()
  const flush = () => {
    // Wait for the parent to ask for the next batch: replay runs at the pace the server takes it.
    const m = receive(req.port, signal)
    if (m === 'abort') throw new RdbError('aborted', 0)
    const payloads = Buffer.concat(batch.parts)
    const out: ReplayBatch = {
      t: 'batch',
      dbs: batch.dbs,
      keys: batch.keys,
      expireAt: batch.expireAt,
      ends: batch.ends,
      payloads,
      at: batch.at,
    }
    post(out)
    batch = fresh()
  }
  try {
    const summary = inspectRdb(src, req.opts, (r: KeyRecord) => {
      const p = records.payload(r)
      batch.dbs.push(r.db)
      batch.keys.push(r.key)
      batch.expireAt.push(r.expireAt)
      batch.parts.push(p)
      batch.bytes += p.length
      batch.ends.push(batch.bytes)
      batch.at = r.end
      if (batch.keys.length >= req.batchKeys || batch.bytes >= req.batchBytes) flush()
    })
    if (batch.keys.length) flush()
    return summary
  } finally {
    src.close()
    records.close()
  }
}

function run(req: Exclude<WorkerRequest, { mode: 'serve' | 'hash' }>): RdbSummary {
  if (req.mode === 'stream') {
    try {
      return inspectRdb(new PortSource(req.port, new Int32Array(req.signal)), req.opts)
    } finally {
      req.port.close()
    }
  }
  if (req.mode === 'replay') return replay(req)
  const src = new FileSource(req.path)
  try {
    return inspectRdb(src, req.opts)
  } finally {
    src.close()
  }
}

function hashStream(req: Extract<WorkerRequest, { mode: 'hash' }>): string {
  const hash = createHash('sha256')
  try {
    new PortSource(req.port, new Int32Array(req.signal)).each((c) => hash.update(c))
    return hash.digest('hex')
  } finally {
    req.port.close()
  }
}

function answer(req: Exclude<WorkerRequest, { mode: 'serve' }>): void {
  try {
    if (req.mode === 'hash') post({ t: 'digest', sha256: hashStream(req) })
    else post({ t: 'done', summary: run(req) })
  } catch (e) {
    if (e instanceof RdbError) post({ t: 'error', message: e.reason, offset: e.offset })
    else post({ t: 'error', message: (e as Error).message, offset: null })
  }
}

const first = workerData as WorkerRequest
if (first.mode === 'serve') parentPort!.on('message', answer)
else answer(first)
