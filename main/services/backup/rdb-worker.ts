// The console's side of the engine's RDB worker (out/engine/tools/rdb-worker.js): validate a
// stream while it is written elsewhere, optionally hashing it on a second worker in parallel
// (with backpressure: the producer waits while a worker is more than HIGH_WATER bytes behind;
// blocks in shared memory reach both without a copy; the workers are kept a while for the next
// stream), inspect a file, or replay a file as RESTORE batches. The reader runs in a worker
// thread so a large file never stalls the API or the UI's events.

import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads'
import type { InspectOptions, RdbSummary } from '../../../engine/src/tools/rdb-inspect.js'
import type { ReplayBatch, WorkerMessage, WorkerRequest } from '../../../engine/src/tools/rdb-worker.js'

export type { RdbSummary, InspectOptions, ReplayBatch }

const HIGH_WATER = 16 << 20

/** A corrupt or unreadable RDB, with the byte offset the reader stopped at. */
export class RdbInvalid extends Error {
  constructor(
    readonly reason: string,
    readonly offset: number | null,
  ) {
    super(offset === null ? `Invalid RDB: ${reason}` : `Invalid RDB: ${reason} (at byte ${offset})`)
  }
}

interface Running<T = RdbSummary> {
  worker: Worker
  result: Promise<T>
  on(listener: (m: WorkerMessage) => void): void
}

/** What settles a request: a walk's summary, or a hash's digest. */
const summaryOf = (m: WorkerMessage) => (m.t === 'done' ? m.summary : undefined)
const digestOf = (m: WorkerMessage) => (m.t === 'digest' ? m.sha256 : undefined)

/** Follows one request on a worker until its answer; the listeners go once it is settled. */
function attach<T>(worker: Worker, answer: (m: WorkerMessage) => T | undefined): Running<T> {
  const listeners: ((m: WorkerMessage) => void)[] = []
  const result = new Promise<T>((resolve, reject) => {
    const settle = () => {
      worker.off('message', onMessage)
      worker.off('error', onError)
      worker.off('exit', onExit)
    }
    const onMessage = (m: WorkerMessage) => {
      const a = answer(m)
      if (a !== undefined) {
        settle()
        resolve(a)
      } else if (m.t === 'error') {
        settle()
        reject(new RdbInvalid(m.message, m.offset))
      } else for (const l of listeners) l(m)
    }
    const onError = (e: Error) => {
      settle()
      reject(e)
    }
    const onExit = (code: number) => {
      settle()
      reject(new Error(`the RDB worker exited with code ${code}`))
    }
    worker.on('message', onMessage)
    worker.on('error', onError)
    worker.on('exit', onExit)
  })
  // Nobody may be awaiting yet (a stream still being fed); the caller sees the rejection later.
  result.catch(() => {})
  return { worker, result, on: (l) => listeners.push(l) }
}

function start(script: string, req: WorkerRequest, transfer: MessagePort[] = []): Running {
  return attach(new Worker(script, { workerData: req, transferList: transfer }), summaryOf)
}

/**
 * The stream workers of the last validation (the walk's and the hash's), kept for SPARE_MS for the
 * next one: a new worker costs tens of milliseconds of CPU (thread, modules, a cold reader) that
 * would compete with the transfer.
 */
const SPARE_MS = 60_000
const SPARES = 2
interface Spare {
  script: string
  worker: Worker
  timer: NodeJS.Timeout
  onExit: () => void
}
const spares: Spare[] = []

function dropSpare(s: Spare): void {
  const i = spares.indexOf(s)
  if (i < 0) return
  spares.splice(i, 1)
  clearTimeout(s.timer)
  s.worker.off('exit', s.onExit)
}

function takeStreamWorker(script: string): Worker {
  for (const s of [...spares]) {
    dropSpare(s)
    // threadId is -1 once a worker has exited.
    if (s.script === script && s.worker.threadId >= 0) {
      s.worker.ref()
      return s.worker
    }
    void s.worker.terminate()
  }
  return new Worker(script, { workerData: { mode: 'serve' } satisfies WorkerRequest })
}

function keepStreamWorker(script: string, worker: Worker): void {
  if (spares.length >= SPARES) {
    void worker.terminate()
    return
  }
  worker.unref()
  const s: Spare = {
    script,
    worker,
    timer: setTimeout(() => {
      dropSpare(s)
      void worker.terminate()
    }, SPARE_MS),
    onExit: () => dropSpare(s),
  }
  s.timer.unref()
  spares.push(s)
  worker.once('exit', s.onExit)
}

/** One stream worker fed through a port: the chunks posted, and how far it has acknowledged. */
class Lane<T> {
  readonly port: MessagePort
  private readonly signal = new Int32Array(new SharedArrayBuffer(4))
  readonly run: Running<T>
  acked = 0

  constructor(
    script: string,
    request: (port: MessagePort, signal: SharedArrayBuffer) => WorkerRequest,
    answer: (m: WorkerMessage) => T | undefined,
  ) {
    const { port1, port2 } = new MessageChannel()
    this.port = port1
    const worker = takeStreamWorker(script)
    this.run = attach(worker, answer)
    worker.postMessage(request(port2, this.signal.buffer as SharedArrayBuffer), [port2])
  }

  send(m: Uint8Array | null | 'abort'): void {
    this.port.postMessage(m)
    Atomics.add(this.signal, 0, 1)
    Atomics.notify(this.signal, 0)
  }
}

/**
 * Feeds bytes to the walk (and, with `sha256`, to a hashing worker running alongside it) as they
 * arrive; `end()` gives the summary (with its sha256) or throws RdbInvalid.
 */
export class StreamValidator {
  private readonly walk: Lane<RdbSummary>
  private readonly hash: Lane<string> | null
  private readonly lanes: Lane<unknown>[]
  private sent = 0
  private waiting: (() => void) | null = null
  /** The first worker's failure: the one end() reports. */
  private failure: unknown = null
  private closed = false
  private ended = false
  private aborted = false

  constructor(
    private readonly script: string,
    opts: InspectOptions = {},
    sha256 = false,
  ) {
    this.walk = new Lane(script, (port, signal) => ({ mode: 'stream', port, signal, opts }), summaryOf)
    this.hash = sha256 ? new Lane(script, (port, signal) => ({ mode: 'hash', port, signal }), digestOf) : null
    this.lanes = this.hash ? [this.walk, this.hash] : [this.walk]
    for (const lane of this.lanes) {
      lane.run.on((m) => {
        if (m.t !== 'ack') return
        lane.acked = m.consumed
        if (this.waiting && this.behind() < HIGH_WATER / 2) {
          this.waiting()
          this.waiting = null
        }
      })
      // A failure mid-stream must release a producer waiting for room, and stops the other
      // worker: its stream will not be completed.
      lane.run.result.then(
        () => this.release(),
        (e: unknown) => {
          this.failure ??= e
          for (const other of this.lanes) if (other !== lane) other.send('abort')
          this.release()
        },
      )
    }
  }

  /** Bytes of the stream every worker has read (and holds no more). */
  get acknowledged(): number {
    return Math.min(...this.lanes.map((l) => l.acked))
  }

  /** Bytes the slower worker has still to read. */
  private behind(): number {
    return this.sent - this.acknowledged
  }

  private release(): void {
    this.closed = true
    this.waiting?.()
    this.waiting = null
  }

  /**
   * Queues a chunk (shared with the workers when it lives in shared memory, else copied into
   * shared memory); resolves when the workers have room for more. The caller must not change a
   * shared chunk afterwards.
   */
  push(chunk: Uint8Array): Promise<void> | undefined {
    if (this.closed) return undefined
    let shared = chunk
    if (!(chunk.buffer instanceof SharedArrayBuffer)) {
      shared = new Uint8Array(new SharedArrayBuffer(chunk.length))
      shared.set(chunk)
    }
    for (const lane of this.lanes) lane.send(shared)
    this.sent += chunk.length
    if (this.behind() <= HIGH_WATER) return undefined
    return new Promise((resolve) => (this.waiting = resolve))
  }

  async end(): Promise<RdbSummary> {
    if (!this.closed) for (const lane of this.lanes) lane.send(null)
    const settled = await Promise.allSettled(this.lanes.map((l) => l.run.result))
    for (const lane of this.lanes) lane.port.close()
    this.ended = true
    // Only workers that finished their stream cleanly serve the next one.
    settled.forEach((r, i) => {
      if (r.status === 'fulfilled' && !this.aborted) keepStreamWorker(this.script, this.lanes[i].run.worker)
      else void this.lanes[i].run.worker.terminate()
    })
    if (this.failure) throw this.failure
    const summary = await this.walk.run.result
    if (this.hash) summary.sha256 = await this.hash.run.result
    return summary
  }

  /** Stops the stream; once end() has settled the workers are no longer this validator's to stop. */
  abort(): void {
    if (this.ended || this.aborted) return
    this.aborted = true
    for (const lane of this.lanes) {
      if (!this.closed) lane.send('abort')
      lane.port.close()
      void lane.run.worker.terminate()
    }
    this.closed = true
  }
}

/** Validates a whole file; with `report`, the memory report too. */
export async function inspectFile(script: string, path: string, opts: InspectOptions = {}): Promise<RdbSummary> {
  const run = start(script, { mode: 'file', path, opts })
  try {
    return await run.result
  } finally {
    void run.worker.terminate()
  }
}

/** Walks a file and hands out RESTORE payload batches, one at a time, as the consumer asks. */
export class ReplayReader {
  private readonly port: MessagePort
  private readonly signal = new Int32Array(new SharedArrayBuffer(4))
  private readonly run: Running
  private readonly queue: ReplayBatch[] = []
  private wake: (() => void) | null = null
  private finished = false

  constructor(script: string, path: string, opts: InspectOptions, batchKeys = 1000, batchBytes = 4 << 20) {
    const { port1, port2 } = new MessageChannel()
    this.port = port1
    this.run = start(
      script,
      {
        mode: 'replay',
        path,
        port: port2,
        signal: this.signal.buffer as SharedArrayBuffer,
        opts,
        batchKeys,
        batchBytes,
      },
      [port2],
    )
    this.run.on((m) => {
      if (m.t !== 'batch') return
      this.queue.push(m)
      this.wake?.()
    })
    const done = () => {
      this.finished = true
      this.wake?.()
    }
    this.run.result.then(done, done)
  }

  private ask(m: 'next' | 'abort'): void {
    this.port.postMessage(m)
    Atomics.add(this.signal, 0, 1)
    Atomics.notify(this.signal, 0)
  }

  /** The next batch, or null at the end (then `summary()` holds the walk's result). */
  async next(): Promise<ReplayBatch | null> {
    this.ask('next')
    for (;;) {
      const b = this.queue.shift()
      if (b) return b
      if (this.finished) {
        await this.run.result
        return null
      }
      await new Promise<void>((r) => (this.wake = r))
      this.wake = null
    }
  }

  summary(): Promise<RdbSummary> {
    return this.run.result
  }

  close(): void {
    if (!this.finished) this.ask('abort')
    this.port.close()
    void this.run.worker.terminate()
  }
}
