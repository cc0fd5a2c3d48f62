// RDB saving as a server job (rdb.c's rdbSave/rdbSaveBackground/backgroundSaveDoneHandler and the
// serverCron save points): synchronous SAVE, the fork-less BGSAVE on the snapshot cursor, BGSAVE
// SCHEDULE, `save m n` rules, the MISCONF guard of stop-writes-on-bgsave-error, save at shutdown,
// FLUSHALL's kill-and-save, and the fields of INFO's "# Persistence" section.

import { join } from 'node:path'
import type { Server } from '../server/server.js'
import type { Client } from '../server/client.js'
import type { Command } from '../commands/table.js'
import { snapshots, type Snapshot } from './snapshot.js'
import { RdbStream } from './rdb/stream.js'
import type { ChunkOutput } from './rdb/stream.js'
import { writeFileNow } from './rdb/finish-output.js'
import { AsyncFileOutput } from './rdb/output.js'

/** Seconds before a failed BGSAVE is retried by the save rules (CONFIG_BGSAVE_RETRY_DELAY). */
const BGSAVE_RETRY_DELAY = 5

export const MISCONF_ERROR =
  "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. " +
  'Commands that may modify the data set are disabled, because this instance is configured to report errors ' +
  'during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). ' +
  'Please check the Redis logs for details about the RDB error.'

interface BgSave {
  snap: Snapshot
  out: AsyncFileOutput
  stream: RdbStream
  dirtyBefore: number
  started: number
  /** Resolves true on success, false on failure or cancel. */
  result: Promise<boolean>
}

/** Per-server persistence state (server.lastsave, server.lastbgsave_status, …). */
export class RdbState {
  lastSave: number
  lastBgsaveStatus: 'ok' | 'err' = 'ok'
  lastBgsaveTry = 0
  lastBgsaveTimeSec = -1
  saves = 0
  scheduled = false
  bg: BgSave | null = null
  lastLoadKeysLoaded = 0
  /** The last BGSAVE's copy-on-write bytes (rdb_last_cow_size). */
  lastCowSize = 0
  lastLoadKeysExpired = 0
  /**
   * The AOF rewrite's snapshot while it runs: BGSAVE then reports "Another child process is active",
   * and INFO's current_save_keys_* show its progress (Redis reports them for any child).
   */
  otherJob: () => Snapshot | null = () => null

  constructor(readonly srv: Server) {
    this.lastSave = Math.floor(srv.startTime / 1000)
  }
}

const states = new WeakMap<Server, RdbState>()

export function rdbState(srv: Server): RdbState {
  let s = states.get(srv)
  if (!s) {
    s = new RdbState(srv)
    states.set(srv, s)
  }
  return s
}

/** dir + dbfilename. */
export function rdbPath(srv: Server): string {
  return join(srv.config.get('dir'), srv.config.get('dbfilename'))
}

/**
 * rdbSave: writes the whole dataset synchronously (no hooks: nothing runs meanwhile). Throws on
 * failure, leaving the previous file intact. On success the dirty counter and lastsave reset.
 */
export function saveSync(srv: Server, path = rdbPath(srv)): void {
  const st = rdbState(srv)
  st.saves++
  try {
    writeFileNow(srv, path, true, (out) => writeAllSync(srv, out))
  } catch (e) {
    srv.log.warning(`Failed saving the DB: ${(e as Error).message}`)
    throw e
  }
  srv.log.notice('DB saved on disk')
  srv.dirty = 0
  st.lastSave = Math.floor(Date.now() / 1000)
  st.lastBgsaveStatus = 'ok'
}

/** Serialises every db in order into out (the body of SAVE and DEBUG RELOAD). */
function writeAllSync(srv: Server, out: ChunkOutput): void {
  const stream = new RdbStream(srv, out)
  const dbs = srv.keyspace.dbs
  stream.setSizes((i) => [dbs[i].dict.size, dbs[i].dict.volatileCount])
  for (const db of dbs) {
    const d = db.dict
    for (let s = 0; s < d.slotEnd; s++) {
      const key = d.keys[s]
      if (key === undefined) continue
      stream.record(db.id, key, d.vals[s] as NonNullable<(typeof d.vals)[number]>, d.expires[s], d, s)
    }
  }
  stream.end()
}

export type BgsaveStart = { ok: true } | { ok: false; error: string }

/**
 * rdbSaveBackground: starts a snapshot into a temp file; false with the reason when one is already
 * running. A temp file that cannot be created fails the save as a failed child would in Redis: the
 * reply is still "started", and the status becomes err.
 */
export function startBgsave(srv: Server): BgsaveStart {
  const st = rdbState(srv)
  if (st.bg) return { ok: false, error: 'Background save already in progress' }
  const path = rdbPath(srv)
  st.lastBgsaveTry = Math.floor(Date.now() / 1000)
  st.saves++
  let out: AsyncFileOutput
  try {
    out = new AsyncFileOutput(path)
  } catch (e) {
    st.lastBgsaveStatus = 'err'
    srv.log.warning(`Background saving error: ${(e as Error).message}`)
    return { ok: true }
  }
  const stream = new RdbStream(srv, out)
  const snap = snapshots(srv).start(stream)
  stream.setSizes((i) => [snap.sizes[i], snap.expires[i]])
  out.onDrain = () => {
    if (!stream.congested()) snap.resume()
  }
  const started = Date.now()
  const bg: BgSave = { snap, out, stream, dirtyBefore: srv.dirty, started, result: Promise.resolve(false) }
  bg.result = finishBgsave(srv, bg)
  st.bg = bg
  srv.log.notice('Background saving started')
  return { ok: true }
}

async function finishBgsave(srv: Server, bg: BgSave): Promise<boolean> {
  const st = rdbState(srv)
  await bg.snap.done
  let ok = false
  if (bg.snap.cancelled) {
    bg.out.abort()
    srv.log.warning('Background saving terminated by signal')
  } else {
    try {
      bg.stream.end()
      await bg.out.commit()
      ok = true
    } catch (e) {
      bg.out.abort()
      srv.log.warning(`Background saving error: ${(e as Error).message}`)
    }
  }
  st.lastBgsaveTimeSec = Math.round((Date.now() - bg.started) / 1000)
  st.lastCowSize = bg.snap.cowBytes
  if (ok) {
    srv.log.notice('Background saving terminated with success')
    srv.dirty = Math.max(0, srv.dirty - bg.dirtyBefore)
    st.lastSave = Math.floor(Date.now() / 1000)
    st.lastBgsaveStatus = 'ok'
  } else if (!bg.snap.cancelled) {
    st.lastBgsaveStatus = 'err'
  }
  if (st.bg === bg) st.bg = null
  return ok
}

/** killRDBChild: stops a running BGSAVE and removes its temp file (the status stays as it was). */
export function killBgsave(srv: Server): void {
  const bg = rdbState(srv).bg
  if (bg) bg.snap.cancel()
}

/** What FLUSHALL does to persistence: kill a running BGSAVE, then SAVE if save rules exist. */
export function flushAllPersistence(srv: Server): void {
  killBgsave(srv)
  if (srv.config.saveRules().length > 0) {
    try {
      saveSync(srv)
    } catch {
      // Logged by saveSync; FLUSHALL itself still succeeds, as in Redis.
    }
  }
}

/** serverCron's save points and scheduled BGSAVE. */
function cron(srv: Server): void {
  const st = rdbState(srv)
  if (st.bg || st.otherJob()) return
  const now = Math.floor(Date.now() / 1000)
  const retryOk = now - st.lastBgsaveTry > BGSAVE_RETRY_DELAY || st.lastBgsaveStatus === 'ok'
  if (st.scheduled && retryOk) {
    if (startBgsave(srv).ok) st.scheduled = false
    return
  }
  for (const rule of srv.config.saveRules()) {
    if (srv.dirty >= rule.changes && now - st.lastSave > rule.seconds && retryOk) {
      srv.log.notice(`${rule.changes} changes in ${rule.seconds} seconds. Saving...`)
      startBgsave(srv)
      break
    }
  }
}

/** writeCommandsDeniedByDiskError for RDB: write commands and PING get -MISCONF. */
function misconf(srv: Server, c: Client, cmd: Command): boolean {
  if (!cmd.isWrite && cmd.name !== 'ping') return false
  const st = rdbState(srv)
  if (st.lastBgsaveStatus !== 'err' || !srv.config.getBool('stop-writes-on-bgsave-error')) return false
  if (srv.config.saveRules().length === 0) return false
  srv.reject(c, cmd, MISCONF_ERROR)
  return true
}

/** SHUTDOWN: stop a BGSAVE, then save when asked to or when save rules exist (unless NOSAVE). */
function onShutdown(srv: Server, save: boolean | null): void {
  killBgsave(srv)
  const want = save === true || (save === null && srv.config.saveRules().length > 0)
  if (!want) return
  srv.log.notice('Saving the final RDB snapshot before exiting.')
  try {
    saveSync(srv)
  } catch (e) {
    srv.log.warning("Error trying to save the DB, can't exit.")
    throw e
  }
}

/** Wires the save rules, MISCONF guard, shutdown save and INFO persistence into a server. Idempotent. */
export function installRdbPersistence(srv: Server): void {
  if (installed.has(srv)) return
  installed.add(srv)
  srv.hooks.cron.push(() => cron(srv))
  srv.hooks.interceptors.push((c, cmd) => misconf(srv, c, cmd))
  srv.hooks.shutdown.push((save) => onShutdown(srv, save))
  srv.infoSections.set('persistence', (s) => persistenceInfo(s))
}

const installed = new WeakSet<Server>()

/** INFO "# Persistence" as Redis 7.0 orders it; AOF fields come from `aof` when an AOF module runs. */
export function persistenceInfo(
  srv: Server,
  aof: [string, string | number][] = defaultAofInfo(srv),
): [string, string | number][] {
  const st = rdbState(srv)
  const bg = st.bg
  const snap = bg?.snap ?? st.otherJob()
  const processed = snap ? snap.keysProcessed : 0
  const total = snap ? snap.keysTotal : 0
  return [
    ['loading', srv.loading ? 1 : 0],
    ['async_loading', 0],
    // The hook's copies only accumulate while a snapshot runs, so the peak is the current size.
    ['current_cow_peak', snap ? snap.cowBytes : 0],
    ['current_cow_size', snap ? snap.cowBytes : 0],
    ['current_cow_size_age', snap && snap.cowBytes > 0 ? Math.floor((Date.now() - snap.cowChangedAt) / 1000) : 0],
    ['current_fork_perc', total > 0 ? ((processed * 100) / total).toFixed(2) : '0.00'],
    ['current_save_keys_processed', processed],
    ['current_save_keys_total', total],
    ['rdb_changes_since_last_save', srv.dirty],
    ['rdb_bgsave_in_progress', bg ? 1 : 0],
    ['rdb_last_save_time', st.lastSave],
    ['rdb_last_bgsave_status', st.lastBgsaveStatus],
    ['rdb_last_bgsave_time_sec', st.lastBgsaveTimeSec],
    ['rdb_current_bgsave_time_sec', bg ? Math.round((Date.now() - bg.started) / 1000) : -1],
    ['rdb_saves', st.saves],
    ['rdb_last_cow_size', st.lastCowSize],
    ['rdb_last_load_keys_expired', st.lastLoadKeysExpired],
    ['rdb_last_load_keys_loaded', st.lastLoadKeysLoaded],
    ...aof,
  ]
}

function defaultAofInfo(srv: Server): [string, string | number][] {
  return [
    ['aof_enabled', srv.config.getBool('appendonly') ? 1 : 0],
    ['aof_rewrite_in_progress', 0],
    ['aof_rewrite_scheduled', 0],
    ['aof_last_rewrite_time_sec', -1],
    ['aof_current_rewrite_time_sec', -1],
    ['aof_last_bgrewrite_status', 'ok'],
    ['aof_rewrites', 0],
    ['aof_rewrites_consecutive_failures', 0],
    ['aof_last_write_status', 'ok'],
    ['aof_last_cow_size', 0],
    ['module_fork_in_progress', 0],
    ['module_fork_last_cow_size', 0],
  ]
}
