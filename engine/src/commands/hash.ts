// Hash commands (t_hash.c): HSET/HMSET/HSETNX, reads, HDEL, HINCRBY/HINCRBYFLOAT, HRANDFIELD with
// Redis's count semantics and HSCAN over the listpack/hashtable encodings of types/hash.ts.

import type { Client } from '../server/client.js'
import type { Server } from '../server/server.js'
import type { CommandDef } from './table.js'
import { HashValue, hashLimits } from '../types/hash.js'
import { WRONGTYPE, type Value } from '../types/value.js'
import { MAX_I64, MIN_I64, parseInt64 } from '../util/numbers.js'
import { addLongDouble, formatLongDoubleHuman, longDoubleFromInt, parseLongDouble } from '../util/longdouble.js'
import { scanCollection } from './scanargs.js'

const G = 'hash'

/** The hash at key, null when missing, undefined after a WRONGTYPE reply. */
function hashOrReply(c: Client, v: Value | undefined): HashValue | null | undefined {
  if (v === undefined) return null
  if (!(v instanceof HashValue)) {
    c.error(WRONGTYPE)
    return undefined
  }
  return v
}

/** hashTypeLookupWriteOrCreate without adding an empty hash: the caller adds it once it holds data. */
function writeTarget(c: Client, key: string): { h: HashValue; isNew: boolean } | undefined {
  const h = hashOrReply(c, c.db.lookupWrite(key))
  if (h === undefined) return undefined
  return h === null ? { h: new HashValue(), isNew: true } : { h, isNew: false }
}

/** Stores a hash changed by a write: adds a new one, or signals the in-place change. */
function commit(c: Client, key: string, t: { h: HashValue; isNew: boolean }): void {
  if (t.isNew) c.db.add(key, t.h)
  else c.db.modified(key)
}

function hsetGeneric(c: Client, argv: string[], srv: Server, isHmset: boolean): void {
  if (argv.length % 2 === 1) {
    c.error(`ERR wrong number of arguments for '${isHmset ? 'hmset' : 'hset'}' command`)
    return
  }
  const key = argv[1]
  const t = writeTarget(c, key)
  if (t === undefined) return
  const limits = hashLimits(srv.config)
  t.h.tryConversion(argv, limits, 2)
  let created = 0
  for (let i = 2; i < argv.length; i += 2) if (t.h.set(argv[i], argv[i + 1], limits)) created++
  commit(c, key, t)
  srv.notify('h', 'hset', key, c.db.id)
  srv.dirty += (argv.length - 2) / 2
  if (isHmset) c.ok()
  else c.int(created)
}

function hsetnx(c: Client, argv: string[], srv: Server): void {
  const key = argv[1]
  const t = writeTarget(c, key)
  if (t === undefined) return
  if (t.h.has(argv[2])) {
    c.int(0)
    return
  }
  const limits = hashLimits(srv.config)
  t.h.tryConversion(argv, limits, 2)
  t.h.set(argv[2], argv[3], limits)
  commit(c, key, t)
  srv.notify('h', 'hset', key, c.db.id)
  srv.dirty++
  c.int(1)
}

function hget(c: Client, argv: string[]): void {
  const h = hashOrReply(c, c.db.lookupRead(argv[1]))
  if (h === undefined) return
  c.bulkOrNull(h === null ? undefined : h.get(argv[2]))
}

function hmget(c: Client, argv: string[]): void {
  const h = hashOrReply(c, c.db.lookupRead(argv[1]))
  if (h === undefined) return
  c.arrayLen(argv.length - 2)
  for (let i = 2; i < argv.length; i++) c.bulkOrNull(h === null ? undefined : h.get(argv[i]))
}

function hdel(c: Client, argv: string[], srv: Server): void {
  const key = argv[1]
  const h = hashOrReply(c, c.db.lookupWrite(key))
  if (h === undefined) return
  if (h === null) {
    c.int(0)
    return
  }
  let deleted = 0
  for (let i = 2; i < argv.length; i++) {
    if (h.delete(argv[i])) {
      deleted++
      if (h.length === 0) break
    }
  }
  if (deleted > 0) {
    srv.notify('h', 'hdel', key, c.db.id)
    if (h.length === 0) {
      c.db.delete(key)
      srv.notify('g', 'del', key, c.db.id)
    } else {
      c.db.modified(key)
    }
    srv.dirty += deleted
  }
  c.int(deleted)
}

function hexists(c: Client, argv: string[]): void {
  const h = hashOrReply(c, c.db.lookupRead(argv[1]))
  if (h === undefined) return
  c.int(h !== null && h.has(argv[2]) ? 1 : 0)
}

function hlen(c: Client, argv: string[]): void {
  const h = hashOrReply(c, c.db.lookupRead(argv[1]))
  if (h === undefined) return
  c.int(h === null ? 0 : h.length)
}

function hstrlen(c: Client, argv: string[]): void {
  const h = hashOrReply(c, c.db.lookupRead(argv[1]))
  if (h === undefined) return
  c.int(h === null ? 0 : (h.get(argv[2]) ?? '').length)
}

/** genericHgetallCommand: fields, values or both (a map in RESP3). */
function hgetallGeneric(c: Client, argv: string[], fields: boolean, values: boolean): void {
  const h = hashOrReply(c, c.db.lookupRead(argv[1]))
  if (h === undefined) return
  const n = h === null ? 0 : h.length
  if (fields && values) c.mapLen(n)
  else c.arrayLen(n)
  if (h === null) return
  for (const [f, v] of h.entries()) {
    if (fields) c.bulk(f)
    if (values) c.bulk(v)
  }
}

function hincrby(c: Client, argv: string[], srv: Server): void {
  const incr = parseInt64(argv[3])
  if (incr === null) {
    c.error('ERR value is not an integer or out of range')
    return
  }
  const key = argv[1]
  const t = writeTarget(c, key)
  if (t === undefined) return
  const cur = t.h.get(argv[2])
  let value = 0n
  if (cur !== undefined) {
    const n = parseInt64(cur)
    if (n === null) {
      c.error('ERR hash value is not an integer')
      return
    }
    value = BigInt(n)
  }
  const sum = value + BigInt(incr)
  if (sum > MAX_I64 || sum < MIN_I64) {
    c.error('ERR increment or decrement would overflow')
    return
  }
  t.h.set(argv[2], String(sum), hashLimits(srv.config))
  commit(c, key, t)
  c.int(sum)
  srv.notify('h', 'hincrby', key, c.db.id)
  srv.dirty++
}

function hincrbyfloat(c: Client, argv: string[], srv: Server): void {
  const incr = parseLongDouble(argv[3])
  if (incr === null) {
    c.error('ERR value is not a valid float')
    return
  }
  if (incr.inf) {
    c.error('ERR value is NaN or Infinity')
    return
  }
  const key = argv[1]
  const t = writeTarget(c, key)
  if (t === undefined) return
  const curText = t.h.get(argv[2])
  let cur = longDoubleFromInt(0)
  if (curText !== undefined) {
    const parsed = parseLongDouble(curText)
    if (parsed === null) {
      c.error('ERR hash value is not a float')
      return
    }
    cur = parsed
  }
  const sum = addLongDouble(cur, incr)
  if (sum === null || sum.inf) {
    c.error('ERR increment would produce NaN or Infinity')
    return
  }
  const text = formatLongDoubleHuman(sum)
  t.h.set(argv[2], text, hashLimits(srv.config))
  commit(c, key, t)
  c.bulk(text)
  srv.notify('h', 'hincrbyfloat', key, c.db.id)
  srv.dirty++
  // Replicate the result, so float formatting can never make replicas or the AOF drift.
  c.propagateArgv = ['HSET', key, argv[2], text]
}

// ---- HRANDFIELD ----

const LONG_MAX_HALF = 4611686018427387903n

function hrandfield(c: Client, argv: string[]): void {
  if (argv.length >= 3) {
    const n = parseInt64(argv[2])
    if (n === null) {
      c.error('ERR value is not an integer or out of range')
      return
    }
    if (n === MIN_I64) {
      c.error('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807')
      return
    }
    if (argv.length > 4 || (argv.length === 4 && argv[3].toLowerCase() !== 'withvalues')) {
      c.error('ERR syntax error')
      return
    }
    const withValues = argv.length === 4
    if (withValues && (BigInt(n) < -LONG_MAX_HALF || BigInt(n) > LONG_MAX_HALF)) {
      c.error('ERR value is out of range')
      return
    }
    hrandfieldWithCount(c, argv[1], n, withValues)
    return
  }
  const h = hashOrReply(c, c.db.lookupRead(argv[1]))
  if (h === undefined) return
  if (h === null) c.nullBulk()
  else c.bulk(h.randomEntry()[0])
}

function hrandfieldWithCount(c: Client, key: string, l: number | bigint, withValues: boolean): void {
  const h = hashOrReply(c, c.db.lookupRead(key))
  if (h === undefined) return
  if (h === null || l === 0 || l === 0n) {
    c.arrayLen(0)
    return
  }
  const size = h.length
  const reply = (pairs: [string, string][]): void => {
    c.arrayLen(withValues && c.resp === 2 ? pairs.length * 2 : pairs.length)
    for (const [f, v] of pairs) {
      if (withValues && c.resp === 3) c.arrayLen(2)
      c.bulk(f)
      if (withValues) c.bulk(v)
    }
  }
  if (l < 0 || l === 1 || l === 1n) {
    // Repetitions allowed: sample the whole hash every time.
    const count = Number(l < 0 ? -BigInt(l) : BigInt(l))
    const pairs: [string, string][] = []
    for (let i = 0; i < count; i++) pairs.push(h.randomEntry())
    reply(pairs)
    return
  }
  const count = Number(l)
  if (count * 3 <= size) {
    // Few fields out of many (CASE 4): random picks until `count` distinct ones, without copying.
    const picked = new Map<string, string>()
    while (picked.size < count) {
      const [f, v] = h.randomEntry()
      picked.set(f, v)
    }
    reply([...picked])
    return
  }
  const all = [...h.entries()]
  if (count >= size) {
    reply(all)
    return
  }
  // A uniform random subset (partial Fisher–Yates), distinct fields.
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(Math.random() * (all.length - i))
    const tmp = all[i]
    all[i] = all[j]
    all[j] = tmp
  }
  reply(all.slice(0, count))
}

// ---- HSCAN ----

function hscan(c: Client, argv: string[]): void {
  scanCollection(
    c,
    argv,
    (cl, key) => hashOrReply(cl, cl.db.lookupRead(key)),
    (h, cursor, count, emit) => {
      if (h.ht !== null) return h.ht.scan(cursor, count, emit)
      // A listpack hash is returned whole in one call, with cursor 0, as Redis does.
      for (const [f, v] of h.entries()) emit(f, v)
      return 0
    },
  )
}

const W = ['write', 'denyoom', 'fast'] as const
const RO = ['readonly'] as const
const RO_FAST = ['readonly', 'fast'] as const

export const hashCommands: CommandDef[] = [
  {
    name: 'hset',
    arity: -4,
    flags: W,
    keys: [1, 1, 1],
    group: G,
    since: '2.0.0',
    handler: (c, a, s) => hsetGeneric(c, a, s, false),
  },
  {
    name: 'hmset',
    arity: -4,
    flags: W,
    keys: [1, 1, 1],
    group: G,
    since: '2.0.0',
    handler: (c, a, s) => hsetGeneric(c, a, s, true),
  },
  { name: 'hsetnx', arity: 4, flags: W, keys: [1, 1, 1], group: G, since: '2.0.0', handler: hsetnx },
  { name: 'hget', arity: 3, flags: RO_FAST, keys: [1, 1, 1], group: G, since: '2.0.0', handler: hget },
  { name: 'hmget', arity: -3, flags: RO_FAST, keys: [1, 1, 1], group: G, since: '2.0.0', handler: hmget },
  { name: 'hdel', arity: -3, flags: ['write', 'fast'], keys: [1, 1, 1], group: G, since: '2.0.0', handler: hdel },
  { name: 'hexists', arity: 3, flags: RO_FAST, keys: [1, 1, 1], group: G, since: '2.0.0', handler: hexists },
  { name: 'hlen', arity: 2, flags: RO_FAST, keys: [1, 1, 1], group: G, since: '2.0.0', handler: hlen },
  { name: 'hstrlen', arity: 3, flags: RO_FAST, keys: [1, 1, 1], group: G, since: '3.2.0', handler: hstrlen },
  {
    name: 'hkeys',
    arity: 2,
    flags: RO,
    keys: [1, 1, 1],
    group: G,
    since: '2.0.0',
    handler: (c, a) => hgetallGeneric(c, a, true, false),
  },
  {
    name: 'hvals',
    arity: 2,
    flags: RO,
    keys: [1, 1, 1],
    group: G,
    since: '2.0.0',
    handler: (c, a) => hgetallGeneric(c, a, false, true),
  },
  {
    name: 'hgetall',
    arity: 2,
    flags: RO,
    keys: [1, 1, 1],
    group: G,
    since: '2.0.0',
    handler: (c, a) => hgetallGeneric(c, a, true, true),
  },
  { name: 'hincrby', arity: 4, flags: W, keys: [1, 1, 1], group: G, since: '2.0.0', handler: hincrby },
  { name: 'hincrbyfloat', arity: 4, flags: W, keys: [1, 1, 1], group: G, since: '2.6.0', handler: hincrbyfloat },
  { name: 'hrandfield', arity: -2, flags: RO, keys: [1, 1, 1], group: G, since: '6.2.0', handler: hrandfield },
  { name: 'hscan', arity: -3, flags: RO, keys: [1, 1, 1], group: G, since: '2.8.0', handler: hscan },
]
