// Set commands (t_set.c): SADD/SREM/SMOVE, membership and cardinality, SPOP and SRANDMEMBER with
// Redis's count rules, the SINTER/SUNION/SDIFF algebra with their STORE forms, and SSCAN.

import type { Client } from '../server/client.js'
import type { Server } from '../server/server.js'
import type { CommandDef } from './table.js'
import { SetValue } from '../types/set.js'
import { WRONGTYPE, type Value } from '../types/value.js'
import { parseInt64 } from '../util/numbers.js'
import { scanCollection } from './scanargs.js'

const G = 'set'
/** SPOP: above this ratio of popped to remaining members, rebuild from the survivors instead. */
const SPOP_MOVE_STRATEGY_MUL = 5
/** SRANDMEMBER: below this ratio of count to size, sample instead of copying and trimming. */
const SRANDMEMBER_SUB_STRATEGY_MUL = 3
const LONG_MAX = 9223372036854775807n

function maxIntsetEntries(srv: Server): number {
  return srv.config.getInt('set-max-intset-entries')
}

function isSet(v: Value): v is SetValue {
  return v instanceof SetValue
}

/**
 * The set at key for reading: the value, null when missing, or undefined after a WRONGTYPE reply.
 */
function readSet(c: Client, key: string): SetValue | null | undefined {
  const v = c.db.lookupRead(key)
  if (v === undefined) return null
  if (!isSet(v)) {
    c.error(WRONGTYPE)
    return undefined
  }
  return v
}

function writeSet(c: Client, key: string): SetValue | null | undefined {
  const v = c.db.lookupWrite(key)
  if (v === undefined) return null
  if (!isSet(v)) {
    c.error(WRONGTYPE)
    return undefined
  }
  return v
}

function replyMembers(c: Client, members: Iterable<string>, n: number, asSet: boolean): void {
  if (asSet) c.setLen(n)
  else c.arrayLen(n)
  for (const m of members) c.bulk(m)
}

function sadd(c: Client, argv: string[], srv: Server): void {
  const key = argv[1]
  let s = writeSet(c, key)
  if (s === undefined) return
  if (s === null) {
    s = SetValue.create(argv[2])
    c.db.add(key, s)
  }
  const max = maxIntsetEntries(srv)
  let added = 0
  for (let i = 2; i < argv.length; i++) if (s.add(argv[i], max)) added++
  if (added > 0) {
    c.db.modified(key)
    srv.notify('s', 'sadd', key, c.db.id)
  }
  srv.dirty += added
  c.int(added)
}

/** Deletes key when its set became empty; returns true then (caller notifies). */
function deleteIfEmpty(c: Client, key: string, s: SetValue, srv: Server): boolean {
  if (s.length > 0) return false
  c.db.delete(key)
  srv.notify('g', 'del', key, c.db.id)
  return true
}

function srem(c: Client, argv: string[], srv: Server): void {
  const key = argv[1]
  const s = writeSet(c, key)
  if (s === undefined) return
  if (s === null) {
    c.int(0)
    return
  }
  let removed = 0
  for (let i = 2; i < argv.length; i++) {
    if (s.remove(argv[i])) {
      removed++
      if (s.length === 0) break
    }
  }
  if (removed > 0) {
    c.db.modified(key)
    srv.notify('s', 'srem', key, c.db.id)
    deleteIfEmpty(c, key, s, srv)
    srv.dirty += removed
  }
  c.int(removed)
}

function smove(c: Client, argv: string[], srv: Server): void {
  const [, srcKey, dstKey, member] = argv
  const src = writeSet(c, srcKey)
  if (src === undefined) return
  const dstVal = c.db.lookupWrite(dstKey)
  if (src === null) {
    c.int(0)
    return
  }
  if (dstVal !== undefined && !isSet(dstVal)) {
    c.error(WRONGTYPE)
    return
  }
  if (srcKey === dstKey) {
    c.int(src.has(member) ? 1 : 0)
    return
  }
  if (!src.remove(member)) {
    c.int(0)
    return
  }
  srv.notify('s', 'srem', srcKey, c.db.id)
  if (!deleteIfEmpty(c, srcKey, src, srv)) c.db.modified(srcKey)
  let dst = dstVal as SetValue | undefined
  if (dst === undefined) {
    dst = SetValue.create(member)
    c.db.add(dstKey, dst)
  }
  srv.dirty++
  if (dst.add(member, maxIntsetEntries(srv))) {
    srv.dirty++
    c.db.modified(dstKey)
    srv.notify('s', 'sadd', dstKey, c.db.id)
  }
  c.int(1)
}

function sismember(c: Client, argv: string[]): void {
  const s = readSet(c, argv[1])
  if (s === undefined) return
  c.int(s !== null && s.has(argv[2]) ? 1 : 0)
}

function smismember(c: Client, argv: string[]): void {
  const s = readSet(c, argv[1])
  if (s === undefined) return
  c.arrayLen(argv.length - 2)
  for (let i = 2; i < argv.length; i++) c.int(s !== null && s.has(argv[i]) ? 1 : 0)
}

function scard(c: Client, argv: string[]): void {
  const s = readSet(c, argv[1])
  if (s === undefined) return
  c.int(s === null ? 0 : s.length)
}

function smembers(c: Client, argv: string[]): void {
  const s = readSet(c, argv[1])
  if (s === undefined) return
  if (s === null) c.setLen(0)
  else replyMembers(c, s.members(), s.length, true)
}

function spop(c: Client, argv: string[], srv: Server): void {
  if (argv.length > 3) {
    c.error('ERR syntax error')
    return
  }
  if (argv.length === 3) {
    spopWithCount(c, argv, srv)
    return
  }
  const key = argv[1]
  const s = writeSet(c, key)
  if (s === undefined) return
  if (s === null) {
    c.nullBulk()
    return
  }
  const m = s.popRandom()
  srv.notify('s', 'spop', key, c.db.id)
  c.propagateArgv = ['SREM', key, m]
  if (!deleteIfEmpty(c, key, s, srv)) c.db.modified(key)
  srv.dirty++
  c.bulk(m)
}

function spopWithCount(c: Client, argv: string[], srv: Server): void {
  const key = argv[1]
  const n = parseInt64(argv[2])
  if (n === null || n < 0) {
    c.error('ERR value is out of range, must be positive')
    return
  }
  const s = writeSet(c, key)
  if (s === undefined) return
  if (s === null || n === 0) {
    c.setLen(0)
    return
  }
  const size = s.length
  const count = Number(n)
  srv.notify('s', 'spop', key, c.db.id)
  srv.dirty += count
  if (count >= size) {
    replyMembers(c, s.members(), size, true)
    c.db.delete(key)
    srv.notify('g', 'del', key, c.db.id)
    c.propagateArgv = ['DEL', key]
    return
  }
  const remaining = size - count
  const popped: string[] = []
  if (remaining * SPOP_MOVE_STRATEGY_MUL > count) {
    for (let i = 0; i < count; i++) popped.push(s.popRandom())
    c.db.modified(key)
  } else {
    // Few survivors: move them into a new set and hand the old one over whole.
    const max = maxIntsetEntries(srv)
    let survivors: SetValue | null = null
    for (let i = 0; i < remaining; i++) {
      const m = s.popRandom()
      if (survivors === null) survivors = SetValue.create(m)
      survivors.add(m, max)
    }
    for (const m of s.members()) popped.push(m)
    c.db.replaceAt(c.db.find(key), survivors as SetValue)
    c.db.modified(key)
  }
  c.propagateArgv = ['SREM', key, ...popped]
  replyMembers(c, popped, popped.length, true)
}

function srandmember(c: Client, argv: string[]): void {
  if (argv.length > 3) {
    c.error('ERR syntax error')
    return
  }
  if (argv.length === 3) {
    srandmemberWithCount(c, argv)
    return
  }
  const s = readSet(c, argv[1])
  if (s === undefined) return
  if (s === null) c.nullBulk()
  else c.bulk(s.random())
}

function srandmemberWithCount(c: Client, argv: string[]): void {
  const l = parseInt64(argv[2])
  if (l === null) {
    c.error('ERR value is not an integer or out of range')
    return
  }
  if (BigInt(l) < -LONG_MAX) {
    c.error('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807')
    return
  }
  const s = readSet(c, argv[1])
  if (s === undefined) return
  if (s === null || l === 0) {
    c.arrayLen(0)
    return
  }
  const size = s.length
  if (l < 0) {
    // Negative count: that many independent draws, repeats allowed.
    const count = Number(-BigInt(l))
    c.arrayLen(count)
    for (let i = 0; i < count; i++) c.bulk(s.random())
    return
  }
  const count = Number(l)
  if (count >= size) {
    replyMembers(c, s.members(), size, false)
    return
  }
  c.arrayLen(count)
  for (const m of distinctSample(s, count, size)) c.bulk(m)
}

/** `count` distinct random members (count < size): trim a copy when count is close to size, else sample. */
function distinctSample(s: SetValue, count: number, size: number): Iterable<string> {
  if (count * SRANDMEMBER_SUB_STRATEGY_MUL > size) {
    const all = [...s.members()]
    for (let i = all.length - 1; i >= count; i--) {
      const j = Math.floor(Math.random() * (i + 1))
      all[j] = all[i]
    }
    all.length = count
    return all
  }
  const picked = new Set<string>()
  while (picked.size < count) picked.add(s.random())
  return picked
}

// ---- SINTER / SUNION / SDIFF ----

/** Looks every key up; undefined after a WRONGTYPE reply. Missing keys are null. */
function readSets(c: Client, keys: string[]): (SetValue | null)[] | undefined {
  const out: (SetValue | null)[] = []
  for (const k of keys) {
    const s = readSet(c, k)
    if (s === undefined) return undefined
    out.push(s)
  }
  return out
}

/** Members of the intersection, stopping after `limit` (0 = all). */
function intersect(sets: SetValue[], limit: number): string[] {
  const sorted = sets.slice().sort((a, b) => a.length - b.length)
  const [first, ...rest] = sorted
  const out: string[] = []
  for (const m of first.members()) {
    let inAll = true
    for (const o of rest) {
      if (o !== first && !o.has(m)) {
        inAll = false
        break
      }
    }
    if (inAll) {
      out.push(m)
      if (limit > 0 && out.length >= limit) break
    }
  }
  return out
}

function union(sets: (SetValue | null)[]): Iterable<string> {
  const out = new Set<string>()
  for (const s of sets) if (s !== null) for (const m of s.members()) out.add(m)
  return out
}

function diff(sets: (SetValue | null)[]): string[] {
  const [first, ...rest] = sets
  if (first === null) return []
  const out: string[] = []
  for (const m of first.members()) {
    let keep = true
    for (const o of rest) {
      if (o !== null && o.has(m)) {
        keep = false
        break
      }
    }
    if (keep) out.push(m)
  }
  return out
}

/** Stores the result of a set operation into dst (deleting dst when empty) and replies its size. */
function storeResult(c: Client, srv: Server, dst: string, members: Iterable<string>, event: string): void {
  const s = SetValue.fromMembers(members, maxIntsetEntries(srv))
  if (s !== null) {
    c.db.set(dst, s)
    srv.notify('s', event, dst, c.db.id)
    srv.dirty++
    c.int(s.length)
    return
  }
  if (c.db.delete(dst)) {
    srv.notify('g', 'del', dst, c.db.id)
    srv.dirty++
  }
  c.int(0)
}

function algebra(op: 'inter' | 'union' | 'diff', store: boolean) {
  return (c: Client, argv: string[], srv: Server): void => {
    const keys = argv.slice(store ? 2 : 1)
    const sets = readSets(c, keys)
    if (sets === undefined) return
    let members: Iterable<string>
    if (op === 'inter') members = sets.includes(null) ? [] : intersect(sets as SetValue[], 0)
    else if (op === 'union') members = union(sets)
    else members = diff(sets)
    if (store) {
      storeResult(c, srv, argv[1], members, `s${op}store`)
      return
    }
    const list = Array.isArray(members) ? members : [...members]
    replyMembers(c, list, list.length, true)
  }
}

function sintercard(c: Client, argv: string[]): void {
  const numkeys = parseInt64(argv[1])
  if (numkeys === null || numkeys < 1) {
    c.error('ERR numkeys should be greater than 0')
    return
  }
  if (numkeys > argv.length - 2) {
    c.error("ERR Number of keys can't be greater than number of args")
    return
  }
  const nk = Number(numkeys)
  let limit = 0
  for (let i = 2 + nk; i < argv.length; i++) {
    if (argv[i].toLowerCase() === 'limit' && i + 1 < argv.length) {
      const l = parseInt64(argv[++i])
      if (l === null || l < 0) {
        c.error("ERR LIMIT can't be negative")
        return
      }
      limit = Number(l)
    } else {
      c.error('ERR syntax error')
      return
    }
  }
  const sets = readSets(c, argv.slice(2, 2 + nk))
  if (sets === undefined) return
  c.int(sets.includes(null) ? 0 : intersect(sets as SetValue[], limit).length)
}

function sscan(c: Client, argv: string[]): void {
  scanCollection(c, argv, readSet, (s, cursor, count, emit) => s.scan(cursor, count, (m) => emit(m)))
}

const RO = ['readonly'] as const
const RO_FAST = ['readonly', 'fast'] as const

export const setCommands: CommandDef[] = [
  { name: 'sadd', arity: -3, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], group: G, handler: sadd },
  { name: 'srem', arity: -3, flags: ['write', 'fast'], keys: [1, 1, 1], group: G, handler: srem },
  { name: 'smove', arity: 4, flags: ['write', 'fast'], keys: [1, 2, 1], group: G, handler: smove },
  { name: 'sismember', arity: 3, flags: RO_FAST, keys: [1, 1, 1], group: G, handler: sismember },
  { name: 'smismember', arity: -3, flags: RO_FAST, keys: [1, 1, 1], group: G, handler: smismember },
  { name: 'scard', arity: 2, flags: RO_FAST, keys: [1, 1, 1], group: G, handler: scard },
  { name: 'smembers', arity: 2, flags: RO, keys: [1, 1, 1], group: G, handler: smembers },
  { name: 'spop', arity: -2, flags: ['write', 'fast'], keys: [1, 1, 1], group: G, handler: spop },
  { name: 'srandmember', arity: -2, flags: RO, keys: [1, 1, 1], group: G, handler: srandmember },
  { name: 'sinter', arity: -2, flags: RO, keys: [1, -1, 1], group: G, handler: algebra('inter', false) },
  { name: 'sintercard', arity: -3, flags: RO, group: G, handler: sintercard },
  {
    name: 'sinterstore',
    arity: -3,
    flags: ['write', 'denyoom'],
    keys: [1, -1, 1],
    group: G,
    handler: algebra('inter', true),
  },
  { name: 'sunion', arity: -2, flags: RO, keys: [1, -1, 1], group: G, handler: algebra('union', false) },
  {
    name: 'sunionstore',
    arity: -3,
    flags: ['write', 'denyoom'],
    keys: [1, -1, 1],
    group: G,
    handler: algebra('union', true),
  },
  { name: 'sdiff', arity: -2, flags: RO, keys: [1, -1, 1], group: G, handler: algebra('diff', false) },
  {
    name: 'sdiffstore',
    arity: -3,
    flags: ['write', 'denyoom'],
    keys: [1, -1, 1],
    group: G,
    handler: algebra('diff', true),
  },
  { name: 'sscan', arity: -3, flags: RO, keys: [1, 1, 1], group: G, handler: sscan },
]
