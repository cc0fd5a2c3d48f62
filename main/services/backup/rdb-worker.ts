// The console's side of the engine's RDB worker (out/engine/tools/rdb-worker.js): validate a
// stream while it is written elsewhere (with backpressure: the producer waits while the worker is
// more than HIGH_WATER bytes behind; blocks in shared memory reach it without a copy; the worker
// is kept a while for the next stream), inspect a file, or replay a file as RESTORE batches. The
// reader runs in a worker thread so a large file never stalls the API or the UI's events.

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

interface Running {
  worker: Worker
  result: Promise<RdbSummary>
  on(listener: (m: WorkerMessage) => void): void
}

/** Follows one request on a worker until its answer; the listeners go once it is settled. */
function attach(worker: Worker): Running {
  const listeners: ((m: WorkerMessage) => void)[] = []
  const result = new Promise<RdbSummary>((resolve, reject) => {
    const settle = () => {
      worker.off('message', onMessage)
      worker.off('error', onError)
      worker.off('exit', onExit)
    }
    const onMessage = (m: WorkerMessage) => {
      if (m.t === 'done') {
        settle()
        resolve(m.summary)
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
  return attach(new Worker(script, { workerData: req, transferList: transfer }))
}

/**
 * The stream worker of the last validation, kept for SPARE_MS for the next one: a new worker costs
 * tens of milliseconds of CPU (thread, modules, a cold reader) that would compete with the transfer.
 */
const SPARE_MS = 60_000
let spare: { script: string; worker: Worker; timer: NodeJS.Timeout; onExit: () => void } | null = null

function dropSpare(): void {
  if (!spare) return
  clearTimeout(spare.timer)
  spare.worker.off('exit', spare.onExit)
  spare = null
}

function takeStreamWorker(script: string): Worker {
  const s = spare
  dropSpare()
  // threadId is -1 once a worker has exited.
  if (s && s.script === script && s.worker.threadId >= 0) {
    s.worker.ref()
    return s.worker
  }
  if (s) void s.worker.terminate()
  return new Worker(script, { workerData: { mode: 'serve' } satisfies WorkerRequest })
}

function keepStreamWorker(script: string, worker: Worker): void {
  if (spare) {
    void worker.terminate()
    return
  }
  worker.unref()
  const timer = setTimeout(() => {
    dropSpare()
    void worker.terminate()
  }, SPARE_MS)
  timer.unref()
  spare = { script, worker, timer, onExit: dropSpare }
  worker.once('exit', spare.onExit)
}

/** Feeds bytes to the worker as they arrive; `end()` gives the summary or throws RdbInvalid. */
export class StreamValidator {
  private readonly port: MessagePort
  private readonly signal = new Int32Array(new SharedArrayBuffer(4))
  private readonly run: Running
  private sent = 0
  private acked = 0
  private waiting: (() => void) | null = null
  private closed = false
  private ended = false
  private aborted = false

  /** With `sha256`, the worker also hashes the stream (the summary's sha256). */
  constructor(
    private readonly script: string,
    opts: InspectOptions = {},
    sha256 = false,
  ) {
    const { port1, port2 } = new MessageChannel()
    this.port = port1
    const worker = takeStreamWorker(script)
    this.run = attach(worker)
    const signal = this.signal.buffer as SharedArrayBuffer
    const req: WorkerRequest = { mode: 'stream', port: port2, signal, opts, sha256 }
    worker.postMessage(req, [port2])
    this.run.on((m) => {
      if (m.t !== 'ack') return
      this.acked = m.consumed
      if (this.waiting && this.sent - this.acked < HIGH_WATER / 2) {
        this.waiting()
        this.waiting = null
      }
    })
    // A failure mid-stream must release a producer waiting for room.
    this.run.result.then(
      () => this.release(),
      () => this.release(),
    )
  }

  private release(): void {
    this.closed = true
    this.waiting?.()
    this.waiting = null
  }

  private send(m: Uint8Array | null | 'abort'): void {
    if (m instanceof Uint8Array && !(m.buffer instanceof SharedArrayBuffer))
      this.port.postMessage(m, [m.buffer as ArrayBuffer])
    else this.port.postMessage(m)
    Atomics.add(this.signal, 0, 1)
    Atomics.notify(this.signal, 0)
  }

  /**
   * Queues a chunk (shared with the worker when it lives in shared memory, else copied); resolves
   * when the worker has room for more. The caller must not change a shared chunk afterwards.
   */
  push(chunk: Uint8Array): Promise<void> | undefined {
    if (this.closed) return undefined
    this.send(chunk.buffer instanceof SharedArrayBuffer ? chunk : new Uint8Array(chunk))
    this.sent += chunk.length
    if (this.sent - this.acked <= HIGH_WATER) return undefined
    return new Promise((resolve) => (this.waiting = resolve))
  }

  async end(): Promise<RdbSummary> {
    if (!this.closed) this.send(null)
    let ok = false
    try {
      const summary = await this.run.result
      ok = true
      return summary
    } finally {
      this.port.close()
      this.ended = true
      // Only a worker that finished its walk cleanly serves the next stream.
      if (ok && !this.aborted) keepStreamWorker(this.script, this.run.worker)
      else void this.run.worker.terminate()
    }
  }

  /** Stops the walk; once end() has settled the worker is no longer this validator's to stop. */
  abort(): void {
    if (this.ended || this.aborted) return
    this.aborted = true
    if (!this.closed) this.send('abort')
    this.closed = true
    this.port.close()
    void this.run.worker.terminate()
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
