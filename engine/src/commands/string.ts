// String commands (t_string.c): GET/SET and their option forms, the multi-key forms, counters,
// APPEND/SETRANGE/GETRANGE and LCS over the `int`/`embstr`/`raw` string type, with Redis 7.0's
// replies, error texts, keyspace events and propagation (relative TTLs sent as absolute PXAT).

import { constants } from 'node:buffer'
import type { Client } from '../server/client.js'
import type { Server } from '../server/server.js'
import type { Db } from '../keyspace/db.js'
import type { CommandDef } from './table.js'
import { FLAG_RAW, FLAG_TEXT } from '../keyspace/dict.js'
import { storeString, stringBytes, stringLength } from '../types/string.js'
import { WRONGTYPE, type Value } from '../types/value.js'
import { MAX_I64, MIN_I64, parseInt64 } from '../util/numbers.js'
import { addLongDouble, formatLongDoubleHuman, longDoubleFromInt, parseLongDouble } from '../util/longdouble.js'

const G = 'string'
const { MAX_STRING_LENGTH } = constants
const NOT_INT = 'ERR value is not an integer or out of range'
const SYNTAX = 'ERR syntax error'

// ---- GET and SET ----

function get(c: Client, argv: string[]): void {
  const v = c.db.lookupRead(argv[1])
  if (v === undefined) c.nullBulk()
  else if (typeof v === 'object') c.error(WRONGTYPE)
  else c.bulk(typeof v === 'number' ? String(v) : v)
}

/** getGenericCommand: replies with the value; false when it replied WRONGTYPE. */
function replyGet(c: Client, key: string): boolean {
  const v = c.db.lookupRead(key)
  if (v === undefined) c.nullBulk()
  else if (typeof v === 'object') {
    c.error(WRONGTYPE)
    return false
  } else c.bulk(typeof v === 'number' ? String(v) : v)
  return true
}

// Option flags of SET and GETEX (parseExtendedStringArgumentsOrReply).
const NX = 1
const XX = 2
const GET = 4
const KEEPTTL = 8
const PERSIST = 16
const EX = 32
const PX = 64
const EXAT = 128
const PXAT = 256
const ANY_EXPIRE = EX | PX | EXAT | PXAT

interface StringOptions {
  flags: number
  /** Index in argv of the expire argument, 0 when none. */
  expireAt: number
}

/**
 * Parses SET's (forSet) or GETEX's options from argv[start]. Conflicting or unknown options reply
 * 'ERR syntax error' and return null; repeating the same option is accepted, as in Redis.
 */
function parseOptions(c: Client, argv: string[], start: number, forSet: boolean): StringOptions | null {
  let flags = 0
  let expireAt = 0
  for (let j = start; j < argv.length; j++) {
    const opt = argv[j].toUpperCase()
    const hasNext = j + 1 < argv.length
    let add = 0
    if (forSet && opt === 'NX' && !(flags & XX)) add = NX
    else if (forSet && opt === 'XX' && !(flags & NX)) add = XX
    else if (forSet && opt === 'GET') add = GET
    else if (forSet && opt === 'KEEPTTL' && !(flags & (PERSIST | ANY_EXPIRE))) add = KEEPTTL
    else if (!forSet && opt === 'PERSIST' && !(flags & (KEEPTTL | ANY_EXPIRE))) add = PERSIST
    else if (hasNext && !(flags & (KEEPTTL | PERSIST))) {
      const unit = opt === 'EX' ? EX : opt === 'PX' ? PX : opt === 'EXAT' ? EXAT : opt === 'PXAT' ? PXAT : 0
      if (unit !== 0 && !(flags & ANY_EXPIRE & ~unit)) {
        add = unit
        expireAt = ++j
      }
    }
    if (add === 0) {
      c.error(SYNTAX)
      return null
    }
    flags |= add
  }
  return { flags, expireAt }
}

/**
 * getExpireMillisecondsOrReply: the absolute deadline in ms for an EX/PX/EXAT/PXAT argument, or
 * null after replying. Zero, negative and overflowing times are "invalid expire time".
 */
function expireDeadline(c: Client, arg: string, flags: number, cmdName: string, srv: Server): number | null {
  const v = parseInt64(arg)
  if (v === null) {
    c.error(NOT_INT)
    return null
  }
  let ms = BigInt(v)
  const seconds = (flags & (EX | EXAT)) !== 0
  if (ms <= 0n || (seconds && ms > MAX_I64 / 1000n)) return invalidExpire(c, cmdName)
  if (seconds) ms *= 1000n
  if (flags & (EX | PX)) ms += BigInt(srv.now())
  // Redis's int64 addition wraps to a negative time here, which it reports the same way.
  if (ms > MAX_I64) return invalidExpire(c, cmdName)
  return Number(ms)
}

function invalidExpire(c: Client, cmdName: string): null {
  c.error(`ERR invalid expire time in '${cmdName}' command`)
  return null
}

function set(c: Client, argv: string[], srv: Server): void {
  if (argv.length === 3) {
    c.db.set(argv[1], storeString(argv[2]))
    srv.dirty++
    srv.notify('$', 'set', argv[1], c.db.id)
    c.ok()
    return
  }
  const o = parseOptions(c, argv, 3, true)
  if (o !== null) setGeneric(c, srv, argv, o.flags, argv[1], argv[2], o.expireAt, false)
}

function setnx(c: Client, argv: string[], srv: Server): void {
  setGeneric(c, srv, argv, NX, argv[1], argv[2], 0, true)
}

function setex(c: Client, argv: string[], srv: Server): void {
  setGeneric(c, srv, argv, EX, argv[1], argv[3], 2, false)
}

function psetex(c: Client, argv: string[], srv: Server): void {
  setGeneric(c, srv, argv, PX, argv[1], argv[3], 2, false)
}

/**
 * setGenericCommand. `intReply` selects SETNX's :1/:0 replies instead of +OK/null. expireAt is
 * the argv index of the TTL argument (0 for none).
 */
function setGeneric(
  c: Client,
  srv: Server,
  argv: string[],
  flags: number,
  key: string,
  val: string,
  expireAt: number,
  intReply: boolean,
): void {
  const db = c.db
  let when = 0
  if (expireAt !== 0) {
    const w = expireDeadline(c, argv[expireAt], flags, argv[0].toLowerCase(), srv)
    if (w === null) return
    when = w
  }
  if (flags & GET && !replyGet(c, key)) return
  const found = db.find(key) >= 0
  if ((flags & NX && found) || (flags & XX && !found)) {
    if (!(flags & GET)) {
      if (intReply) c.int(0)
      else c.nullBulk()
    }
    return
  }
  const slot = db.set(key, storeString(val), (flags & KEEPTTL) !== 0)
  srv.dirty++
  srv.notify('$', 'set', key, db.id)
  if (expireAt !== 0) {
    db.setExpire(slot, when)
    if (!(flags & PXAT)) c.propagateArgv = ['SET', key, val, 'PXAT', String(when)]
    srv.notify('g', 'expire', key, db.id)
  } else if (flags & GET) {
    c.propagateArgv = argv.filter((a, j) => j < 3 || a.toUpperCase() !== 'GET')
  }
  if (!(flags & GET)) {
    if (intReply) c.int(1)
    else c.ok()
  }
}

function getset(c: Client, argv: string[], srv: Server): void {
  if (!replyGet(c, argv[1])) return
  c.db.set(argv[1], storeString(argv[2]))
  srv.notify('$', 'set', argv[1], c.db.id)
  srv.dirty++
  c.propagateArgv = ['SET', argv[1], argv[2]]
}

function getdel(c: Client, argv: string[], srv: Server): void {
  const key = argv[1]
  if (!replyGet(c, key)) return
  if (c.db.delete(key)) {
    c.propagateArgv = [srv.config.getBool('lazyfree-lazy-user-del') ? 'UNLINK' : 'DEL', key]
    srv.notify('g', 'del', key, c.db.id)
    srv.dirty++
  }
}

function getex(c: Client, argv: string[], srv: Server): void {
  const o = parseOptions(c, argv, 2, false)
  if (o === null) return
  const db = c.db
  const key = argv[1]
  const v = db.lookupRead(key)
  if (v === undefined) {
    c.nullBulk()
    return
  }
  if (typeof v === 'object') {
    c.error(WRONGTYPE)
    return
  }
  let when = 0
  if (o.expireAt !== 0) {
    const w = expireDeadline(c, argv[o.expireAt], o.flags, 'getex', srv)
    if (w === null) return
    when = w
  }
  c.bulk(stringBytes(v))
  if (o.flags & (EXAT | PXAT) && when <= srv.now() && !srv.loading) {
    // An absolute time already in the past deletes the key now.
    db.delete(key)
    c.propagateArgv = [srv.config.getBool('lazyfree-lazy-expire') ? 'UNLINK' : 'DEL', key]
    srv.notify('g', 'del', key, db.id)
    srv.dirty++
  } else if (o.expireAt !== 0) {
    db.setExpire(db.find(key), when)
    db.modified(key)
    c.propagateArgv = ['PEXPIREAT', key, String(when)]
    srv.notify('g', 'expire', key, db.id)
    srv.dirty++
  } else if (o.flags & PERSIST) {
    if (db.persist(db.find(key))) {
      db.modified(key)
      c.propagateArgv = ['PERSIST', key]
      srv.notify('g', 'persist', key, db.id)
      srv.dirty++
    }
  }
}

// ---- Multi-key forms ----

function mget(c: Client, argv: string[]): void {
  const db = c.db
  c.arrayLen(argv.length - 1)
  for (let j = 1; j < argv.length; j++) {
    const v = db.lookupRead(argv[j])
    if (v === undefined || typeof v === 'object') c.nullBulk()
    else c.bulk(typeof v === 'number' ? String(v) : v)
  }
}

function msetGeneric(c: Client, argv: string[], srv: Server, nx: boolean): void {
  if (argv.length % 2 === 0) {
    c.error(`ERR wrong number of arguments for '${nx ? 'msetnx' : 'mset'}' command`)
    return
  }
  const db = c.db
  if (nx) {
    for (let j = 1; j < argv.length; j += 2) {
      if (db.find(argv[j]) >= 0) {
        c.int(0)
        return
      }
    }
  }
  for (let j = 1; j < argv.length; j += 2) {
    db.set(argv[j], storeString(argv[j + 1]))
    srv.notify('$', 'set', argv[j], db.id)
  }
  srv.dirty += (argv.length - 1) / 2
  if (nx) c.int(1)
  else c.ok()
}

function mset(c: Client, argv: string[], srv: Server): void {
  msetGeneric(c, argv, srv, false)
}

function msetnx(c: Client, argv: string[], srv: Server): void {
  msetGeneric(c, argv, srv, true)
}

// ---- Counters ----

/** incrDecrCommand: adds incr to the integer at key, exact over the whole int64 range. */
function incrDecr(c: Client, srv: Server, key: string, incr: number | bigint): void {
  const db = c.db
  const slot = db.lookupWriteSlot(key)
  const v = slot < 0 ? 0 : (db.dict.vals[slot] as Value)
  let next: number | bigint
  if (typeof v === 'number' && typeof incr === 'number' && Number.isSafeInteger(v + incr)) {
    next = v + incr
  } else {
    if (typeof v === 'object') {
      c.error(WRONGTYPE)
      return
    }
    const cur = typeof v === 'number' ? v : parseInt64(v)
    if (cur === null) {
      c.error(NOT_INT)
      return
    }
    const sum = BigInt(cur) + BigInt(incr)
    if (sum > MAX_I64 || sum < MIN_I64) {
      c.error('ERR increment or decrement would overflow')
      return
    }
    const n = Number(sum)
    next = Number.isSafeInteger(n) ? n : sum
  }
  // The int encoding: a JS number when exact, else the canonical text (still OBJECT ENCODING int).
  putString(db, key, slot, typeof next === 'number' ? next : next.toString(), 0)
  srv.notify('$', 'incrby', key, db.id)
  srv.dirty++
  c.int(next)
}

function incr(c: Client, argv: string[], srv: Server): void {
  incrDecr(c, srv, argv[1], 1)
}

function decr(c: Client, argv: string[], srv: Server): void {
  incrDecr(c, srv, argv[1], -1)
}

function incrby(c: Client, argv: string[], srv: Server): void {
  const n = parseInt64(argv[2])
  if (n === null) c.error(NOT_INT)
  else incrDecr(c, srv, argv[1], n)
}

function decrby(c: Client, argv: string[], srv: Server): void {
  const n = parseInt64(argv[2])
  if (n === null) c.error(NOT_INT)
  // -LLONG_MIN does not exist in int64.
  else if (n === MIN_I64) c.error('ERR decrement would overflow')
  else incrDecr(c, srv, argv[1], -n)
}

function incrbyfloat(c: Client, argv: string[], srv: Server): void {
  const db = c.db
  const key = argv[1]
  const slot = db.lookupWriteSlot(key)
  const v = slot < 0 ? undefined : db.dict.vals[slot]
  if (typeof v === 'object') {
    c.error(WRONGTYPE)
    return
  }
  const cur = v === undefined ? longDoubleFromInt(0) : typeof v === 'number' ? longDoubleFromInt(v) : parseLongDouble(v)
  const by = cur === null ? null : parseLongDouble(argv[2])
  if (cur === null || by === null) {
    c.error('ERR value is not a valid float')
    return
  }
  const sum = addLongDouble(cur, by)
  if (sum === null || sum.inf) {
    c.error('ERR increment would produce NaN or Infinity')
    return
  }
  const text = formatLongDoubleHuman(sum)
  putString(db, key, slot, text, FLAG_TEXT)
  srv.notify('$', 'incrbyfloat', key, db.id)
  srv.dirty++
  c.bulk(text)
  // Replicas and the AOF get the result itself, so float formatting can never make them drift.
  c.propagateArgv = ['SET', key, text, 'KEEPTTL']
}

// ---- Byte ranges ----

/**
 * The longest string a write may build: proto-max-bulk-len, capped by V8's own string limit (24
 * bytes under 512MB) so an oversized result is refused up front rather than failing mid-command.
 */
export function maxStringLength(srv: Server): number {
  return Math.min(srv.config.getInt('proto-max-bulk-len'), MAX_STRING_LENGTH)
}

/** checkStringLength: false (after replying) when a string would outgrow the limit. */
function checkStringLength(c: Client, srv: Server, size: number): boolean {
  if (size > maxStringLength(srv)) {
    c.error('ERR string exceeds maximum allowed size (proto-max-bulk-len)')
    return false
  }
  return true
}

/**
 * Stores a string value at key, whose slot came from lookupWriteSlot (-1: create the key). The TTL
 * is kept; `raw` marks a value grown in place (APPEND, SETRANGE, SETBIT), as Redis's sds strings.
 */
export function putString(db: Db, key: string, slot: number, val: string | number, flags: number): void {
  if (slot < 0) {
    slot = db.add(key, val)
  } else {
    db.replaceAt(slot, val)
    db.modified(key)
  }
  db.dict.flags[slot] = flags
}

function append(c: Client, argv: string[], srv: Server): void {
  const db = c.db
  const key = argv[1]
  const slot = db.lookupWriteSlot(key)
  const v = slot < 0 ? undefined : db.dict.vals[slot]
  let total: number
  if (v === undefined) {
    db.add(key, storeString(argv[2]))
    total = argv[2].length
  } else {
    if (typeof v === 'object') {
      c.error(WRONGTYPE)
      return
    }
    total = stringLength(v) + argv[2].length
    if (!checkStringLength(c, srv, total)) return
    putString(db, key, slot, stringBytes(v) + argv[2], FLAG_RAW)
  }
  srv.notify('$', 'append', key, db.id)
  srv.dirty++
  c.int(total)
}

function strlen(c: Client, argv: string[]): void {
  const v = c.db.lookupRead(argv[1])
  if (v === undefined) c.int(0)
  else if (typeof v === 'object') c.error(WRONGTYPE)
  else c.int(stringLength(v))
}

/** An int64 argument as a JS number (beyond 2^53 only its magnitude matters to the callers). */
export function parseRangeArg(c: Client, s: string): number | null {
  const v = parseInt64(s)
  if (v === null) {
    c.error(NOT_INT)
    return null
  }
  return Number(v)
}

function getrange(c: Client, argv: string[]): void {
  let start = parseRangeArg(c, argv[2])
  if (start === null) return
  let end = parseRangeArg(c, argv[3])
  if (end === null) return
  const v = c.db.lookupRead(argv[1])
  if (v === undefined) {
    c.bulk('')
    return
  }
  if (typeof v === 'object') {
    c.error(WRONGTYPE)
    return
  }
  const s = stringBytes(v)
  const len = s.length
  if (start < 0 && end < 0 && start > end) {
    c.bulk('')
    return
  }
  if (start < 0) start = Math.max(0, len + start)
  if (end < 0) end = Math.max(0, len + end)
  if (end >= len) end = len - 1
  if (start > end || len === 0) c.bulk('')
  else c.bulk(s.slice(start, end + 1))
}

function setrange(c: Client, argv: string[], srv: Server): void {
  const offset = parseRangeArg(c, argv[2])
  if (offset === null) return
  if (offset < 0) {
    c.error('ERR offset is out of range')
    return
  }
  const db = c.db
  const key = argv[1]
  const value = argv[3]
  const slot = db.lookupWriteSlot(key)
  const v = slot < 0 ? undefined : db.dict.vals[slot]
  let old = ''
  if (v === undefined) {
    if (value.length === 0) {
      c.int(0)
      return
    }
  } else {
    if (typeof v === 'object') {
      c.error(WRONGTYPE)
      return
    }
    old = stringBytes(v)
    if (value.length === 0) {
      c.int(old.length)
      return
    }
  }
  if (!checkStringLength(c, srv, offset + value.length)) return
  const bytes =
    offset >= old.length
      ? old + '\0'.repeat(offset - old.length) + value
      : old.slice(0, offset) + value + old.slice(offset + value.length)
  putString(db, key, slot, bytes, FLAG_RAW)
  srv.notify('$', 'setrange', key, db.id)
  srv.dirty++
  c.int(bytes.length)
}

// ---- LCS ----

/** The LCS length table, or null when it cannot be allocated (Redis's ztrymalloc failure). */
function lcsTable(a: string, b: string): Uint32Array | null {
  const cells = (a.length + 1) * (b.length + 1)
  let dp: Uint32Array
  try {
    dp = new Uint32Array(cells)
  } catch {
    return null
  }
  const w = b.length + 1
  for (let i = 1; i <= a.length; i++) {
    const ca = a.charCodeAt(i - 1)
    for (let j = 1; j <= b.length; j++) {
      const k = i * w + j
      if (ca === b.charCodeAt(j - 1)) dp[k] = dp[k - w - 1] + 1
      else dp[k] = Math.max(dp[k - w], dp[k - 1])
    }
  }
  return dp
}

function lcs(c: Client, argv: string[]): void {
  const va = c.db.lookupRead(argv[1])
  const vb = c.db.lookupRead(argv[2])
  if (typeof va === 'object' || typeof vb === 'object') {
    c.error('ERR The specified keys must contain string values')
    return
  }
  const a = va === undefined ? '' : stringBytes(va)
  const b = vb === undefined ? '' : stringBytes(vb)
  let getIdx = false
  let getLen = false
  let withMatchLen = false
  let minMatchLen = 0
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j].toUpperCase()
    if (opt === 'IDX') getIdx = true
    else if (opt === 'LEN') getLen = true
    else if (opt === 'WITHMATCHLEN') withMatchLen = true
    else if (opt === 'MINMATCHLEN' && j + 1 < argv.length) {
      const n = parseRangeArg(c, argv[++j])
      if (n === null) return
      minMatchLen = Math.max(0, n)
    } else {
      c.error(SYNTAX)
      return
    }
  }
  if (getIdx && getLen) {
    c.error('ERR If you want both the length and indexes, please just use IDX.')
    return
  }
  const dp = lcsTable(a, b)
  if (dp === null) {
    c.error('ERR Insufficient memory, failed allocating transient memory for LCS')
    return
  }
  const w = b.length + 1
  const total = dp[a.length * w + b.length]
  if (getLen) {
    c.int(total)
    return
  }
  // Walk back from the end, collecting the LCS bytes and (for IDX) the contiguous match ranges.
  const out = new Uint8Array(total)
  let idx = total
  let matches = 0
  if (getIdx) {
    c.mapLen(2)
    c.bulk('matches')
  }
  const saved = getIdx ? c.beginDeferred() : ''
  let aStart = -1
  let aEnd = 0
  let bStart = 0
  let bEnd = 0
  let i = a.length
  let j = b.length
  while (i > 0 && j > 0) {
    let emit = false
    if (a.charCodeAt(i - 1) === b.charCodeAt(j - 1)) {
      out[--idx] = a.charCodeAt(i - 1)
      if (aStart < 0) {
        aStart = aEnd = i - 1
        bStart = bEnd = j - 1
      } else if (aStart === i && bStart === j) {
        aStart--
        bStart--
      } else {
        emit = true
      }
      if (aStart === 0 || bStart === 0) emit = true
      i--
      j--
    } else {
      if (dp[(i - 1) * w + j] > dp[i * w + j - 1]) i--
      else j--
      if (aStart >= 0) emit = true
    }
    if (emit) {
      const matchLen = aEnd - aStart + 1
      if (getIdx && (minMatchLen === 0 || matchLen >= minMatchLen)) {
        c.arrayLen(withMatchLen ? 3 : 2)
        c.arrayLen(2)
        c.int(aStart)
        c.int(aEnd)
        c.arrayLen(2)
        c.int(bStart)
        c.int(bEnd)
        if (withMatchLen) c.int(matchLen)
        matches++
      }
      aStart = -1
    }
  }
  if (getIdx) {
    c.endDeferred(saved, 'array', matches)
    c.bulk('len')
    c.int(total)
  } else {
    c.bulk(Buffer.from(out.buffer, out.byteOffset, out.length).toString('latin1'))
  }
}

export const stringCommands: CommandDef[] = [
  { name: 'get', arity: 2, flags: ['readonly', 'fast'], keys: [1, 1, 1], group: G, handler: get },
  { name: 'set', arity: -3, flags: ['write', 'denyoom'], keys: [1, 1, 1], group: G, handler: set },
  { name: 'setnx', arity: 3, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], group: G, handler: setnx },
  { name: 'setex', arity: 4, flags: ['write', 'denyoom'], keys: [1, 1, 1], group: G, handler: setex, since: '2.0.0' },
  { name: 'psetex', arity: 4, flags: ['write', 'denyoom'], keys: [1, 1, 1], group: G, handler: psetex, since: '2.6.0' },
  { name: 'getset', arity: 3, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], group: G, handler: getset },
  { name: 'getdel', arity: 2, flags: ['write', 'fast'], keys: [1, 1, 1], group: G, handler: getdel, since: '6.2.0' },
  { name: 'getex', arity: -2, flags: ['write', 'fast'], keys: [1, 1, 1], group: G, handler: getex, since: '6.2.0' },
  { name: 'mget', arity: -2, flags: ['readonly', 'fast'], keys: [1, -1, 1], group: G, handler: mget },
  { name: 'mset', arity: -3, flags: ['write', 'denyoom'], keys: [1, -1, 2], group: G, handler: mset, since: '1.0.1' },
  {
    name: 'msetnx',
    arity: -3,
    flags: ['write', 'denyoom'],
    keys: [1, -1, 2],
    group: G,
    handler: msetnx,
    since: '1.0.1',
  },
  { name: 'incr', arity: 2, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], group: G, handler: incr },
  { name: 'decr', arity: 2, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], group: G, handler: decr },
  { name: 'incrby', arity: 3, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], group: G, handler: incrby },
  { name: 'decrby', arity: 3, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], group: G, handler: decrby },
  {
    name: 'incrbyfloat',
    arity: 3,
    flags: ['write', 'denyoom', 'fast'],
    keys: [1, 1, 1],
    group: G,
    handler: incrbyfloat,
    since: '2.6.0',
  },
  {
    name: 'append',
    arity: 3,
    flags: ['write', 'denyoom', 'fast'],
    keys: [1, 1, 1],
    group: G,
    handler: append,
    since: '2.0.0',
  },
  { name: 'strlen', arity: 2, flags: ['readonly', 'fast'], keys: [1, 1, 1], group: G, handler: strlen, since: '2.2.0' },
  { name: 'getrange', arity: 4, flags: ['readonly'], keys: [1, 1, 1], group: G, handler: getrange, since: '2.4.0' },
  { name: 'substr', arity: 4, flags: ['readonly'], keys: [1, 1, 1], group: G, handler: getrange },
  {
    name: 'setrange',
    arity: 4,
    flags: ['write', 'denyoom'],
    keys: [1, 1, 1],
    group: G,
    handler: setrange,
    since: '2.2.0',
  },
  { name: 'lcs', arity: -3, flags: ['readonly'], keys: [1, 2, 1], group: G, handler: lcs, since: '7.0.0' },
]
