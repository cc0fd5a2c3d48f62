// A large synchronous RDB save's second core. Of a SAVE's time, LZF and the CRC-64 were about 40 %
// (measured on 1 M strings + 30 k collections), and neither needs the dataset: the snapshot
// encodes with the encoder in deferred mode and this output posts each chunk to a worker
// (finish-worker.ts) that compresses the strings it lists, keeps the CRC, writes EOF and the
// footer, writes the temp file and fsyncs it. The file is byte for byte what an in-thread save
// writes. The saver closes and renames it as the other outputs do (temp name, fsync, rename, fsync
// the folder). Background saves stay in one thread: a second busy core took the CPU from the
// clients (GET p99 during back-to-back BGSAVEs 1.0-1.1 ms in one thread, 3.3-4.1 ms with it).

import { closeSync, openSync } from 'node:fs'
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads'
import type { Server } from '../../server/server.js'
import type { ChunkOutput } from './stream.js'
import { HIGH_WATER } from './stream.js'
import { SyncFileOutput, renameDurablySync, safeUnlink, tempPathFor } from './output.js'
import { WORKER_START_TIMEOUT_MS, workerScript } from '../../util/worker-script.js'
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
 * has not started after startMs will not. Tests change these.
 */
export const finishingSave = {
  minBytes: 8 << 20,
  script: workerScript(import.meta.url, 'finish-worker'),
  startMs: WORKER_START_TIMEOUT_MS,
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

/**
 * A synchronous save to target (SAVE, DEBUG RELOAD, SHUTDOWN, an AOF base at start): `write`
 * encodes into the output, which is then committed, or dropped on failure. An RDB (`rdb`) of a
 * large dataset goes through the writer thread; when that does not start, it runs once more in
 * this thread (nothing else ran meanwhile: the same dataset).
 */
export function writeFileNow(srv: Server, target: string, rdb: boolean, write: (out: ChunkOutput) => void): void {
  const attempt = () => {
    const script = finishingSave.script
    const big = rdb && script !== null && srv.keyspace.memory.dataset >= finishingSave.minBytes
    if (big) srv.log.verbose(`Writing ${target} with LZF and the checksum on a writer thread`)
    const out = big
      ? new FinishingFileOutput(target, script, srv.config.getBool('rdbchecksum'))
      : new SyncFileOutput(target)
    try {
      write(out)
      out.commit()
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
  recycle?: (chunk: Buffer) => void

  constructor(
    readonly target: string,
    script: string,
    checksum: boolean,
  ) {
    this.tempPath = tempPathFor(target)
    this.fd = openSync(this.tempPath, 'w', 0o644)
    const signal = new SharedArrayBuffer(SIGNAL_BYTES)
    this.flags = new Int32Array(signal)
    this.written = new BigInt64Array(signal, WRITTEN_AT, 1)
    const { port1, port2 } = new MessageChannel()
    this.port = port1
    const data: FinishWorkerData = { fd: this.fd, checksum, signal, port: port2 }
    // No inherited execArgv: options such as `--input-type` (node -e) make a worker fail to start.
    this.worker = new Worker(script, { workerData: data, transferList: [port2], execArgv: [] })
    // A failure is reported through the shared state and the port, read by commit.
    this.worker.on('error', () => {})
    this.worker.unref()
  }

  /** Posts a chunk (copied into the message, so it goes straight back to the encoder); waits while the worker is HIGH_WATER behind. */
  write(chunk: Buffer, lzf: number[] | null = null): void {
    if (this.failed()) return
    this.post({ t: 'chunk', data: chunk, lzf })
    this.posted += chunk.length
    this.recycle?.(chunk)
    while (this.pending() > HIGH_WATER) this.waitProgress()
  }

  pending(): number {
    return this.failed() ? 0 : this.posted - Number(Atomics.load(this.written, 0))
  }

  /** Waits until the worker has finished the file, then renames it; throws with its error when it failed. */
  commit(): void {
    this.post({ t: 'end' })
    while (Atomics.load(this.flags, SIGNAL_STATE) === FINISH_RUNNING) this.waitProgress()
    if (this.failed()) {
      const msg = receiveMessageOnPort(this.port)?.message as string | undefined
      this.abort()
      throw new Error(msg ?? 'the RDB writer thread failed')
    }
    closeSync(this.fd)
    this.fd = -1
    void this.worker.terminate()
    renameDurablySync(this.tempPath, this.target)
  }

  /** Drops the temp file (a failed save); the target is untouched. */
  abort(): void {
    safeUnlink(this.tempPath)
    const fd = this.fd
    if (fd < 0) return
    this.fd = -1
    Atomics.store(this.flags, SIGNAL_STATE, FINISH_FAILED)
    // The worker may be writing to fd: close it only once the thread is gone.
    void this.worker.terminate().finally(() => closeSync(fd))
  }

  private post(m: FinishRequest): void {
    this.port.postMessage(m)
  }

  private failed(): boolean {
    return Atomics.load(this.flags, SIGNAL_STATE) === FINISH_FAILED
  }

  /**
   * Blocks until the worker finishes something or fails; throws when it never started or stopped
   * making progress (the save then fails and its temp file goes).
   */
  private waitProgress(): void {
    const quietSince = Date.now()
    for (;;) {
      const seen = Atomics.load(this.flags, SIGNAL_PROGRESS)
      if (Atomics.load(this.flags, SIGNAL_STATE) !== FINISH_RUNNING) return
      if (Atomics.wait(this.flags, SIGNAL_PROGRESS, seen, WAIT_SLICE_MS) !== 'timed-out') return
      const now = Date.now()
      if (Atomics.load(this.flags, SIGNAL_STARTED) === 0) {
        if (now - this.startedAt < finishingSave.startMs) continue
        this.abort()
        finishingSave.script = null
        throw new WriterUnavailable('the RDB writer thread did not start; saves run in one thread from now on')
      }
      if (now - quietSince >= STALL_MS) {
        this.abort()
        throw new Error(`the RDB writer thread made no progress for ${STALL_MS / 1000} s`)
      }
    }
  }
}
