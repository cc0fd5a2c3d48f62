// Generic keyspace commands (db.c): DEL, UNLINK, EXISTS, TYPE, TOUCH, RENAME, RENAMENX, MOVE, COPY,
// SWAPDB, FLUSHDB, FLUSHALL, DBSIZE, KEYS, SCAN and RANDOMKEY over the slot-based Dict.

import type { Client } from '../server/client.js'
import type { Server } from '../server/server.js'
import type { Db } from '../keyspace/db.js'
import { FLAG_UNSHARED } from '../keyspace/dict.js'
import type { CommandDef } from './table.js'
import { parseScanCursor, parseScanOptions } from './scanargs.js'
import { flushAllPersistence } from '../persistence/save.js'
import { typeOf, type Value } from '../types/value.js'
import { globMatch } from '../util/glob.js'
import { parseInt64 } from '../util/numbers.js'

const G = 'generic'
const SAME_OBJECT = 'ERR source and destination objects are the same'
const OUT_OF_RANGE = 'ERR DB index is out of range'
const INT_MIN = -2147483648
const INT_MAX = 2147483647

/**
 * getIntFromObjectOrReply: a strict integer in C int range. With `msg` every failure replies
 * "ERR <msg>", as SWAPDB's "invalid first DB index".
 */
function intArg(c: Client, s: string, msg?: string): number | null {
  const v = parseInt64(s)
  if (v === null) {
    c.error(msg ? 'ERR ' + msg : 'ERR value is not an integer or out of range')
    return null
  }
  if (v < INT_MIN || v > INT_MAX) {
    c.error(msg ? 'ERR ' + msg : `ERR value is out of range, value must between ${INT_MIN} and ${INT_MAX}`)
    return null
  }
  return Number(v)
}

/** selectDb's check: the db with that index, or an 'out of range' reply. */
function dbArg(c: Client, srv: Server, id: number): Db | null {
  if (id < 0 || id >= srv.keyspace.dbs.length) {
    c.error(OUT_OF_RANGE)
    return null
  }
  return srv.keyspace.dbs[id]
}

function del(c: Client, argv: string[], srv: Server): void {
  const db = c.db
  let n = 0
  for (let i = 1; i < argv.length; i++) {
    if (db.delete(argv[i])) {
      n++
      srv.dirty++
      srv.notify('g', 'del', argv[i], db.id)
    }
  }
  c.int(n)
}

function exists(c: Client, argv: string[]): void {
  let n = 0
  for (let i = 1; i < argv.length; i++) if (c.db.findCounted(argv[i]) >= 0) n++
  c.int(n)
}

function type(c: Client, argv: string[]): void {
  const slot = c.db.findCounted(argv[1])
  c.status(slot < 0 ? 'none' : typeOf(c.db.dict.vals[slot] as Value))
}

function touch(c: Client, argv: string[]): void {
  let n = 0
  for (let i = 1; i < argv.length; i++) if (c.db.lookupRead(argv[i]) !== undefined) n++
  c.int(n)
}

/**
 * Re-creates the entry in `slot` of src as dstKey in dst — the same value object with its LRU/LFU
 * stamp, encoding flags and TTL, as Redis re-links the robj — then deletes the source key.
 */
function transferEntry(src: Db, slot: number, srcKey: string, dst: Db, dstKey: string): void {
  const d = src.dict
  const val = d.vals[slot] as Value
  const lru = d.lru[slot]
  const flags = d.flags[slot]
  const when = d.expires[slot]
  const ns = dst.add(dstKey, val)
  dst.dict.lru[ns] = lru
  dst.dict.flags[ns] = flags
  if (when !== 0) dst.setExpire(ns, when)
  src.delete(srcKey)
}

function renameGeneric(c: Client, argv: string[], srv: Server, nx: boolean): void {
  const [, from, to] = argv
  const db = c.db
  const slot = db.findForWrite(from)
  if (slot < 0) {
    c.error('ERR no such key')
    return
  }
  if (from === to) {
    if (nx) c.int(0)
    else c.ok()
    return
  }
  if (db.findForWrite(to) >= 0) {
    if (nx) {
      c.int(0)
      return
    }
    db.delete(to)
  }
  transferEntry(db, slot, from, db, to)
  srv.notify('g', 'rename_from', from, db.id)
  srv.notify('g', 'rename_to', to, db.id)
  srv.dirty++
  if (nx) c.int(1)
  else c.ok()
}

function move(c: Client, argv: string[], srv: Server): void {
  const key = argv[1]
  const id = intArg(c, argv[2])
  if (id === null) return
  const dst = dbArg(c, srv, id)
  if (dst === null) return
  const src = c.db
  if (dst === src) {
    c.error(SAME_OBJECT)
    return
  }
  const slot = src.findForWrite(key)
  if (slot < 0 || dst.findForWrite(key) >= 0) {
    c.int(0)
    return
  }
  transferEntry(src, slot, key, dst, key)
  srv.notify('g', 'move_from', key, src.id)
  srv.notify('g', 'move_to', key, dst.id)
  srv.dirty++
  c.int(1)
}

function copy(c: Client, argv: string[], srv: Server): void {
  const [, key, newKey] = argv
  const src = c.db
  let dst = src
  let replace = false
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j].toLowerCase()
    if (opt === 'replace') {
      replace = true
    } else if (opt === 'db' && j + 1 < argv.length) {
      const id = intArg(c, argv[++j])
      if (id === null) return
      const d = dbArg(c, srv, id)
      if (d === null) return
      dst = d
    } else {
      c.error('ERR syntax error')
      return
    }
  }
  if (src === dst && key === newKey) {
    c.error(SAME_OBJECT)
    return
  }
  const val = src.lookupRead(key)
  if (val === undefined) {
    c.int(0)
    return
  }
  const slot = src.dict.slotOf(key)
  const when = src.dict.expires[slot]
  const flags = src.dict.flags[slot]
  if (dst.findForWrite(newKey) >= 0) {
    if (!replace) {
      c.int(0)
      return
    }
    dst.delete(newKey)
  }
  // Strings are immutable JS values and can be shared; collections are duplicated. dupStringObject
  // keeps a raw string raw and makes a private copy of a shared integer.
  const ns = dst.add(newKey, typeof val === 'object' ? val.clone() : val)
  dst.dict.flags[ns] = typeof val === 'object' ? 0 : flags | FLAG_UNSHARED
  if (when !== 0) dst.setExpire(ns, when)
  srv.notify('g', 'copy_to', newKey, dst.id)
  srv.dirty++
  c.int(1)
}

function swapdb(c: Client, argv: string[], srv: Server): void {
  const a = intArg(c, argv[1], 'invalid first DB index')
  if (a === null) return
  const b = intArg(c, argv[2], 'invalid second DB index')
  if (b === null) return
  const dbs = srv.keyspace.dbs
  if (a < 0 || a >= dbs.length || b < 0 || b >= dbs.length) {
    c.error(OUT_OF_RANGE)
    return
  }
  if (a !== b) {
    const oldA = dbs[a].dict
    const oldB = dbs[b].dict
    srv.keyspace.swap(a, b)
    for (const h of srv.hooks.dbReplaced) {
      h(dbs[a], oldA)
      h(dbs[b], oldB)
    }
  }
  srv.dirty++
  c.ok()
}

/** getFlushCommandFlags: nothing, SYNC or ASYNC. Both free in O(1) here (the old table is dropped). */
function flushArgsOk(c: Client, argv: string[]): boolean {
  if (argv.length === 1) return true
  const opt = argv[1].toLowerCase()
  if (argv.length === 2 && (opt === 'sync' || opt === 'async')) return true
  c.error('ERR syntax error')
  return false
}

function flushDb(srv: Server, db: Db): number {
  const old = db.dict
  const n = srv.keyspace.flushDb(db)
  for (const h of srv.hooks.dbReplaced) h(db, old)
  return n
}

function flushdb(c: Client, argv: string[], srv: Server): void {
  if (!flushArgsOk(c, argv)) return
  const n = flushDb(srv, c.db)
  srv.dirty += n
  // Redis forces propagation even when the db was already empty.
  if (n === 0) srv.propagate(c.db.id, argv)
  c.ok()
}

/** flushAllDataAndResetRDB: empty every db, kill a running BGSAVE, SAVE when save rules exist. */
function flushall(c: Client, argv: string[], srv: Server): void {
  if (!flushArgsOk(c, argv)) return
  const dirtyBefore = srv.dirty
  let n = 0
  for (const db of srv.keyspace.dbs) n += flushDb(srv, db)
  srv.dirty += n
  flushAllPersistence(srv)
  srv.dirty++
  // The SAVE may have reset dirty; FLUSHALL is propagated in any case, as Redis forces it.
  if (srv.dirty === dirtyBefore) srv.propagate(c.db.id, argv)
  c.ok()
}

function keys(c: Client, argv: string[]): void {
  const pattern = argv[1]
  const all = pattern === '*'
  const db = c.db
  const d = db.dict
  const saved = c.beginDeferred()
  let n = 0
  for (let s = 0; s < d.slotEnd; s++) {
    const k = d.keys[s]
    if (k === undefined || !(all || globMatch(pattern, k)) || db.isExpired(s)) continue
    c.bulk(k)
    n++
  }
  c.endDeferred(saved, 'array', n)
}

/**
 * SCAN's cursor is the next Dict slot to visit. A key keeps its slot for its whole life and the
 * table only grows at the end, so every key present for a whole iteration is returned at least
 * once whatever is added or deleted meanwhile. Slots play the part of Redis's buckets: visit until
 * COUNT keys were gathered or 10×COUNT slots were looked at, then filter.
 */
function scan(c: Client, argv: string[]): void {
  const cursor = parseScanCursor(c, argv[1])
  if (cursor === null) return
  // TYPE only exists for the keyspace SCAN; every option takes one argument, so lifting the TYPE
  // pairs out keeps the rest in the positions the shared parser expects.
  let typeName: string | null = null
  const rest: string[] = []
  for (let i = 2; i < argv.length; i += 2) {
    if (argv[i].toLowerCase() === 'type' && i + 1 < argv.length) typeName = argv[i + 1].toLowerCase()
    else rest.push(...argv.slice(i, i + 2))
  }
  const opts = parseScanOptions(c, rest, 0)
  if (opts === null) return
  const db = c.db
  const d = db.dict
  const found: string[] = []
  let slot = cursor
  if (slot < d.slotEnd) {
    let budget = opts.count * 10
    do {
      const k = d.keys[slot]
      if (k !== undefined) found.push(k)
      slot++
    } while (slot < d.slotEnd && budget-- > 0 && found.length < opts.count)
  }
  const next = slot >= d.slotEnd ? 0 : slot
  // Filtered in place: a SCAN's garbage is what the other clients' latency pays for in GC.
  let kept = 0
  for (const k of found) {
    if (opts.pattern !== null && !globMatch(opts.pattern, k)) continue
    // An expired key is deleted on the way, as expireIfNeeded does; the type check is a counted lookup.
    const s = typeName === null ? db.find(k) : db.findCounted(k)
    if (s < 0) continue
    if (typeName !== null && typeOf(d.vals[s] as Value) !== typeName) continue
    found[kept++] = k
  }
  found.length = kept
  c.arrayLen(2)
  c.bulk(String(next))
  c.bulks(found)
}

function randomkey(c: Client, _argv: string[], srv: Server): void {
  const db = c.db
  // While expiry is paused an expired key cannot be deleted; give up looking after as many tries
  // as Redis does and return it anyway.
  let tries = 100
  for (;;) {
    const slot = db.dict.randomSlot()
    if (slot < 0) {
      c.nullBulk()
      return
    }
    if (db.isExpired(slot)) {
      if (!srv.expiryPaused()) {
        db.expireSlot(slot)
        continue
      }
      if (--tries > 0) continue
    }
    c.bulk(db.dict.keys[slot] as string)
    return
  }
}

export const keysCommands: CommandDef[] = [
  { name: 'del', arity: -2, flags: ['write'], keys: [1, -1, 1], group: G, handler: del, summary: 'Delete a key' },
  {
    name: 'unlink',
    arity: -2,
    flags: ['write', 'fast'],
    keys: [1, -1, 1],
    group: G,
    handler: del,
    since: '4.0.0',
    summary: 'Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.',
  },
  {
    name: 'exists',
    arity: -2,
    flags: ['readonly', 'fast'],
    keys: [1, -1, 1],
    group: G,
    handler: exists,
    summary: 'Determine if a key exists',
  },
  {
    name: 'type',
    arity: 2,
    flags: ['readonly', 'fast'],
    keys: [1, 1, 1],
    group: G,
    handler: type,
    summary: 'Determine the type stored at key',
  },
  {
    name: 'touch',
    arity: -2,
    flags: ['readonly', 'fast'],
    keys: [1, -1, 1],
    group: G,
    handler: touch,
    since: '3.2.1',
    summary: 'Alters the last access time of a key(s). Returns the number of existing keys specified.',
  },
  {
    name: 'rename',
    arity: 3,
    flags: ['write'],
    keys: [1, 2, 1],
    group: G,
    handler: (c, a, s) => renameGeneric(c, a, s, false),
    summary: 'Rename a key',
  },
  {
    name: 'renamenx',
    arity: 3,
    flags: ['write', 'fast'],
    keys: [1, 2, 1],
    group: G,
    handler: (c, a, s) => renameGeneric(c, a, s, true),
    summary: 'Rename a key, only if the new key does not exist',
  },
  {
    name: 'move',
    arity: 3,
    flags: ['write', 'fast'],
    keys: [1, 1, 1],
    group: G,
    handler: move,
    summary: 'Move a key to another database',
  },
  {
    name: 'copy',
    arity: -3,
    flags: ['write', 'denyoom'],
    keys: [1, 2, 1],
    group: G,
    handler: copy,
    since: '6.2.0',
    summary: 'Copy a key',
  },
  {
    name: 'swapdb',
    arity: 3,
    flags: ['write', 'fast'],
    categories: ['keyspace', 'write', 'fast', 'dangerous'],
    group: 'server',
    handler: swapdb,
    since: '4.0.0',
    summary: 'Swaps two Redis databases',
  },
  {
    name: 'flushdb',
    arity: -1,
    flags: ['write'],
    categories: ['keyspace', 'write', 'slow', 'dangerous'],
    group: 'server',
    handler: flushdb,
    summary: 'Remove all keys from the current database',
  },
  {
    name: 'flushall',
    arity: -1,
    flags: ['write'],
    categories: ['keyspace', 'write', 'slow', 'dangerous'],
    group: 'server',
    handler: flushall,
    summary: 'Remove all keys from all databases',
  },
  {
    name: 'dbsize',
    arity: 1,
    flags: ['readonly', 'fast'],
    categories: ['keyspace', 'read', 'fast'],
    group: 'server',
    handler: (c) => c.int(c.db.size),
    summary: 'Return the number of keys in the selected database',
  },
  {
    name: 'keys',
    arity: 2,
    flags: ['readonly'],
    categories: ['keyspace', 'read', 'slow', 'dangerous'],
    group: G,
    handler: keys,
    summary: 'Find all keys matching the given pattern',
  },
  {
    name: 'scan',
    arity: -2,
    flags: ['readonly'],
    group: G,
    handler: scan,
    since: '2.8.0',
    summary: 'Incrementally iterate the keys space',
  },
  {
    name: 'randomkey',
    arity: 1,
    flags: ['readonly'],
    group: G,
    handler: randomkey,
    summary: 'Return a random key from the keyspace',
  },
]
