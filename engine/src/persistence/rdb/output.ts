// Writing an RDB to disk safely: a temp file in the target folder, written asynchronously in
// batches (writev) while the snapshot walks, or synchronously for SAVE; then fsync, close, rename
// over the target and fsync the folder. On any failure the temp file is removed and the old
// file is left as it was.

import { closeSync, fsync, fsyncSync, openSync, renameSync, unlinkSync, writev, close } from 'node:fs'
import { dirname, join } from 'node:path'
import { open, rename } from 'node:fs/promises'
import { fsyncDir } from '../../server/config.js'
import type { ChunkOutput } from './stream.js'
import { writeAllSync } from '../../util/write-all.js'

/** temp-<pid>-<n>.rdb, as Redis's temp-<pid>.rdb but unique per concurrent job. */
let tempSeq = 0
export function tempPathFor(target: string, tag = 'temp'): string {
  return join(dirname(target), `${tag}-${process.pid}-${++tempSeq}.rdb`)
}

/** Asynchronous temp-file output with a write backlog (for BGSAVE and disk-backed SYNC). */
export class AsyncFileOutput implements ChunkOutput {
  readonly tempPath: string
  private fd: number
  private queue: Buffer[] = []
  private queued = 0
  private writing = false
  private error: Error | null = null
  private waiters: (() => void)[] = []
  /** Called after each completed write, so a paused walk can resume. */
  onDrain: (() => void) | null = null
  recycle?: (chunk: Buffer) => void

  constructor(readonly target: string) {
    this.tempPath = tempPathFor(target)
    this.fd = openSync(this.tempPath, 'w', 0o644)
  }

  write(chunk: Buffer): void {
    if (this.error) return
    this.queue.push(chunk)
    this.queued += chunk.length
    if (!this.writing) this.pump()
  }

  pending(): number {
    return this.queued
  }

  private pump(): void {
    if (this.queue.length === 0) {
      this.writing = false
      const w = this.waiters
      this.waiters = []
      for (const f of w) f()
      return
    }
    this.writing = true
    const batch = this.queue
    this.queue = []
    let bytes = 0
    for (const b of batch) bytes += b.length
    writev(this.fd, batch, (err, n) => {
      if (err || n !== bytes) {
        this.error = err ?? new Error(`short write: ${n} of ${bytes} bytes`)
        this.queue = []
        this.queued = 0
        this.writing = false
        const w = this.waiters
        this.waiters = []
        for (const f of w) f()
        this.onDrain?.()
        return
      }
      this.queued -= bytes
      if (this.recycle) for (const b of batch) this.recycle(b)
      this.onDrain?.()
      this.pump()
    })
  }

  /** Resolves when every queued chunk is on its way to disk (or the output failed). */
  private drained(): Promise<void> {
    if (!this.writing && this.queue.length === 0) return Promise.resolve()
    return new Promise((r) => this.waiters.push(r))
  }

  /** Waits for the backlog, fsyncs, closes and renames over the target; throws on any error. */
  async commit(): Promise<void> {
    await this.drained()
    if (this.error) {
      this.abort()
      throw this.error
    }
    const fd = this.fd
    this.fd = -1
    try {
      await new Promise<void>((res, rej) => fsync(fd, (e) => (e ? rej(e) : res())))
    } finally {
      await new Promise<void>((res) => close(fd, () => res()))
    }
    await renameDurably(this.tempPath, this.target)
  }

  /** Drops the temp file (cancelled or failed job); the target is untouched. */
  abort(): void {
    if (this.fd >= 0) {
      const fd = this.fd
      this.fd = -1
      // Pending writev callbacks may still hold the fd: close once they are done.
      void this.drained().then(() => close(fd, () => {}))
    }
    safeUnlink(this.tempPath)
  }
}

/** Synchronous temp-file output (SAVE, SHUTDOWN, DEBUG RELOAD, FLUSHALL). */
export class SyncFileOutput implements ChunkOutput {
  readonly tempPath: string
  private fd: number

  constructor(readonly target: string) {
    this.tempPath = tempPathFor(target)
    this.fd = openSync(this.tempPath, 'w', 0o644)
  }

  recycle?: (chunk: Buffer) => void

  write(chunk: Buffer): void {
    writeAllSync(this.fd, chunk)
    this.recycle?.(chunk)
  }

  pending(): number {
    return 0
  }

  commit(): void {
    fsyncSync(this.fd)
    closeSync(this.fd)
    this.fd = -1
    renameDurablySync(this.tempPath, this.target)
  }

  abort(): void {
    if (this.fd >= 0) {
      try {
        closeSync(this.fd)
      } catch {
        // already closed
      }
      this.fd = -1
    }
    safeUnlink(this.tempPath)
  }
}

/** Renames the written temp file over the target and fsyncs the folder (a failed rename drops the temp file). */
export async function renameDurably(tempPath: string, target: string): Promise<void> {
  try {
    await rename(tempPath, target)
  } catch (e) {
    safeUnlink(tempPath)
    throw e
  }
  // The folder's fsync makes the rename durable; done off the event loop like the writes.
  try {
    const dir = await open(dirname(target), 'r')
    try {
      await dir.sync()
    } finally {
      await dir.close()
    }
  } catch {
    // Some filesystems refuse fsync on directories; the rename itself is still atomic.
  }
}

/** renameDurably for the synchronous savers. */
export function renameDurablySync(tempPath: string, target: string): void {
  renameSync(tempPath, target)
  fsyncDir(dirname(target))
}

export function safeUnlink(p: string): void {
  try {
    unlinkSync(p)
  } catch {
    // Already gone.
  }
}
