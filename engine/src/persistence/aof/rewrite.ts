// AOF rewrite (aof.c's rewriteAppendOnlyFileBackground and backgroundRewriteDoneHandler, Redis
// 7.0 multi-part AOF) on the fork-less snapshot: in one loop turn the buffer is flushed, a new
// incr file is opened and the manifest listing it persisted, and the snapshot starts, so the new
// base (the snapshot, an RDB with aof-base=1 or RESP commands) plus the incr files that follow it
// are the dataset. When the base is on disk the manifest is swapped atomically (new base, older
// files marked history), the history files are deleted and the manifest persisted again.
// Also: BGREWRITEAOF scheduling while a BGSAVE runs, auto-aof-rewrite-*, and turning the AOF on
// (first rewrite, writes kept in a temp incr meanwhile) and off at run time.

import { statSync, unlink, unlinkSync } from 'node:fs'
import type { Dict } from '../../keyspace/dict.js'
import type { Value } from '../../types/value.js'
import { ListValue } from '../../types/list.js'
import { SetValue } from '../../types/set.js'
import { ZSetValue } from '../../types/zset.js'
import { HashValue } from '../../types/hash.js'
import { formatDouble } from '../../util/numbers.js'
import { snapshots, type Snapshot, type SnapshotSink } from '../snapshot.js'
import { HIGH_WATER, RdbStream, type ChunkOutput } from '../rdb/stream.js'
import { AsyncFileOutput } from '../rdb/output.js'
import { writeFileNow } from '../rdb/finish-output.js'
import { rdbState } from '../save.js'
import { baseFileName, tempIncrFileName } from './manifest.js'
import { encodeCommand } from './reader.js'
import { flushAof } from './fsync.js'
import type { AofState, RewriteJob } from './state.js'

/** AOF_REWRITE_ITEMS_PER_CMD: elements per RPUSH/SADD/ZADD/HMSET of a RESP base. */
const ITEMS_PER_CMD = 64
/** Text gathered before it is handed to the output. */
const FLUSH_AT = 64 * 1024
/** aofRewriteLimited: after this many failures in a row, auto-rewrite backs off (1, 2, 4… ≤ 60 min). */
const LIMIT_THRESHOLD = 3
const LIMIT_MAX_MINUTES = 60

/** The RESP base of aof-use-rdb-preamble no (rewriteAppendOnlyFileRio): commands that rebuild each key. */
export class RespBaseStream implements SnapshotSink {
  private text = ''
  private lastDb = -1

  constructor(private readonly out: ChunkOutput) {}

  record(db: number, key: string, val: Value, expireAt: number, _dict: Dict, _slot: number): void {
    if (db !== this.lastDb) {
      this.text += encodeCommand(['SELECT', String(db)])
      this.lastDb = db
    }
    if (typeof val !== 'object') this.text += encodeCommand(['SET', key, String(val)])
    else if (val instanceof ListValue) this.batched('RPUSH', key, flatLists(val))
    else if (val instanceof SetValue) this.batched('SADD', key, [...val.members()])
    else if (val instanceof ZSetValue) {
      const items: string[] = []
      for (const [m, score] of val.entries()) items.push(formatDouble(score), m)
      this.batched('ZADD', key, items, 2)
    } else if (val instanceof HashValue) {
      const items: string[] = []
      for (const [f, v] of val.entries()) items.push(f, v)
      this.batched('HMSET', key, items, 2)
    } else {
      throw new Error(`cannot rewrite a ${val.type} value`)
    }
    if (expireAt !== 0) this.text += encodeCommand(['PEXPIREAT', key, String(expireAt)])
    if (this.text.length >= FLUSH_AT) this.flush()
  }

  /** One command per ITEMS_PER_CMD elements (an element is `width` arguments). */
  private batched(cmd: string, key: string, items: string[], width = 1): void {
    const step = ITEMS_PER_CMD * width
    for (let i = 0; i < items.length; i += step) {
      this.text += encodeCommand([cmd, key, ...items.slice(i, i + step)])
    }
  }

  private flush(): void {
    if (this.text.length === 0) return
    this.out.write(Buffer.from(this.text, 'latin1'))
    this.text = ''
  }

  congested(): boolean {
    return this.out.pending() > HIGH_WATER
  }

  end(): void {
    this.flush()
  }
}

function flatLists(l: ListValue): string[] {
  const out: string[] = []
  for (const node of l.ql.nodes) for (const e of node.entries) out.push(e)
  return out
}

/** A base writer for the configured format: an RDB with aof-base=1, or RESP commands. */
function baseStream(st: AofState, out: ChunkOutput): RdbStream | RespBaseStream {
  if (st.srv.config.getBool('aof-use-rdb-preamble')) return new RdbStream(st.srv, out, { aofBase: true })
  return new RespBaseStream(out)
}

/** Starts a snapshot into a base stream (RESIZEDB hints come from the snapshot's start). */
function startSnapshot(st: AofState, stream: RdbStream | RespBaseStream): Snapshot {
  const snap = snapshots(st.srv).start(stream)
  if (stream instanceof RdbStream) stream.setSizes((i) => [snap.sizes[i], snap.expires[i]])
  return snap
}

/**
 * Writes a base of the whole dataset synchronously (the base created at start-up, rewriteAppendOnlyFile):
 * the snapshot walked to its end in one go. Returns the new base's name; throws on failure.
 */
export function writeBaseSync(st: AofState): string {
  const rdb = st.srv.config.getBool('aof-use-rdb-preamble')
  const name = baseFileName(st.prefix, st.manifest.currBaseSeq + 1, rdb)
  const write = (out: ChunkOutput) => {
    const stream = baseStream(st, out)
    const snap = startSnapshot(st, stream)
    snap.slice(Infinity)
    snap.finish()
    stream.end()
  }
  writeFileNow(st.srv, st.path(name), rdb, write)
  st.manifest.newBase(st.prefix, rdb)
  return name
}

/** rewriteAppendOnlyFileBackground: false (and logged) when the rewrite could not start. */
export function startRewrite(st: AofState): boolean {
  const srv = st.srv
  if (st.rewrite || rdbState(srv).bg) return false
  // What was fed before this instant belongs to the snapshot and must not reach the new incr.
  flushAof(st, true)
  if (st.buf.length > 0) {
    srv.log.warning("Can't rewrite the AOF: the AOF buffer could not be written")
    st.lastBgrewriteStatus = 'err'
    return false
  }
  const rdb = srv.config.getBool('aof-use-rdb-preamble')
  let out: AsyncFileOutput
  try {
    st.ensureDir()
    st.openNewIncr()
    out = new AsyncFileOutput(st.path(baseFileName(st.prefix, st.manifest.currBaseSeq + 1, rdb)))
  } catch (e) {
    srv.log.warning(`Can't rewrite append only file in background: ${(e as Error).message}`)
    st.lastBgrewriteStatus = 'err'
    return false
  }
  st.rewriteScheduled = false
  st.rewrites++
  const stream = baseStream(st, out)
  const snap = startSnapshot(st, stream)
  out.onDrain = () => {
    if (!stream.congested()) snap.resume()
  }
  const job: RewriteJob = { snap, out, end: () => stream.end(), started: Date.now(), done: Promise.resolve() }
  st.rewrite = job
  job.done = finishRewrite(st, job)
  srv.log.notice('Background append only file rewriting started')
  return true
}

/** backgroundRewriteDoneHandler. */
async function finishRewrite(st: AofState, job: RewriteJob): Promise<void> {
  const srv = st.srv
  await job.snap.done
  let ok = false
  if (!job.snap.cancelled) {
    try {
      job.end()
      await job.out.commit()
      ok = true
    } catch (e) {
      job.out.abort()
      srv.log.warning(`Background AOF rewrite failed: ${(e as Error).message}`)
    }
  } else {
    job.out.abort()
  }
  if (st.rewrite !== job) {
    // Killed while the file was being committed: the new base is not referenced by anything.
    if (ok) unlink(job.out.target, () => {})
    return
  }
  st.rewrite = null
  st.lastRewriteTimeSec = Math.floor((Date.now() - job.started) / 1000)
  st.lastCowSize = job.snap.cowBytes
  if (ok) ok = installNewBase(st, job)
  if (ok) {
    st.lastBgrewriteStatus = 'ok'
    st.consecutiveFailures = 0
    srv.log.notice('Background AOF rewrite finished successfully')
  } else {
    st.lastBgrewriteStatus = 'err'
    st.consecutiveFailures++
    srv.log.warning('Background AOF rewrite terminated with error')
    if (st.status === 'wait-rewrite') {
      // Try again: what the temp incr held is in memory and will be in the next snapshot.
      dropTempIncr(st)
      st.rewriteScheduled = true
    }
  }
}

/** The manifest switch at the end of a successful rewrite; false if it could not be persisted. */
function installNewBase(st: AofState, job: RewriteJob): boolean {
  const srv = st.srv
  const m = st.manifest.clone()
  const rdb = job.out.target.endsWith('.rdb')
  const base = m.newBase(st.prefix, rdb)
  srv.log.notice(`Successfully renamed the temporary AOF base file into ${base.name}`)
  try {
    if (st.status === 'wait-rewrite') st.adoptTempIncr(m)
    if (st.fd >= 0) m.markRewrittenIncrsAsHistory()
    else {
      m.history.push(...m.incrs.map((f) => ({ ...f, type: 'h' as const })))
      m.incrs = []
    }
    st.persistManifest(m)
  } catch (e) {
    srv.log.warning(`Can't persist the AOF manifest after a rewrite: ${(e as Error).message}`)
    unlink(job.out.target, () => {})
    return false
  }
  st.manifest = m
  if (st.status === 'wait-rewrite') {
    st.status = 'on'
    srv.log.notice('Background AOF rewrite terminated with success')
  }
  st.currentSize = statSync(job.out.target).size + st.lastIncrSize
  st.rewriteBaseSize = st.currentSize
  deleteHistory(st)
  return true
}

/** aofDelHistoryFiles: unlinks the history files, then persists the manifest without them. */
export function deleteHistory(st: AofState): void {
  const m = st.manifest
  if (m.history.length === 0) return
  for (const f of m.history) {
    st.srv.log.notice(`Removing the history file ${f.name} in the background`)
    unlink(st.path(f.name), () => {})
  }
  m.history = []
  m.dirty = true
  try {
    st.persistManifest()
  } catch (e) {
    st.srv.log.warning(`Can't persist the AOF manifest: ${(e as Error).message}`)
  }
}

function dropTempIncr(st: AofState): void {
  st.closeInBackground()
  st.buf = ''
  try {
    unlinkSync(st.path(tempIncrFileName(st.prefix)))
  } catch {
    // Not created.
  }
}

/** killAppendOnlyChild: stops a running rewrite; its temp file is removed. */
export function killRewrite(st: AofState): void {
  const job = st.rewrite
  if (!job) return
  st.srv.log.notice('Killing running AOF rewrite')
  st.rewrite = null
  job.snap.cancel()
}

/** BGREWRITEAOF's reply. */
export function bgrewriteaof(st: AofState, inExec: boolean): { ok: boolean; text: string } {
  if (st.rewrite) return { ok: false, text: 'ERR Background append only file rewriting already in progress' }
  if (rdbState(st.srv).bg || inExec) {
    st.rewriteScheduled = true
    st.consecutiveFailures = 0
    return { ok: true, text: 'Background append only file rewriting scheduled' }
  }
  if (startRewrite(st)) return { ok: true, text: 'Background append only file rewriting started' }
  return {
    ok: false,
    text: "ERR Can't execute an AOF background rewriting. Please check the server logs for more information.",
  }
}

/** aofRewriteLimited: after repeated failures, automatic rewrites wait 1, 2, 4… up to 60 minutes. */
function rewriteLimited(st: AofState, now: number): boolean {
  if (st.consecutiveFailures < LIMIT_THRESHOLD) {
    st.nextRewriteAllowed = 0
    st.limitMinutes = 0
    return false
  }
  if (st.nextRewriteAllowed !== 0) {
    if (now < st.nextRewriteAllowed) return true
    st.nextRewriteAllowed = 0
    return false
  }
  st.limitMinutes = st.limitMinutes === 0 ? 1 : Math.min(LIMIT_MAX_MINUTES, st.limitMinutes * 2)
  st.nextRewriteAllowed = now + st.limitMinutes * 60_000
  st.srv.log.warning(
    `Background AOF rewrite has repeatedly failed and triggered the limit, will retry in ${st.limitMinutes} minutes`,
  )
  return true
}

/** serverCron's part: a scheduled rewrite, then the growth trigger. */
export function rewriteCron(st: AofState): void {
  if (st.rewrite || rdbState(st.srv).bg) return
  const now = Date.now()
  if (st.rewriteScheduled && !rewriteLimited(st, now)) {
    startRewrite(st)
    return
  }
  const cfg = st.srv.config
  const perc = cfg.getInt('auto-aof-rewrite-percentage')
  if (st.status !== 'on' || perc === 0 || st.currentSize <= cfg.getInt('auto-aof-rewrite-min-size')) return
  const base = st.rewriteBaseSize || 1
  const growth = Math.floor((st.currentSize * 100) / base) - 100
  if (growth >= perc && !rewriteLimited(st, now)) {
    st.srv.log.notice(`Starting automatic rewriting of AOF on ${growth}% growth`)
    startRewrite(st)
  }
}

/** startAppendOnly (CONFIG SET appendonly yes): false when the first rewrite cannot start. */
export function startAppendOnly(st: AofState): boolean {
  st.status = 'wait-rewrite'
  if (rdbState(st.srv).bg) {
    st.rewriteScheduled = true
    st.srv.log.warning(
      'AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.',
    )
    return true
  }
  if (st.rewrite) {
    st.srv.log.warning(
      'AOF was enabled but there is already an AOF rewriting in background. Stopping background AOF and starting a rewrite now.',
    )
    killRewrite(st)
  }
  if (!startRewrite(st)) {
    st.status = 'off'
    st.srv.log.warning(
      "Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error.",
    )
    return false
  }
  st.lastFsyncSec = Math.floor(Date.now() / 1000)
  return true
}

/** stopAppendOnly (CONFIG SET appendonly no): last write and fsync, close, stop any rewrite. */
export function stopAppendOnly(st: AofState): void {
  const waiting = st.status === 'wait-rewrite'
  flushAof(st, true)
  st.closeNow()
  st.status = 'off'
  st.selectedDb = -1
  st.rewriteScheduled = false
  st.lastIncrSize = 0
  killRewrite(st)
  st.buf = ''
  st.writers.clear()
  if (waiting) dropTempIncr(st)
}
