// The console's side of the engine's RDB worker (out/engine/tools/rdb-worker.js): validate a
// stream while it is written elsewhere (with backpressure: the producer waits while the worker is
// more than HIGH_WATER bytes behind), inspect a file, or replay a file as RESTORE batches. The
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

function start(script: string, req: WorkerRequest, transfer: MessagePort[] = []): Running {
  const worker = new Worker(script, { workerData: req, transferList: transfer })
  const listeners: ((m: WorkerMessage) => void)[] = []
  const result = new Promise<RdbSummary>((resolve, reject) => {
    let settled = false
    worker.on('message', (m: WorkerMessage) => {
      if (m.t === 'done') {
        settled = true
        resolve(m.summary)
      } else if (m.t === 'error') {
        settled = true
        reject(new RdbInvalid(m.message, m.offset))
      } else for (const l of listeners) l(m)
    })
    worker.on('error', (e) => {
      settled = true
      reject(e)
    })
    worker.on('exit', (code) => {
      if (!settled) reject(new Error(`the RDB worker exited with code ${code}`))
    })
  })
  // Nobody may be awaiting yet (a stream still being fed); the caller sees the rejection later.
  result.catch(() => {})
  return { worker, result, on: (l) => listeners.push(l) }
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

  constructor(script: string, opts: InspectOptions = {}) {
    const { port1, port2 } = new MessageChannel()
    this.port = port1
    this.run = start(script, { mode: 'stream', port: port2, signal: this.signal.buffer as SharedArrayBuffer, opts }, [
      port2,
    ])
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
    if (m instanceof Uint8Array) this.port.postMessage(m, [m.buffer as ArrayBuffer])
    else this.port.postMessage(m)
    Atomics.add(this.signal, 0, 1)
    Atomics.notify(this.signal, 0)
  }

  /** Queues a chunk (copied); resolves when the worker has room for more. */
  push(chunk: Uint8Array): Promise<void> | undefined {
    if (this.closed) return undefined
    this.send(new Uint8Array(chunk))
    this.sent += chunk.length
    if (this.sent - this.acked <= HIGH_WATER) return undefined
    return new Promise((resolve) => (this.waiting = resolve))
  }

  async end(): Promise<RdbSummary> {
    if (!this.closed) this.send(null)
    try {
      return await this.run.result
    } finally {
      this.port.close()
      void this.run.worker.terminate()
    }
  }

  abort(): void {
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
