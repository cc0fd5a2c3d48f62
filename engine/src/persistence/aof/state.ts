// The AOF's per-server state (server.aof_* in Redis): on/off/waiting for the first rewrite, the
// manifest, the open incr file and its sizes, the buffer of commands waiting for this loop turn's
// write, fsync bookkeeping, rewrite bookkeeping, and the INFO "# Persistence" fields built from it.
// The modules beside it act on this state: feed.ts fills the buffer, fsync.ts writes and syncs it,
// rewrite.ts switches incr files and replaces the base, load.ts reads everything back at start.

import { close, closeSync, fsync, fsyncSync, openSync, mkdirSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import type { Server } from '../../server/server.js'
import type { Client } from '../../server/client.js'
import type { Snapshot } from '../snapshot.js'
import type { AsyncFileOutput } from '../rdb/output.js'
import { Manifest, persistManifest, tempIncrFileName } from './manifest.js'

export type AofStatus = 'off' | 'on' | 'wait-rewrite'

export interface RewriteJob {
  snap: Snapshot
  out: AsyncFileOutput
  /** Ends the base's format (RDB EOF + checksum, or nothing for RESP). */
  end(): void
  started: number
  done: Promise<void>
}

export class AofState {
  status: AofStatus = 'off'
  manifest = new Manifest()
  /** The open incr file (or temp incr while waiting for the first rewrite); -1 when none. */
  fd = -1
  /** Commands fed this loop turn, RESP as latin1 text (server.aof_buf). */
  buf = ''
  /** Clients whose commands are in `buf`: under `always` a failed write must not acknowledge them. */
  readonly writers = new Set<Client>()
  /** The db the file was last switched to with SELECT (-1: the next command writes SELECT). */
  selectedDb = -1
  /** aof_current_size, aof_rewrite_base_size, and the bytes in the open incr (aof_last_incr_size). */
  currentSize = 0
  rewriteBaseSize = 0
  lastIncrSize = 0
  // Write and fsync state.
  lastWriteStatus: 'ok' | 'err' = 'ok'
  lastWriteError = ''
  /** A background fsync failed (aof_bio_fsync_status); cleared by the next one that succeeds. */
  fsyncError = ''
  fsyncInFlight = 0
  /** Background jobs still holding an old incr's fd (fsync + close). */
  closing: Promise<void> = Promise.resolve()
  lastFsyncSec = 0
  /** Bytes written since the last fsync started (everysec: fsync even with an empty buffer). */
  unsynced = false
  flushPostponedStart = 0
  delayedFsync = 0
  // Rewrite state.
  rewrite: RewriteJob | null = null
  rewriteScheduled = false
  lastRewriteTimeSec = -1
  /** The last rewrite's copy-on-write bytes (aof_last_cow_size). */
  lastCowSize = 0
  lastBgrewriteStatus: 'ok' | 'err' = 'ok'
  rewrites = 0
  consecutiveFailures = 0
  /** When auto-rewrite may try again after repeated failures (aofRewriteLimited), ms. */
  nextRewriteAllowed = 0
  limitMinutes = 0
  /** Progress of the load at start (INFO loading_* fields), null when not loading. */
  loading: { start: number; totalBytes: number; loadedBytes: number } | null = null

  constructor(readonly srv: Server) {}

  /** dir/appenddirname. */
  get dirPath(): string {
    return join(this.srv.config.get('dir'), this.srv.config.get('appenddirname'))
  }

  /** appendfilename: the prefix of every file name. */
  get prefix(): string {
    return this.srv.config.get('appendfilename')
  }

  path(name: string): string {
    return join(this.dirPath, name)
  }

  ensureDir(): void {
    mkdirSync(this.dirPath, { recursive: true })
  }

  persistManifest(m: Manifest = this.manifest): void {
    persistManifest(this.dirPath, this.prefix, m)
  }

  /**
   * openNewIncrAofForAppend: with the AOF on, adds the next incr to a copy of the manifest, creates
   * the file and persists the copy; only then switches to it (the old fd is synced and closed in
   * the background). While waiting for the first rewrite the temp incr is used instead and the
   * manifest is left alone. All or nothing: on failure nothing changed and it throws.
   */
  openNewIncr(): void {
    if (this.status === 'off') return
    this.ensureDir()
    let fd: number
    let next: Manifest | null = null
    if (this.status === 'wait-rewrite') {
      fd = openSync(this.path(tempIncrFileName(this.prefix)), 'w', 0o644)
      this.srv.log.notice(`Creating AOF incr file ${tempIncrFileName(this.prefix)} on background rewrite`)
    } else {
      next = this.manifest.clone()
      const f = next.newIncr(this.prefix)
      fd = openSync(this.path(f.name), 'w', 0o644)
      try {
        this.persistManifest(next)
      } catch (e) {
        close(fd, () => {})
        throw e
      }
      this.srv.log.notice(`Creating AOF incr file ${f.name} on background rewrite`)
    }
    this.closeInBackground()
    this.fd = fd
    this.lastIncrSize = 0
    this.selectedDb = -1
    if (next) this.manifest = next
  }

  /** Opens the last incr for appending at start-up, or creates the next one. */
  openIncrAtStart(): void {
    this.ensureDir()
    const last = this.manifest.incrs.at(-1)
    if (last) {
      this.fd = openSync(this.path(last.name), 'a', 0o644)
    } else {
      const f = this.manifest.newIncr(this.prefix)
      this.fd = openSync(this.path(f.name), 'w', 0o644)
      this.srv.log.notice(`Creating AOF incr file ${f.name} on server start`)
    }
    if (this.manifest.dirty) this.persistManifest()
    this.selectedDb = -1
  }

  /** Renames the temp incr of a first rewrite to the next incr name and lists it in manifest m. */
  adoptTempIncr(m: Manifest): void {
    const f = m.newIncr(this.prefix)
    renameSync(this.path(tempIncrFileName(this.prefix)), this.path(f.name))
    this.srv.log.notice(
      `Successfully renamed the temporary AOF incr file ${tempIncrFileName(this.prefix)} into ${f.name}`,
    )
  }

  /** stopAppendOnly/prepareForShutdown: the current fd is fsynced and closed now. */
  closeNow(): void {
    const fd = this.fd
    this.fd = -1
    if (fd < 0) return
    try {
      fsyncSync(fd)
    } catch (e) {
      this.srv.log.warning(`Fail to fsync the AOF file: ${(e as Error).message}`)
    }
    // A background fsync of this fd may not have run yet: it must not find the number reused.
    if (this.fsyncInFlight > 0) this.closing = this.closing.then(() => new Promise((r) => close(fd, () => r())))
    else closeSync(fd)
  }

  /** bioCreateCloseAofJob: the current fd is fsynced and closed off the event loop. */
  closeInBackground(): void {
    const fd = this.fd
    this.fd = -1
    if (fd < 0) return
    // An fsync of this fd may still be running: close only after it (an fd number reused too early
    // would let that fsync or close hit another file).
    this.closing = this.closing.then(
      () =>
        new Promise<void>((res) => {
          fsync(fd, () => close(fd, () => res()))
        }),
    )
  }
}

const states = new WeakMap<Server, AofState>()

export function aofState(srv: Server): AofState {
  let s = states.get(srv)
  if (!s) {
    s = new AofState(srv)
    states.set(srv, s)
  }
  return s
}

/** The AOF fields of INFO "# Persistence", in Redis 7.0's order. */
export function aofInfo(srv: Server): [string, string | number][] {
  const st = aofState(srv)
  const rw = st.rewrite
  const fields: [string, string | number][] = [
    ['aof_enabled', st.status !== 'off' ? 1 : 0],
    ['aof_rewrite_in_progress', rw ? 1 : 0],
    ['aof_rewrite_scheduled', st.rewriteScheduled ? 1 : 0],
    ['aof_last_rewrite_time_sec', st.lastRewriteTimeSec],
    ['aof_current_rewrite_time_sec', rw ? Math.floor((Date.now() - rw.started) / 1000) : -1],
    ['aof_last_bgrewrite_status', st.lastBgrewriteStatus],
    ['aof_rewrites', st.rewrites],
    ['aof_rewrites_consecutive_failures', st.consecutiveFailures],
    ['aof_last_write_status', st.lastWriteStatus === 'ok' && st.fsyncError === '' ? 'ok' : 'err'],
    ['aof_last_cow_size', st.lastCowSize],
    ['module_fork_in_progress', 0],
    ['module_fork_last_cow_size', 0],
  ]
  if (st.status !== 'off') {
    fields.push(
      ['aof_current_size', st.currentSize],
      ['aof_base_size', st.rewriteBaseSize],
      ['aof_pending_rewrite', st.rewriteScheduled ? 1 : 0],
      ['aof_buffer_length', st.buf.length],
      ['aof_pending_bio_fsync', st.fsyncInFlight],
      ['aof_delayed_fsync', st.delayedFsync],
    )
  }
  const ld = st.loading
  if (srv.loading && ld) {
    const elapsed = (Date.now() - ld.start) / 1000
    const perc = ld.totalBytes > 0 ? (ld.loadedBytes / ld.totalBytes) * 100 : 0
    const eta = ld.loadedBytes > 0 ? ((ld.totalBytes - ld.loadedBytes) * elapsed) / ld.loadedBytes : 1
    fields.push(
      ['loading_start_time', Math.floor(ld.start / 1000)],
      ['loading_total_bytes', ld.totalBytes],
      ['loading_rdb_used_mem', 0],
      ['loading_loaded_bytes', ld.loadedBytes],
      ['loading_loaded_perc', perc.toFixed(2)],
      ['loading_eta_seconds', Math.floor(eta)],
    )
  }
  return fields
}
