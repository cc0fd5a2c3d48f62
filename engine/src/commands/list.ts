// List commands (t_list.c): pushes, pops, ranges, LINSERT/LSET/LREM/LTRIM/LPOS, LMOVE and LMPOP,
// and the blocking forms BLPOP/BRPOP/BLMOVE/BRPOPLPUSH/BLMPOP on top of server/blocking.ts.

import type { Client } from '../server/client.js'
import type { Server } from '../server/server.js'
import type { CommandDef } from './table.js'
import { ListValue } from '../types/list.js'
import { WRONGTYPE, type Value } from '../types/value.js'
import { parseInt64 } from '../util/numbers.js'
import { blockingFor, canBlock, parseTimeout } from '../server/blocking.js'

const G = 'list'
const LONG_MAX = 9223372036854775807n

type Where = 'left' | 'right'

/** The list at key, null when missing, undefined after a WRONGTYPE reply. */
function listOrReply(c: Client, v: Value | undefined): ListValue | null | undefined {
  if (v === undefined) return null
  if (!(v instanceof ListValue)) {
    c.error(WRONGTYPE)
    return undefined
  }
  return v
}

/** getLongFromObjectOrReply: a long argument, or null after "value is not an integer". */
function longArg(c: Client, s: string): number | null {
  const n = parseInt64(s)
  if (n === null) {
    c.error('ERR value is not an integer or out of range')
    return null
  }
  // Indexes beyond 2^53 behave like any out-of-range index, so clamping keeps their meaning.
  return typeof n === 'bigint' ? (n > 0n ? Number.MAX_SAFE_INTEGER : -Number.MAX_SAFE_INTEGER) : n
}

/** getRangeLongFromObjectOrReply with a message used for both parse and range errors. */
function rangeArg(c: Client, s: string, min: number, msg: string): number | null {
  const n = parseInt64(s)
  if (n === null || n < min || (typeof n === 'bigint' && n > LONG_MAX)) {
    c.error('ERR ' + msg)
    return null
  }
  return typeof n === 'bigint' ? Number.MAX_SAFE_INTEGER : n
}

/** getListPositionFromObjectOrReply: LEFT or RIGHT. */
function whereArg(c: Client, s: string): Where | null {
  const w = s.toLowerCase()
  if (w === 'left' || w === 'right') return w
  c.error('ERR syntax error')
  return null
}

function newList(srv: Server): ListValue {
  return ListValue.create(srv.config.getInt('list-max-listpack-size'))
}

function push(l: ListValue, s: string, where: Where): void {
  if (where === 'left') l.ql.pushHead(s)
  else l.ql.pushTail(s)
}

function pop(l: ListValue, where: Where): string {
  return (where === 'left' ? l.ql.popHead() : l.ql.popTail()) as string
}

/** listElementsRemoved: the pop event, and deletion of a list left empty. */
function elementsRemoved(srv: Server, db: Client['db'], key: string, l: ListValue, where: Where, n: number): void {
  srv.notify('l', where === 'left' ? 'lpop' : 'rpop', key, db.id)
  if (l.length === 0) {
    db.delete(key)
    srv.notify('g', 'del', key, db.id)
  } else {
    db.modified(key)
  }
  srv.dirty += n
}

// ---- Pushes ----

function pushGeneric(c: Client, argv: string[], srv: Server, where: Where, xx: boolean): void {
  const key = argv[1]
  const db = c.db
  let l = listOrReply(c, db.lookupWrite(key))
  if (l === undefined) return
  if (l === null) {
    if (xx) {
      c.int(0)
      return
    }
    l = newList(srv)
    for (let i = 2; i < argv.length; i++) push(l, argv[i], where)
    db.add(key, l)
  } else {
    for (let i = 2; i < argv.length; i++) push(l, argv[i], where)
    db.modified(key)
  }
  srv.dirty += argv.length - 2
  srv.notify('l', where === 'left' ? 'lpush' : 'rpush', key, db.id)
  c.int(l.length)
}

// ---- Pops ----

function popGeneric(c: Client, argv: string[], srv: Server, where: Where): void {
  if (argv.length > 3) {
    c.error(`ERR wrong number of arguments for '${argv[0].toLowerCase()}' command`)
    return
  }
  let count = -1
  if (argv.length === 3) {
    const n = rangeArg(c, argv[2], 0, 'value is out of range, must be positive')
    if (n === null) return
    count = n
  }
  const key = argv[1]
  const l = listOrReply(c, c.db.lookupWrite(key))
  if (l === undefined) return
  if (l === null) {
    if (count >= 0) c.nullArray()
    else c.nullBulk()
    return
  }
  if (count === 0) {
    c.arrayLen(0)
    return
  }
  if (count < 0) {
    c.bulk(pop(l, where))
    elementsRemoved(srv, c.db, key, l, where, 1)
    return
  }
  const n = Math.min(count, l.length)
  const out: string[] = []
  for (let i = 0; i < n; i++) out.push(pop(l, where))
  c.bulks(out)
  elementsRemoved(srv, c.db, key, l, where, n)
}

// ---- Reads ----

function llen(c: Client, argv: string[]): void {
  const l = listOrReply(c, c.db.lookupRead(argv[1]))
  if (l === undefined) return
  c.int(l === null ? 0 : l.length)
}

function lindex(c: Client, argv: string[]): void {
  const l = listOrReply(c, c.db.lookupRead(argv[1]))
  if (l === undefined) return
  if (l === null) {
    c.nullBulk()
    return
  }
  const i = longArg(c, argv[2])
  if (i === null) return
  c.bulkOrNull(l.ql.get(i))
}

/** Clamps start..end as LRANGE/LTRIM do; null for an empty range. */
function clampRange(start: number, end: number, len: number): [number, number] | null {
  if (start < 0) start += len
  if (end < 0) end += len
  if (start < 0) start = 0
  if (start > end || start >= len) return null
  if (end >= len) end = len - 1
  return [start, end]
}

function lrange(c: Client, argv: string[]): void {
  const start = longArg(c, argv[2])
  if (start === null) return
  const end = longArg(c, argv[3])
  if (end === null) return
  const l = listOrReply(c, c.db.lookupRead(argv[1]))
  if (l === undefined) return
  if (l === null) {
    c.arrayLen(0)
    return
  }
  const r = clampRange(start, end, l.length)
  c.bulks(r === null ? [] : l.ql.range(r[0], r[1]))
}

function lpos(c: Client, argv: string[]): void {
  let rank = 1
  let count = -1
  let maxlen = 0
  let rankWraps = false
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j].toLowerCase()
    const more = j < argv.length - 1
    if (opt === 'rank' && more) {
      const n = parseInt64(argv[++j])
      if (n === null) {
        c.error('ERR value is not an integer or out of range')
        return
      }
      if (n === 0) {
        c.error(
          "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
        )
        return
      }
      // RANK -9223372036854775808 stays negative when C negates it: every match from the tail then
      // qualifies and COUNT never ends the scan early (7.0 has no range check for it).
      rankWraps = n === -9223372036854775808n
      rank = typeof n === 'number' ? n : n > 0n ? Number.MAX_SAFE_INTEGER : rankWraps ? -1 : -Number.MAX_SAFE_INTEGER
    } else if (opt === 'count' && more) {
      const n = rangeArg(c, argv[++j], 0, "COUNT can't be negative")
      if (n === null) return
      count = n
    } else if (opt === 'maxlen' && more) {
      const n = rangeArg(c, argv[++j], 0, "MAXLEN can't be negative")
      if (n === null) return
      maxlen = n
    } else {
      c.error('ERR syntax error')
      return
    }
  }
  const fromTail = rank < 0
  if (fromTail) rank = -rank
  const l = listOrReply(c, c.db.lookupRead(argv[1]))
  if (l === undefined) return
  if (l === null) {
    if (count !== -1) c.arrayLen(0)
    else c.nullBulk()
    return
  }
  const ele = argv[2]
  const len = l.length
  const found: number[] = []
  let matches = 0
  let index = 0
  const nodes = l.ql.nodes
  outer: for (let n = 0; n < nodes.length; n++) {
    const node = fromTail ? nodes[nodes.length - 1 - n] : nodes[n]
    const nlen = node.length
    for (let k = 0; k < nlen; k++) {
      if (maxlen !== 0 && index >= maxlen) break outer
      if (node.get(fromTail ? nlen - 1 - k : k) === ele) {
        matches++
        if (matches >= rank) {
          found.push(fromTail ? len - index - 1 : index)
          if (count === -1 || (count !== 0 && !rankWraps && matches - rank + 1 >= count)) break outer
        }
      }
      index++
    }
  }
  if (count !== -1) {
    c.arrayLen(found.length)
    for (const i of found) c.int(i)
  } else if (found.length > 0) {
    c.int(found[0])
  } else {
    c.nullBulk()
  }
}

// ---- In-place changes ----

function lset(c: Client, argv: string[], srv: Server): void {
  const key = argv[1]
  const v = c.db.lookupWrite(key)
  if (v === undefined) {
    c.error('ERR no such key')
    return
  }
  const l = listOrReply(c, v)
  if (!l) return
  const i = longArg(c, argv[2])
  if (i === null) return
  if (!l.ql.set(i, argv[3])) {
    c.error('ERR index out of range')
    return
  }
  c.db.modified(key)
  srv.dirty++
  srv.notify('l', 'lset', key, c.db.id)
  c.ok()
}

function linsert(c: Client, argv: string[], srv: Server): void {
  const w = argv[2].toLowerCase()
  if (w !== 'after' && w !== 'before') {
    c.error('ERR syntax error')
    return
  }
  const key = argv[1]
  const l = listOrReply(c, c.db.lookupWrite(key))
  if (l === undefined) return
  if (l === null) {
    c.int(0)
    return
  }
  const pivot = argv[3]
  const nodes = l.ql.nodes
  for (let n = 0; n < nodes.length; n++) {
    const offset = nodes[n].find(pivot)
    if (offset >= 0) {
      l.ql.insert({ node: n, offset }, argv[4], w === 'after')
      c.db.modified(key)
      srv.notify('l', 'linsert', key, c.db.id)
      srv.dirty++
      c.int(l.length)
      return
    }
  }
  c.int(-1)
}

function lrem(c: Client, argv: string[], srv: Server): void {
  const toRemove = longArg(c, argv[2])
  if (toRemove === null) return
  const key = argv[1]
  const l = listOrReply(c, c.db.lookupWrite(key))
  if (l === undefined) return
  if (l === null) {
    c.int(0)
    return
  }
  const ele = argv[3]
  const limit = Math.abs(toRemove)
  const ql = l.ql
  let removed = 0
  if (toRemove >= 0) {
    let pos = { node: 0, offset: 0 }
    while (pos.node < ql.nodes.length && (limit === 0 || removed < limit)) {
      if (ql.nodes[pos.node].get(pos.offset) === ele) {
        pos = ql.deleteAt(pos)
        removed++
      } else if (++pos.offset >= ql.nodes[pos.node].length) {
        pos = { node: pos.node + 1, offset: 0 }
      }
    }
  } else {
    for (let n = ql.nodes.length - 1; n >= 0 && removed < limit; n--) {
      for (let k = ql.nodes[n].length - 1; k >= 0 && removed < limit; k--) {
        if (ql.nodes[n].get(k) === ele) {
          // Deleting the last entry of node n removes the node; earlier nodes keep their indexes.
          ql.deleteAt({ node: n, offset: k })
          removed++
        }
      }
    }
  }
  if (removed > 0) {
    srv.notify('l', 'lrem', key, c.db.id)
    if (l.length === 0) {
      c.db.delete(key)
      srv.notify('g', 'del', key, c.db.id)
    } else {
      c.db.modified(key)
    }
    srv.dirty += removed
  }
  c.int(removed)
}

function ltrim(c: Client, argv: string[], srv: Server): void {
  const start = longArg(c, argv[2])
  if (start === null) return
  const end = longArg(c, argv[3])
  if (end === null) return
  const key = argv[1]
  const l = listOrReply(c, c.db.lookupWrite(key))
  if (l === undefined) return
  if (l === null) {
    c.ok()
    return
  }
  const len = l.length
  const r = clampRange(start, end, len)
  const ltrimN = r === null ? len : r[0]
  const rtrimN = r === null ? 0 : len - r[1] - 1
  l.ql.deleteRange(0, ltrimN)
  l.ql.deleteRange(l.length - rtrimN, rtrimN)
  srv.notify('l', 'ltrim', key, c.db.id)
  if (l.length === 0) {
    c.db.delete(key)
    srv.notify('g', 'del', key, c.db.id)
  } else {
    c.db.modified(key)
  }
  srv.dirty += ltrimN + rtrimN
  c.ok()
}

// ---- Moves ----

/**
 * lmoveGenericCommand's core for a non-empty source (also serves blocked BLMOVE clients): pops
 * from src, pushes to dst (created when missing), replies the element. Returns false, without
 * changes, when dst holds another type (after replying WRONGTYPE).
 */
function moveOne(c: Client, srv: Server, src: string, dst: string, from: Where, to: Where): boolean {
  const db = c.db
  const s = db.lookupWrite(src) as ListValue
  const dv = db.lookupWrite(dst)
  if (dv !== undefined && !(dv instanceof ListValue)) {
    c.error(WRONGTYPE)
    return false
  }
  const value = pop(s, from)
  let d = dv
  if (d === undefined) {
    d = newList(srv)
    db.add(dst, d)
  }
  push(d, value, to)
  db.modified(dst)
  srv.notify('l', to === 'left' ? 'lpush' : 'rpush', dst, db.id)
  c.bulk(value)
  srv.notify('l', from === 'left' ? 'lpop' : 'rpop', src, db.id)
  if (s.length === 0) {
    db.delete(src)
    srv.notify('g', 'del', src, db.id)
  } else {
    db.modified(src)
  }
  srv.dirty++
  return true
}

function lmoveGeneric(c: Client, srv: Server, src: string, dst: string, from: Where, to: Where): void {
  const s = listOrReply(c, c.db.lookupWrite(src))
  if (s === undefined) return
  if (s === null) {
    c.nullBulk()
    return
  }
  moveOne(c, srv, src, dst, from, to)
}

function lmove(c: Client, argv: string[], srv: Server): void {
  const from = whereArg(c, argv[3])
  if (from === null) return
  const to = whereArg(c, argv[4])
  if (to === null) return
  lmoveGeneric(c, srv, argv[1], argv[2], from, to)
}

function rpoplpush(c: Client, argv: string[], srv: Server): void {
  lmoveGeneric(c, srv, argv[1], argv[2], 'right', 'left')
}

// ---- Multi-key pops ----

/** listPopRangeAndReplyWithKey: [key, [elements…]] and the LPOP/RPOP key count propagation. */
function popRangeWithKey(c: Client, srv: Server, key: string, l: ListValue, where: Where, count: number): string[] {
  const n = Math.min(count, l.length)
  const out: string[] = []
  for (let i = 0; i < n; i++) out.push(pop(l, where))
  c.arrayLen(2)
  c.bulk(key)
  c.bulks(out)
  elementsRemoved(srv, c.db, key, l, where, n)
  return [where === 'left' ? 'LPOP' : 'RPOP', key, String(n)]
}

interface MpopArgs {
  keys: string[]
  where: Where
  count: number
}

/** lmpopGenericCommand's parsing: numkeys at argv[idx], keys, LEFT|RIGHT, [COUNT n]. */
function parseMpop(c: Client, argv: string[], idx: number): MpopArgs | null {
  const numkeys = rangeArg(c, argv[idx], 1, 'numkeys should be greater than 0')
  if (numkeys === null) return null
  const whereIdx = idx + numkeys + 1
  if (whereIdx >= argv.length) {
    c.error('ERR syntax error')
    return null
  }
  const where = whereArg(c, argv[whereIdx])
  if (where === null) return null
  let count = -1
  for (let j = whereIdx + 1; j < argv.length; j++) {
    if (count === -1 && argv[j].toLowerCase() === 'count' && j < argv.length - 1) {
      const n = rangeArg(c, argv[++j], 1, 'count should be greater than 0')
      if (n === null) return null
      count = n
    } else {
      c.error('ERR syntax error')
      return null
    }
  }
  return { keys: argv.slice(idx + 1, whereIdx), where, count: count === -1 ? 1 : count }
}

/**
 * The first non-empty list among keys, null when none, undefined after a WRONGTYPE reply (Redis
 * stops at the first key of another type).
 */
function firstList(c: Client, keys: readonly string[]): { key: string; l: ListValue } | null | undefined {
  for (const key of keys) {
    const l = listOrReply(c, c.db.lookupWrite(key))
    if (l === undefined) return undefined
    if (l !== null && l.length > 0) return { key, l }
  }
  return null
}

function lmpop(c: Client, argv: string[], srv: Server): void {
  const a = parseMpop(c, argv, 1)
  if (a === null) return
  const found = firstList(c, a.keys)
  if (found === undefined) return
  if (found === null) {
    c.nullArray()
    return
  }
  c.propagateArgv = popRangeWithKey(c, srv, found.key, found.l, a.where, a.count)
}

// ---- Blocking forms ----

/**
 * blockingPopGenericCommand: BLPOP/BRPOP (count -1: reply [key, value]) and BLMPOP (reply
 * [key, [values]]). Pops right away when a key has elements, else blocks.
 */
function blockingPop(c: Client, srv: Server, keys: string[], where: Where, timeoutArg: string, count: number): void {
  const deadline = parseTimeout(c, timeoutArg, srv)
  if (deadline === null) return
  const found = firstList(c, keys)
  if (found === undefined) return
  if (found !== null) {
    c.propagateArgv = serveBlockingPop(c, srv, found.key, found.l, where, count)
    return
  }
  if (!canBlock(c)) {
    c.nullArray()
    return
  }
  blockingFor(srv).block(c, {
    keys,
    deadline,
    serve(bc, key) {
      const v = bc.db.lookupWrite(key)
      if (!(v instanceof ListValue) || v.length === 0) return false
      srv.propagate(bc.db.id, serveBlockingPop(bc, srv, key, v, where, count))
      return true
    },
  })
}

/** Pops for a blocking pop and replies; returns what to propagate (LPOP/RPOP key [count]). */
function serveBlockingPop(c: Client, srv: Server, key: string, l: ListValue, where: Where, count: number): string[] {
  if (count !== -1) return popRangeWithKey(c, srv, key, l, where, count)
  const value = pop(l, where)
  c.arrayLen(2)
  c.bulk(key)
  c.bulk(value)
  elementsRemoved(srv, c.db, key, l, where, 1)
  return [where === 'left' ? 'LPOP' : 'RPOP', key]
}

function blpop(c: Client, argv: string[], srv: Server): void {
  blockingPop(c, srv, argv.slice(1, -1), 'left', argv[argv.length - 1], -1)
}

function brpop(c: Client, argv: string[], srv: Server): void {
  blockingPop(c, srv, argv.slice(1, -1), 'right', argv[argv.length - 1], -1)
}

function blmpop(c: Client, argv: string[], srv: Server): void {
  const a = parseMpop(c, argv, 2)
  if (a === null) return
  blockingPop(c, srv, a.keys, a.where, argv[1], a.count)
}

/** blmoveGenericCommand: LMOVE when the source has elements, else block on the source. */
function blmoveGeneric(
  c: Client,
  srv: Server,
  argv: string[],
  from: Where,
  to: Where,
  deadline: number,
  propagateAs: (src: string, dst: string) => string[],
): void {
  const src = argv[1]
  const dst = argv[2]
  const s = listOrReply(c, c.db.lookupWrite(src))
  if (s === undefined) return
  if (s !== null) {
    if (moveOne(c, srv, src, dst, from, to)) c.propagateArgv = propagateAs(src, dst)
    return
  }
  if (!canBlock(c)) {
    c.nullBulk()
    return
  }
  blockingFor(srv).block(c, {
    keys: [src],
    deadline,
    serve(bc, key) {
      const v = bc.db.lookupWrite(key)
      if (!(v instanceof ListValue) || v.length === 0) return false
      if (moveOne(bc, srv, src, dst, from, to)) srv.propagate(bc.db.id, propagateAs(src, dst))
      return true
    },
  })
}

function blmove(c: Client, argv: string[], srv: Server): void {
  const from = whereArg(c, argv[3])
  if (from === null) return
  const to = whereArg(c, argv[4])
  if (to === null) return
  const deadline = parseTimeout(c, argv[5], srv)
  if (deadline === null) return
  blmoveGeneric(c, srv, argv, from, to, deadline, (s, d) => ['LMOVE', s, d, from.toUpperCase(), to.toUpperCase()])
}

function brpoplpush(c: Client, argv: string[], srv: Server): void {
  const deadline = parseTimeout(c, argv[3], srv)
  if (deadline === null) return
  blmoveGeneric(c, srv, argv, 'right', 'left', deadline, (s, d) => ['RPOPLPUSH', s, d])
}

const W = ['write', 'denyoom', 'fast'] as const
const WF = ['write', 'fast'] as const
const RO = ['readonly'] as const
const RO_FAST = ['readonly', 'fast'] as const

export const listCommands: CommandDef[] = [
  {
    name: 'lpush',
    arity: -3,
    flags: W,
    keys: [1, 1, 1],
    group: G,
    handler: (c, a, s) => pushGeneric(c, a, s, 'left', false),
  },
  {
    name: 'rpush',
    arity: -3,
    flags: W,
    keys: [1, 1, 1],
    group: G,
    handler: (c, a, s) => pushGeneric(c, a, s, 'right', false),
  },
  {
    name: 'lpushx',
    arity: -3,
    flags: W,
    keys: [1, 1, 1],
    group: G,
    since: '2.2.0',
    handler: (c, a, s) => pushGeneric(c, a, s, 'left', true),
  },
  {
    name: 'rpushx',
    arity: -3,
    flags: W,
    keys: [1, 1, 1],
    group: G,
    since: '2.2.0',
    handler: (c, a, s) => pushGeneric(c, a, s, 'right', true),
  },
  { name: 'lpop', arity: -2, flags: WF, keys: [1, 1, 1], group: G, handler: (c, a, s) => popGeneric(c, a, s, 'left') },
  { name: 'rpop', arity: -2, flags: WF, keys: [1, 1, 1], group: G, handler: (c, a, s) => popGeneric(c, a, s, 'right') },
  { name: 'llen', arity: 2, flags: RO_FAST, keys: [1, 1, 1], group: G, handler: llen },
  { name: 'lindex', arity: 3, flags: RO, keys: [1, 1, 1], group: G, handler: lindex },
  { name: 'lrange', arity: 4, flags: RO, keys: [1, 1, 1], group: G, handler: lrange },
  { name: 'lpos', arity: -3, flags: RO, keys: [1, 1, 1], group: G, since: '6.0.6', handler: lpos },
  { name: 'lset', arity: 4, flags: ['write', 'denyoom'], keys: [1, 1, 1], group: G, handler: lset },
  {
    name: 'linsert',
    arity: 5,
    flags: ['write', 'denyoom'],
    keys: [1, 1, 1],
    group: G,
    since: '2.2.0',
    handler: linsert,
  },
  { name: 'lrem', arity: 4, flags: ['write'], keys: [1, 1, 1], group: G, handler: lrem },
  { name: 'ltrim', arity: 4, flags: ['write'], keys: [1, 1, 1], group: G, handler: ltrim },
  { name: 'lmove', arity: 5, flags: ['write', 'denyoom'], keys: [1, 2, 1], group: G, since: '6.2.0', handler: lmove },
  {
    name: 'rpoplpush',
    arity: 3,
    flags: ['write', 'denyoom'],
    keys: [1, 2, 1],
    group: G,
    since: '1.2.0',
    handler: rpoplpush,
  },
  { name: 'lmpop', arity: -4, flags: ['write'], keys: [0, 0, 0], group: G, since: '7.0.0', handler: lmpop },
  {
    name: 'blpop',
    arity: -3,
    flags: ['write', 'blocking'],
    keys: [1, -2, 1],
    group: G,
    since: '2.0.0',
    handler: blpop,
  },
  {
    name: 'brpop',
    arity: -3,
    flags: ['write', 'blocking'],
    keys: [1, -2, 1],
    group: G,
    since: '2.0.0',
    handler: brpop,
  },
  {
    name: 'blmove',
    arity: 6,
    flags: ['write', 'denyoom', 'blocking'],
    keys: [1, 2, 1],
    group: G,
    since: '6.2.0',
    handler: blmove,
  },
  {
    name: 'brpoplpush',
    arity: 4,
    flags: ['write', 'denyoom', 'blocking'],
    keys: [1, 2, 1],
    group: G,
    since: '2.2.0',
    handler: brpoplpush,
  },
  {
    name: 'blmpop',
    arity: -5,
    flags: ['write', 'blocking'],
    keys: [0, 0, 0],
    group: G,
    since: '7.0.0',
    handler: blmpop,
  },
]
