// A large RDB save's second core. Of a SAVE's time, LZF and the CRC-64 were about 40 % (measured
// on 1 M strings + 30 k collections), and neither needs the dataset: the snapshot encodes with the
// encoder in deferred mode and this output posts each chunk to a worker (finish-worker.ts) that
// compresses the strings it lists, keeps the CRC, writes EOF and the footer, writes the temp file
// and fsyncs it. The file is byte for byte what an in-thread save writes. The saver closes and
// renames it as the other outputs do (temp name, fsync, rename, fsync the folder).

import { closeSync, openSync } from 'node:fs'
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads'
import type { Server } from '../../server/server.js'
import type { ChunkOutput } from './stream.js'
import { HIGH_WATER } from './stream.js'
import { AsyncFileOutput, SyncFileOutput, renameDurably, renameDurablySync, safeUnlink, tempPathFor } from './output.js'
import { workerScript } from '../../util/worker-script.js'
import {
  FINISH_FAILED,
  FINISH_RUNNING,
  SIGNAL_BYTES,
  SIGNAL_PROGRESS,
  SIGNAL_STARTED,
  SIGNAL_STATE,
  WRITTEN_AT,
  type FinishRequest,
  type FinishWorkerData,
} from './finish-protocol.js'

/**
 * Datasets from minBytes (the keyspace's accounted bytes) on are saved with a finishing worker
 * run from `script`; smaller ones are written before a worker would have started. A worker that
 * has not started after startMs will not (it boots in tens of milliseconds). Tests change these.
 */
export const finishingSave = {
  minBytes: 8 << 20,
  script: workerScript(import.meta.url, 'finish-worker'),
  startMs: 5_000,
}

/** A silent worker for this long has stopped (it finishes a chunk within milliseconds). */
const STALL_MS = 60_000
/** Waits are cut into slices of this, to notice a worker that never started. */
const WAIT_SLICE_MS = 500

/**
 * The writer thread never started: the save fails without touching the target, and saves stay
 * in one thread from then on (finishingSave.script is cleared).
 */
export class WriterUnavailable extends Error {}

function finisherFor(srv: Server, target: string): string | null {
  const script = finishingSave.script
  if (script === null || srv.keyspace.memory.dataset < finishingSave.minBytes) return null
  srv.log.verbose(`Writing ${target} with LZF and the checksum on a writer thread`)
  return script
}

/**
 * A synchronous RDB save to target (SAVE, DEBUG RELOAD, an AOF base at start): `write` encodes
 * into the output, which is then committed, or dropped on failure. When the writer thread does not
 * start, it runs once more in this thread (nothing else ran meanwhile: the same dataset).
 */
export function writeRdbSync(srv: Server, target: string, write: (out: ChunkOutput) => void): void {
  const attempt = () => {
    const script = finisherFor(srv, target)
    const out =
      script === null
        ? new SyncFileOutput(target)
        : new FinishingFileOutput(target, script, srv.config.getBool('rdbchecksum'), true)
    try {
      write(out)
      if (out instanceof FinishingFileOutput) out.commitSync()
      else out.commit()
    } catch (e) {
      out.abort()
      throw e
    }
  }
  try {
    attempt()
  } catch (e) {
    if (!(e instanceof WriterUnavailable)) throw e
    srv.log.warning(e.message)
    attempt()
  }
}

/** The output of a background RDB save to target (BGSAVE, an AOF rewrite's RDB base). */
export function asyncRdbOutput(srv: Server, target: string): AsyncFileOutput | FinishingFileOutput {
  const script = finisherFor(srv, target)
  if (script === null) return new AsyncFileOutput(target)
  return new FinishingFileOutput(target, script, srv.config.getBool('rdbchecksum'), false)
}

export class FinishingFileOutput implements ChunkOutput {
  readonly finishes = true
  readonly tempPath: string
  private fd: number
  private readonly worker: Worker
  private readonly port: MessagePort
  private readonly flags: Int32Array
  private readonly written: BigInt64Array
  private readonly startedAt = Date.now()
  private posted = 0
  private watching = false
  /** Why this save failed on the saver's side (the worker never started, or stalled). */
  private failure: Error | null = null
  /** Called as the worker finishes chunks, so a paused walk can resume (BGSAVE). */
  onDrain: (() => void) | null = null
  recycle?: (chunk: Buffer) => void

  /**
   * `blocking`: write() waits while the worker is more than HIGH_WATER behind (SAVE, whose walk
   * never pauses); otherwise the walk pauses on the backlog and resumes from onDrain (BGSAVE).
   */
  constructor(
    readonly target: string,
    script: string,
    checksum: boolean,
    private readonly blocking: boolean,
  ) {
    this.tempPath = tempPathFor(target)
    this.fd = openSync(this.tempPath, 'w', 0o644)
    const signal = new SharedArrayBuffer(SIGNAL_BYTES)
    this.flags = new Int32Array(signal)
    this.written = new BigInt64Array(signal, WRITTEN_AT, 1)
    const { port1, port2 } = new MessageChannel()
    this.port = port1
    const data: FinishWorkerData = { fd: this.fd, checksum, background: !blocking, signal, port: port2 }
    this.worker = new Worker(script, { workerData: data, transferList: [port2], execArgv: [] })
    // A failure is reported through the shared state and the port, read by commit.
    this.worker.on('error', () => {})
    this.worker.unref()
  }

  write(chunk: Buffer, lzf: number[] | null = null): void {
    if (this.failed()) return
    // Copied into the message: the chunk goes straight back to the encoder for reuse.
    this.post({ t: 'chunk', data: chunk, lzf })
    this.posted += chunk.length
    this.recycle?.(chunk)
    if (this.blocking) {
      while (this.pending() > HIGH_WATER) this.waitProgress()
    } else this.watch()
  }

  pending(): number {
    return this.failed() ? 0 : this.posted - Number(Atomics.load(this.written, 0))
  }

  /** Waits until the worker has finished the file; throws with its error when it failed. */
  commitSync(): void {
    this.post({ t: 'end' })
    while (Atomics.load(this.flags, SIGNAL_STATE) === FINISH_RUNNING) this.waitProgress()
    this.close()
    renameDurablySync(this.tempPath, this.target)
  }

  /** commitSync without blocking the event loop (BGSAVE, AOF rewrite). */
  async commit(): Promise<void> {
    this.post({ t: 'end' })
    let quietSince = Date.now()
    while (Atomics.load(this.flags, SIGNAL_STATE) === FINISH_RUNNING) {
      const seen = Atomics.load(this.flags, SIGNAL_PROGRESS)
      if (Atomics.load(this.flags, SIGNAL_STATE) !== FINISH_RUNNING) break
      const w = Atomics.waitAsync(this.flags, SIGNAL_PROGRESS, seen, WAIT_SLICE_MS)
      if (w.async && (await w.value) === 'timed-out') this.throwIfDead(quietSince)
      else quietSince = Date.now()
    }
    this.close()
    await renameDurably(this.tempPath, this.target)
  }

  /** Drops the temp file (cancelled or failed job); the target is untouched. */
  abort(): void {
    safeUnlink(this.tempPath)
    const fd = this.fd
    if (fd < 0) return
    this.fd = -1
    // Ends the drain watch: nothing is pending once failed.
    Atomics.store(this.flags, SIGNAL_STATE, FINISH_FAILED)
    Atomics.notify(this.flags, SIGNAL_PROGRESS)
    // The worker may be writing to fd: close it only once the thread is gone.
    void this.worker.terminate().finally(() => closeSync(fd))
  }

  private post(m: FinishRequest): void {
    this.port.postMessage(m)
  }

  private failed(): boolean {
    return Atomics.load(this.flags, SIGNAL_STATE) === FINISH_FAILED
  }

  /** Closes the fd after a finished run, or throws the worker's error (removing the temp file). */
  private close(): void {
    if (this.failure !== null || this.failed()) {
      const msg = receiveMessageOnPort(this.port)?.message as string | undefined
      this.abort()
      throw this.failure ?? new Error(msg ?? 'the RDB writer thread failed')
    }
    closeSync(this.fd)
    this.fd = -1
    void this.worker.terminate()
  }

  /** Blocks until the worker finishes something (or fails, or turns out to be gone). */
  private waitProgress(): void {
    const quietSince = Date.now()
    for (;;) {
      const seen = Atomics.load(this.flags, SIGNAL_PROGRESS)
      if (Atomics.load(this.flags, SIGNAL_STATE) !== FINISH_RUNNING) return
      if (Atomics.wait(this.flags, SIGNAL_PROGRESS, seen, WAIT_SLICE_MS) !== 'timed-out') return
      this.throwIfDead(quietSince)
    }
  }

  private throwIfDead(quietSince: number): void {
    const e = this.deadSince(quietSince)
    if (e !== null) throw e
  }

  /**
   * After a silent wait: the error when the worker never started or stopped making progress
   * (the save then fails: the temp file goes and nothing is pending any more), else null.
   */
  private deadSince(quietSince: number): Error | null {
    const now = Date.now()
    let e: Error
    if (Atomics.load(this.flags, SIGNAL_STARTED) === 0) {
      if (now - this.startedAt < finishingSave.startMs) return null
      finishingSave.script = null
      e = new WriterUnavailable('the RDB writer thread did not start; saves run in one thread from now on')
    } else if (now - quietSince >= STALL_MS) {
      e = new Error(`the RDB writer thread made no progress for ${STALL_MS / 1000} s`)
    } else return null
    this.failure ??= e
    this.abort()
    return this.failure
  }

  /** Calls onDrain whenever the worker finishes chunks, until it has caught up. */
  private watch(): void {
    if (this.watching) return
    this.watching = true
    let quietSince = Date.now()
    const loop = (): void => {
      const seen = Atomics.load(this.flags, SIGNAL_PROGRESS)
      const w = Atomics.waitAsync(this.flags, SIGNAL_PROGRESS, seen, WAIT_SLICE_MS)
      const next = (r: 'ok' | 'not-equal' | 'timed-out') => {
        // A dead worker fails the save: nothing is pending then, so the walk runs to its end.
        if (r !== 'timed-out') quietSince = Date.now()
        else if (this.deadSince(quietSince) === null) return loop()
        this.onDrain?.()
        if (this.pending() > 0) loop()
        else this.watching = false
      }
      if (w.async) void w.value.then(next)
      else next(w.value)
    }
    loop()
  }
}
