// Loading an RDB into the keyspace (rdbLoad + loadDataFromDisk): streams the file through the
// parser, builds values with our own encoding thresholds, drops keys already expired (except for
// an AOF base/preamble), and installs the new dbs only when the whole file parsed and its
// checksum matched — a corrupt file leaves the server's data (and the file) untouched. Large files
// load on two cores: listpacks and the CRC go to a worker (rdb/blob-offload.ts).

import { existsSync } from 'node:fs'
import type { Server } from '../server/server.js'
import { Dict } from '../keyspace/dict.js'
import { FileSource, RdbError, RdbParser, type ByteSource, type RdbEvent } from './rdb/reader.js'
import { BlobOffload, OffloadUnavailable, blobWorkerScript } from './rdb/blob-offload.js'
import { buildValue } from './rdb/objects.js'
import { rdbPath, rdbState } from './save.js'
import { withHeapGrowth } from '../util/heap.js'

export interface LoadOptions {
  /** An AOF base or preamble: keys with a past TTL are kept (the AOF will delete them). */
  aofPreamble?: boolean
  /** Name used in messages (the file path). */
  name?: string
}

/**
 * Files from minBytes on load on two threads, listpacks and the CRC in a worker (BlobOffload) run
 * from `script`; smaller ones are done before a worker would have started. Tests change both.
 */
export const twoThreadLoad = { minBytes: 8 << 20, script: blobWorkerScript() }

type KeyEvent = Extract<RdbEvent, { kind: 'key' }>

export interface LoadResult {
  keysLoaded: number
  keysExpired: number
  emptySkipped: number
  /** Bytes the RDB occupied (an AOF preamble's RESP part starts here). */
  bytes: number
  /** 2 when a worker thread decoded the listpacks and kept the CRC. */
  threads: 1 | 2
  aux: Map<string, string>
}

/** A load failure: the message names the file, the reason and the byte offset. */
export class RdbLoadError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message)
  }
}

/**
 * RESIZEDB is only a hint from the file: presize for at most this many keys per db, so a corrupt
 * count cannot make the loader allocate gigabytes before the file proves it holds the keys.
 */
const MAX_RESERVE = 1 << 24

/** How parseInto loads: see loadRdb. */
interface LoadMode {
  /** Listpacks and the CRC on a worker thread (BlobOffload). */
  twoThreads: boolean
  /** Keys go into their tables unindexed (Dict.append), which are indexed once the file is read. */
  deferIndex: boolean
}

/**
 * The file holds a key twice. A load with deferred indexing finds that only at the end, so it
 * reads the file once more probing key by key, to refuse it at the offset of its first fault.
 */
class DuplicateKey extends Error {}

/** Parses src completely into new dicts, then swaps them into the server's dbs. */
export function loadRdb(srv: Server, src: ByteSource, opts: LoadOptions = {}): LoadResult {
  return withHeapGrowth(() => {
    // Only a file can be read twice, as a duplicate key or a worker that did not start needs.
    const file = src instanceof FileSource
    let mode: LoadMode = { twoThreads: file && src.size >= twoThreadLoad.minBytes, deferIndex: file }
    for (;;) {
      try {
        return parseInto(srv, src, opts, mode)
      } catch (e) {
        if (!file) throw e
        if (e instanceof OffloadUnavailable) {
          srv.log.warning(`${opts.name ?? 'RDB'}: ${e.message}, loading again in one thread`)
          mode = { ...mode, twoThreads: false }
        } else if (e instanceof DuplicateKey) mode = { ...mode, deferIndex: false }
        else throw e
        src.rewind()
      }
    }
  })
}

function parseInto(srv: Server, src: ByteSource, opts: LoadOptions, mode: LoadMode): LoadResult {
  const name = opts.name ?? 'RDB'
  const dbs = srv.keyspace.dbs
  const dicts = dbs.map(() => new Dict())
  const now = Date.now()
  const lfu = srv.policy.endsWith('-lfu')
  const offload = mode.twoThreads ? BlobOffload.start(twoThreadLoad.script) : null
  // Listpacks stay blobs until first used, as Redis keeps them: a load builds no entry strings,
  // and nothing is allocated per key but the key and its value.
  const parser = new RdbParser(src, {
    checksum: srv.config.getBool('rdbchecksum'),
    blobs: true,
    reuseEvents: true,
    adopter: offload ?? undefined,
    crc: offload ?? undefined,
  })
  const res: LoadResult = {
    keysLoaded: 0,
    keysExpired: 0,
    emptySkipped: 0,
    bytes: 0,
    threads: offload === null ? 1 : 2,
    aux: new Map(),
  }
  /** Keys whose blobs are still at the worker, in file order, with the blob count that completes each. */
  const waiting: (KeyEvent & { ready: number })[] = []
  let nextWaiting = 0

  const install = (ev: KeyEvent): void => {
    const val = buildValue(ev.value, srv.config, ev.rdbType)
    if (val === null) {
      res.emptySkipped++
      return
    }
    if (ev.expireAt !== 0 && ev.expireAt < now && !opts.aofPreamble) {
      res.keysExpired++
      return
    }
    const d = dicts[ev.db]
    let stamp = srv.lruClock
    if (lfu && ev.freq >= 0) stamp = (((Math.floor(now / 60000) & 0xffff) << 8) | ev.freq) >>> 0
    else if (!lfu && ev.idle >= 0) stamp = (srv.lruClock - ev.idle) & 0xffffff
    const slot = mode.deferIndex ? d.append(ev.key, val, stamp) : d.insertIfAbsent(ev.key, val, stamp)
    if (slot < 0) throw new RdbError(`duplicated key '${ev.key}' in db ${ev.db}`, ev.offset)
    if (ev.expireAt !== 0) d.setExpire(slot, ev.expireAt)
    res.keysLoaded++
  }
  const installReady = (resolved: number): void => {
    while (nextWaiting < waiting.length && waiting[nextWaiting].ready <= resolved) install(waiting[nextWaiting++])
  }

  const wasLoading = srv.loading
  srv.loading = true
  try {
    parser.header()
    for (;;) {
      const submitted = offload?.submitted ?? 0
      const ev = parser.next()
      if (ev.kind === 'eof') break
      if (ev.kind === 'aux') {
        res.aux.set(ev.key, ev.value)
        continue
      }
      if (ev.kind === 'selectdb') {
        if (ev.db >= dbs.length) {
          throw new RdbError(
            `the file uses db ${ev.db} but this server has only ${dbs.length} databases (the 'databases' setting)`,
            parser.offset,
          )
        }
        continue
      }
      if (ev.kind === 'resizedb') {
        dicts[ev.db].reserve(Math.min(ev.size, MAX_RESERVE))
        continue
      }
      if (ev.kind === 'function') {
        srv.log.warning(`${name}: skipping a Redis function library (functions are not supported)`)
        continue
      }
      if (ev.kind === 'module-aux') {
        throw new RdbError(`module data of '${ev.moduleId}' cannot be loaded: modules are not supported`, parser.offset)
      }
      if (offload !== null && offload.submitted > submitted) {
        waiting.push({ ...ev, ready: offload.submitted })
        offload.poll()
        installReady(offload.resolved)
      } else install(ev)
    }
    if (offload !== null) {
      offload.settle()
      installReady(offload.resolved)
    }
    if (mode.deferIndex && !indexAll(dicts)) throw new DuplicateKey()
    res.bytes = parser.offset
  } catch (e) {
    // A fault further on must not hide a duplicate key before it.
    if (e instanceof RdbError && mode.deferIndex && !indexAll(dicts)) throw new DuplicateKey()
    const err = offload !== null && e instanceof RdbError ? earliest(e, offload) : e
    if (err instanceof RdbError) throw new RdbLoadError(`${name}: ${err.message}`, err.offset)
    throw err
  } finally {
    srv.loading = wasLoading
    offload?.close()
  }
  dbs.forEach((db, i) => db.replaceDict(dicts[i]))
  if (res.emptySkipped > 0) srv.log.warning(`${name}: skipped ${res.emptySkipped} empty keys`)
  return res
}

/** Indexes tables filled by Dict.append; false when one of them holds a key twice. */
function indexAll(dicts: Dict[]): boolean {
  return dicts.every((d) => d.indexAppended() < 0)
}

/**
 * The first error in the file: the parse may have failed past a blob the worker has yet to
 * refuse, and a file is reported at its first fault, as a one-thread load would.
 */
function earliest(e: RdbError, offload: BlobOffload): RdbError {
  try {
    offload.settle()
  } catch (blobError) {
    if (blobError instanceof RdbError && blobError.offset < e.offset) return blobError
  }
  return e
}

/** Loads a file, recording the counts INFO shows. */
export function loadRdbFile(srv: Server, path: string, opts: LoadOptions = {}): LoadResult {
  const src = new FileSource(path)
  try {
    const res = loadRdb(srv, src, { name: path, ...opts })
    const st = rdbState(srv)
    st.lastLoadKeysLoaded = res.keysLoaded
    st.lastLoadKeysExpired = res.keysExpired
    return res
  } finally {
    src.close()
  }
}

/**
 * loadDataFromDisk for the RDB case: loads dir/dbfilename if it exists and AOF is off. Throws RdbLoadError for a
 * corrupt file, which must stop the start (the file is left as it is).
 */
export function loadAtStart(srv: Server): LoadResult | null {
  // With appendonly yes the AOF is the source of truth, even when no AOF exists yet (§4.4).
  if (srv.config.getBool('appendonly')) return null
  const path = rdbPath(srv)
  if (!existsSync(path)) return null
  const t0 = Date.now()
  const res = loadRdbFile(srv, path)
  const ver = res.aux.get('redis-ver')
  if (ver) srv.log.notice(`Loading RDB produced by version ${ver}`)
  const ctime = Number(res.aux.get('ctime'))
  if (ctime > 0) srv.log.notice(`RDB age ${Math.max(0, Math.floor(Date.now() / 1000) - ctime)} seconds`)
  srv.log.notice(`Done loading RDB, keys loaded: ${res.keysLoaded}, keys expired: ${res.keysExpired}.`)
  srv.log.notice(`DB loaded from disk: ${((Date.now() - t0) / 1000).toFixed(3)} seconds`)
  return res
}
