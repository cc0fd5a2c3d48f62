// Wiring of the AOF into a server (the AOF parts of server.c: initServer, loadDataFromDisk,
// aofOpenIfNeededOnServerStart, serverCron, beforeSleep, prepareForShutdown) and the start-up
// order of persistence: with `appendonly yes` the AOF is the only source (dump.rdb is ignored and
// an empty base is created on a fresh start), otherwise dump.rdb is loaded.

import { fstatSync } from 'node:fs'
import type { Server } from '../../server/server.js'
import { installRdbPersistence, persistenceInfo, rdbState } from '../save.js'
import { loadAtStart } from '../load.js'
import { aofInfo, aofState, type AofState } from './state.js'
import { feedAof } from './feed.js'
import { aofCron, aofMisconf, flushAof } from './fsync.js'
import { deleteHistory, killRewrite, rewriteCron, startAppendOnly, stopAppendOnly, writeBaseSync } from './rewrite.js'
import { AofLoadError, loadAof, loadManifest } from './load.js'

export { AofLoadError }

const installed = new WeakSet<Server>()

/** Hooks the AOF into a server (idempotent); the AOF stays off until loadDataFromDisk or CONFIG SET. */
export function installAof(srv: Server): AofState {
  const st = aofState(srv)
  if (installed.has(srv)) return st
  installed.add(srv)
  srv.hooks.propagate.push((dbId, argv, c) => feedAof(st, dbId, argv, c))
  srv.hooks.flushAppendOnly = () => flushAof(st, false)
  srv.hooks.cron.push(() => {
    aofCron(st)
    rewriteCron(st)
  })
  srv.hooks.interceptors.push((c, cmd) => aofMisconf(srv, c, cmd))
  srv.hooks.shutdown.push(() => {
    killRewrite(st)
    if (st.status !== 'off') {
      flushAof(st, true)
      st.closeNow()
    }
  })
  srv.config.onChange((name, v) => {
    if (name !== 'appendonly') return
    if (v === 'yes' && st.status === 'off') {
      if (!startAppendOnly(st)) srv.config.setMany([['appendonly', 'no']])
    } else if (v === 'no' && st.status !== 'off') {
      stopAppendOnly(st)
    }
  })
  rdbState(srv).otherJob = () => st.rewrite?.snap ?? null
  srv.infoSections.set('persistence', (s) => persistenceInfo(s, aofInfo(s)))
  return st
}

/**
 * Installs RDB and AOF persistence and loads the data (loadDataFromDisk), then opens the AOF when
 * it is on. Throws (AofLoadError, RdbLoadError) when the files must stop the start.
 */
export function initPersistence(srv: Server): void {
  installRdbPersistence(srv)
  const st = installAof(srv)
  st.manifest = loadManifest(st)
  if (!srv.config.getBool('appendonly')) {
    loadAtStart(srv)
    return
  }
  const t0 = Date.now()
  const outcome = loadAof(st)
  if (outcome === 'ok') {
    srv.log.notice(`DB loaded from append only file: ${((Date.now() - t0) / 1000).toFixed(3)} seconds`)
  }
  openAtStart(st)
}

/** aofOpenIfNeededOnServerStart: a base for a fresh start, the incr to append to, the manifest. */
function openAtStart(st: AofState): void {
  if (!st.manifest.base && st.manifest.incrs.length === 0) {
    st.ensureDir()
    const name = writeBaseSync(st)
    st.srv.log.notice(`Creating AOF base file ${name} on server start`)
  }
  st.openIncrAtStart()
  st.status = 'on'
  st.lastIncrSize = fstatSync(st.fd).size
  deleteHistory(st)
}
