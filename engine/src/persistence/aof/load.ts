// Loading the AOF at start (aof.c's loadAppendOnlyFiles/loadSingleAppendOnlyFile, Redis 7.0): the
// manifest, the upgrade of an old single appendonly.aof into the folder, then the base (an RDB
// preamble, loaded by the RDB loader, followed by RESP, or RESP only) and the incr files in order,
// each command run by a fake client (MULTI blocks only when their EXEC is there).
// A torn tail of the last file (it ends inside a command or an open MULTI) is cut back to the last
// complete command with aof-load-truncated yes, and what was cut is logged. Anything else wrong —
// bad bytes, an unknown command, a truncated file that is not the last, a listed file missing —
// stops the start with the file name and offset, and leaves every file exactly as it was.

import { existsSync, openSync, closeSync, readFileSync, readSync, renameSync, statSync, truncateSync } from 'node:fs'
import { join } from 'node:path'
import type { Socket } from 'node:net'
import type { Server } from '../../server/server.js'
import { Client } from '../../server/client.js'
import type { Command } from '../../commands/table.js'
import { FileSource } from '../rdb/reader.js'
import { loadRdb, RdbLoadError } from '../load.js'
import { rdbState } from '../save.js'
import { Manifest, ManifestError, manifestFileName, parseManifest } from './manifest.js'
import { AofFormatError, AofReader, AofTruncated } from './reader.js'
import type { AofState } from './state.js'
import { flushAof } from './fsync.js'
import { Dict } from '../../keyspace/dict.js'

/** A reason the AOF cannot be loaded: the server must not start. */
export class AofLoadError extends Error {}

/** aofLoadManifestFromDisk: the manifest in the AOF folder, or an empty one when there is none. */
export function loadManifest(st: AofState): Manifest {
  const path = st.path(manifestFileName(st.prefix))
  if (!existsSync(st.dirPath) || !existsSync(path)) return new Manifest()
  try {
    return parseManifest(readFileSync(path, 'latin1'))
  } catch (e) {
    if (e instanceof ManifestError) throw new AofLoadError(`${e.message} (${path})`)
    throw e
  }
}

/**
 * aofUpgradePrepare: an appendonly.aof in `dir` from Redis < 7 (no folder, or a folder without a
 * manifest, or an interrupted earlier upgrade) becomes base seq 1 of the folder, under its own name.
 */
function upgradeIfNeeded(st: AofState): void {
  const old = join(st.srv.config.get('dir'), st.prefix)
  if (!existsSync(old)) return
  const m = st.manifest
  const resumed = m.base?.name === st.prefix && m.incrs.length === 0 && !existsSync(st.path(st.prefix))
  if (existsSync(st.dirPath) && !(m.base === null && m.incrs.length === 0) && !resumed) return
  st.ensureDir()
  const up = new Manifest()
  up.base = { name: st.prefix, seq: 1, type: 'b' }
  up.currBaseSeq = 1
  st.persistManifest(up)
  renameSync(old, st.path(st.prefix))
  st.manifest = up
  st.srv.log.notice(
    `Successfully migrated an old-style AOF file (${st.prefix}) into the AOF directory (${st.srv.config.get('appenddirname')}).`,
  )
}

/** A client without a socket that runs the AOF's commands (createAOFClient). */
function fakeClient(srv: Server): Client {
  const socket = { remoteAddress: 'aof', remotePort: 0, localAddress: 'aof', localPort: 0 } as unknown as Socket
  return new Client(0, socket, srv.keyspace.dbs[0], { maxBulkLen: Infinity, maxQueryBuffer: Infinity }, false)
}

export type LoadOutcome = 'not-exist' | 'empty' | 'ok'

/**
 * loadAppendOnlyFiles: loads base + incrs into the (empty) keyspace. Sets the sizes INFO shows.
 * Throws AofLoadError when the server must not start.
 */
export function loadAof(st: AofState): LoadOutcome {
  const srv = st.srv
  upgradeIfNeeded(st)
  const files = st.manifest.loadOrder()
  if (files.length === 0) return 'not-exist'
  let total = 0
  const sizes: number[] = []
  for (const f of files) {
    const p = st.path(f.name)
    if (!existsSync(p)) {
      throw new AofLoadError(`The AOF file ${f.name} doesn't exist (listed in ${manifestFileName(st.prefix)})`)
    }
    const n = statSync(p).size
    sizes.push(n)
    total += n
  }
  if (total === 0) return 'empty'
  const wasLoading = srv.loading
  srv.loading = true
  st.loading = { start: Date.now(), totalBytes: total, loadedBytes: 0 }
  const c = fakeClient(srv)
  try {
    files.forEach((f, i) => {
      const t0 = Date.now()
      const last = i === files.length - 1
      const kind = f.type === 'b' ? 'base' : 'incr'
      loadFile(st, c, f.name, i === 0 && f.type === 'b', last)
      srv.log.notice(`DB loaded from ${kind} file ${f.name}: ${((Date.now() - t0) / 1000).toFixed(3)} seconds`)
      if (st.loading) st.loading.loadedBytes += sizes[i]
    })
  } finally {
    srv.loading = wasLoading
    st.loading = null
  }
  // Sizes after a possible repair of the last file.
  st.currentSize = files.reduce((n, f) => n + statSync(st.path(f.name)).size, 0)
  st.rewriteBaseSize = st.manifest.base ? statSync(st.path(st.manifest.base.name)).size : 0
  return 'ok'
}

/** True when a file starts with an RDB header ("REDIS" and at least 8 bytes), as Redis tests it. */
function hasRdbPreamble(path: string): boolean {
  const fd = openSync(path, 'r')
  try {
    const b = Buffer.alloc(5)
    return statSync(path).size >= 8 && readSync(fd, b, 0, 5, 0) === 5 && b.toString('latin1') === 'REDIS'
  } finally {
    closeSync(fd)
  }
}

/** loadSingleAppendOnlyFile. */
function loadFile(st: AofState, c: Client, name: string, first: boolean, last: boolean): void {
  const srv = st.srv
  const path = st.path(name)
  let start = 0
  if (hasRdbPreamble(path)) {
    if (!first)
      throw new AofLoadError(`Bad file format reading the append only file ${name}: an RDB inside an incr file`)
    srv.log.notice('Reading RDB base file on AOF loading...')
    const src = new FileSource(path)
    try {
      const res = loadRdb(srv, src, { aofPreamble: true, name })
      start = res.bytes
      const rs = rdbState(srv)
      rs.lastLoadKeysLoaded = res.keysLoaded
      rs.lastLoadKeysExpired = res.keysExpired
    } catch (e) {
      if (e instanceof RdbLoadError) {
        throw new AofLoadError(
          `Bad file format reading the append only file ${name} at offset ${e.offset}: ${e.message}`,
        )
      }
      throw e
    } finally {
      src.close()
    }
    srv.log.notice('Reading the remaining AOF tail...')
  }
  srv.updateTime()
  c.db = srv.keyspace.dbs[0]
  AofReader.with(path, start, (r) => {
    let queue: [Command, string[]][] | null = null
    let beforeMulti = 0
    try {
      for (;;) {
        const at = r.offset
        const argv = r.next()
        if (argv === null) break
        const cmd = lookup(srv, argv)
        if (cmd === null) {
          throw new AofLoadError(`Unknown command '${argv[0]}' reading the append only file ${name} at offset ${at}`)
        }
        if (!cmd.arityOk(argv.length)) {
          throw new AofLoadError(
            `Wrong number of arguments for '${cmd.name}' reading the append only file ${name} at offset ${at}`,
          )
        }
        if (cmd.name === 'multi') {
          queue = []
          beforeMulti = at
        } else if (cmd.name === 'exec') {
          for (const [qc, qa] of queue ?? []) run(srv, c, qc, qa)
          queue = null
        } else if (queue !== null) {
          queue.push([cmd, argv])
        } else {
          run(srv, c, cmd, argv)
        }
      }
      if (queue !== null) throw new AofTruncated(r.offset, 0)
    } catch (e) {
      if (e instanceof AofFormatError) {
        throw new AofLoadError(
          `Bad file format reading the append only file ${name} at offset ${e.offset}: ${e.message}. ` +
            `Make a backup of your AOF file, then use strata-check-aof --fix <filename.manifest>`,
        )
      }
      if (!(e instanceof AofTruncated)) throw e
      // Inside an open MULTI the valid part ends before the MULTI.
      let valid = e.offset
      if (queue !== null) {
        srv.log.warning(`Revert incomplete MULTI/EXEC transaction in AOF file ${name}`)
        valid = beforeMulti
      }
      repairTail(st, name, path, valid, r.size, last)
    }
  })
}

/** The torn tail of the last file is cut off (aof-load-truncated yes); anywhere else it is fatal. */
function repairTail(st: AofState, name: string, path: string, offset: number, size: number, last: boolean): void {
  const log = st.srv.log
  if (!last) {
    throw new AofLoadError(
      `Unexpected end of file reading the append only file ${name} at offset ${offset}: the truncated file is not the last file`,
    )
  }
  if (!st.srv.config.getBool('aof-load-truncated')) {
    throw new AofLoadError(
      `Unexpected end of file reading the append only file ${name} at offset ${offset}. You can: 1) Make a backup of your AOF file, then use strata-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.`,
    )
  }
  log.warning(`!!! Warning: short read while loading the AOF file ${name}!!!`)
  log.warning(
    `!!! Truncating the AOF ${name} at offset ${offset} (${size - offset} bytes of an incomplete command cut) !!!`,
  )
  truncateSync(path, offset)
  log.warning(`AOF ${name} loaded anyway because aof-load-truncated is enabled`)
}

function lookup(srv: Server, argv: string[]): Command | null {
  let cmd = srv.commands.lookup(argv[0])
  if (cmd === undefined) return null
  if (cmd.spec.subcommands && argv.length >= 2) {
    const sub = cmd.spec.subcommands.get(argv[1].toLowerCase())
    if (sub === undefined) return null
    cmd = sub
  }
  return cmd
}

/** Runs one command for the fake client; its reply is dropped. */
function run(srv: Server, c: Client, cmd: Command, argv: string[]): void {
  c.cmd = cmd
  c.propagateArgv = null
  ;(cmd.spec.handler as NonNullable<typeof cmd.spec.handler>)(c, argv, srv)
  c.cmd = null
  c.out = ''
}

/** DEBUG LOADAOF: the buffer is written, the dataset emptied and loaded back from the AOF files. */
export function debugLoadAof(st: AofState): void {
  const srv = st.srv
  if (st.status === 'on') flushAof(st, true)
  for (const db of srv.keyspace.dbs) {
    const old = db.replaceDict(new Dict())
    for (const h of srv.hooks.dbReplaced) h(db, old)
  }
  st.manifest = loadManifest(st)
  loadAof(st)
  srv.dirty = 0
}
