// Persistence commands (rdb.c's saveCommand/bgsaveCommand/lastsaveCommand, aof.c's
// bgrewriteaofCommand, debug.c's RELOAD and LOADAOF): synchronous SAVE, fork-less BGSAVE
// [SCHEDULE], LASTSAVE, BGREWRITEAOF, and DEBUG RELOAD / DEBUG LOADAOF for the DEBUG command.

import type { Client } from '../server/client.js'
import type { Server } from '../server/server.js'
import type { CommandDef } from './table.js'
import { debugExtensions } from './server.js'
import { rdbPath, rdbState, saveSync, startBgsave } from '../persistence/save.js'
import { loadRdbFile } from '../persistence/load.js'
import { installAof } from '../persistence/aof/index.js'
import { bgrewriteaof as startBgrewriteaof } from '../persistence/aof/rewrite.js'
import { debugLoadAof } from '../persistence/aof/load.js'

const G = 'server'

function save(c: Client, _argv: string[], srv: Server): void {
  if (rdbState(srv).bg) {
    c.error('ERR Background save already in progress')
    return
  }
  try {
    saveSync(srv)
  } catch {
    c.error('ERR')
    return
  }
  c.ok()
}

function bgsave(c: Client, argv: string[], srv: Server): void {
  let schedule = false
  if (argv.length > 1) {
    if (argv.length === 2 && argv[1].toLowerCase() === 'schedule') schedule = true
    else {
      c.error('ERR syntax error')
      return
    }
  }
  const st = rdbState(srv)
  if (st.bg) {
    c.error('ERR Background save already in progress')
    return
  }
  // Inside EXEC it is scheduled, as Redis does (server.in_exec): a snapshot started mid-transaction
  // would capture the transaction half applied.
  const inExec = c.ext.denyBlocking === true
  if (st.otherJob() || inExec) {
    if (schedule || inExec) {
      st.scheduled = true
      c.status('Background saving scheduled')
    } else {
      c.error(
        "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.",
      )
    }
    return
  }
  const r = startBgsave(srv)
  if (r.ok) c.status('Background saving started')
  else c.error('ERR ' + r.error)
}

function lastsave(c: Client, _argv: string[], srv: Server): void {
  c.int(rdbState(srv).lastSave)
}

/**
 * DEBUG RELOAD [NOSAVE]: saves the dataset (unless NOSAVE), then loads the file back in place of
 * the current data. A file that fails to load leaves the data as it was.
 */
export function debugReload(c: Client, argv: string[], srv: Server): void {
  let doSave = true
  for (const a of argv.slice(2)) {
    if (a.toLowerCase() === 'nosave') doSave = false
    else {
      c.error('ERR DEBUG RELOAD only supports the NOSAVE option.')
      return
    }
  }
  if (doSave) {
    try {
      saveSync(srv)
    } catch {
      c.error('ERR Error trying to save the RDB dump, check server logs.')
      return
    }
  }
  try {
    loadRdbFile(srv, rdbPath(srv))
  } catch (e) {
    srv.log.warning(`DEBUG RELOAD: ${(e as Error).message}`)
    c.error('ERR Error trying to load the RDB dump, check server logs.')
    return
  }
  srv.log.notice('DB reloaded by DEBUG RELOAD')
  c.ok()
}

function bgrewriteaof(c: Client, _argv: string[], srv: Server): void {
  // A rewrite asked for inside EXEC is scheduled, as Redis does (server.in_exec).
  const r = startBgrewriteaof(installAof(srv), c.ext.denyBlocking === true)
  if (r.ok) c.status(r.text)
  else c.error(r.text)
}

/** DEBUG LOADAOF: writes the AOF buffer, empties the dataset and loads it back from the AOF. */
function debugLoadaof(c: Client, _argv: string[], srv: Server): void {
  try {
    debugLoadAof(installAof(srv))
  } catch (e) {
    srv.log.warning(`DEBUG LOADAOF: ${(e as Error).message}`)
    c.error('ERR Error loading the AOF, check server logs.')
    return
  }
  srv.log.warning('Append Only File loaded by DEBUG LOADAOF')
  c.ok()
}

debugExtensions.set('reload', debugReload)
debugExtensions.set('loadaof', debugLoadaof)

export const persistenceCommands: CommandDef[] = [
  {
    name: 'save',
    arity: 1,
    flags: ['admin', 'noscript', 'no_multi'],
    group: G,
    handler: save,
    summary: 'Synchronously save the dataset to disk',
  },
  {
    name: 'bgsave',
    arity: -1,
    flags: ['admin', 'noscript'],
    group: G,
    handler: bgsave,
    summary: 'Asynchronously save the dataset to disk',
  },
  {
    name: 'bgrewriteaof',
    arity: 1,
    flags: ['admin', 'noscript'],
    group: G,
    handler: bgrewriteaof,
    summary: 'Asynchronously rewrite the append-only file',
  },
  {
    name: 'lastsave',
    arity: 1,
    flags: ['loading', 'stale', 'fast'],
    categories: ['admin', 'fast', 'dangerous'],
    group: G,
    handler: lastsave,
    summary: 'Get the UNIX time stamp of the last successful save to disk',
  },
]
