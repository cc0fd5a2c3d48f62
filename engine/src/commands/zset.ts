// Sorted set commands (t_zset.c): ZADD/ZINCRBY with every flag, scores, ranks and counts, the ZRANGE
// family (rank, score and lex ranges, REV, LIMIT, WITHSCORES, STORE), range removals, pops,
// ZUNION/ZINTER/ZDIFF with weights and aggregation, ZRANDMEMBER and ZSCAN, and the blocking pops
// BZPOPMIN/BZPOPMAX/BZMPOP on top of the generic key blocking in server/blocking.ts.

import type { Client } from '../server/client.js'
import type { Server } from '../server/server.js'
import type { CommandDef } from './table.js'
import { ZSetValue, ZADD_GT, ZADD_INCR, ZADD_LT, ZADD_NX, ZADD_XX, type ZsetLimits } from '../types/zset.js'
import { SetValue } from '../types/set.js'
import {
  scoreGteMin,
  scoreLteMax,
  lexGteMin,
  lexLteMax,
  type LexBound,
  type LexRange,
  type ScoreRange,
} from '../types/skiplist.js'
import { WRONGTYPE, type Value } from '../types/value.js'
import { parseInt64 } from '../util/numbers.js'
import { parseDouble, strtod } from '../util/strtod.js'
import { scanCollection } from './scanargs.js'
import { blockingFor, canBlock, parseTimeout } from '../server/blocking.js'

const G = 'sorted_set'
const LONG_MAX = 9223372036854775807n
const NOT_FLOAT = 'ERR value is not a valid float'
const NOT_INT = 'ERR value is not an integer or out of range'
const NAN_ERR = 'ERR resulting score is not a number (NaN)'
const SYNTAX = 'ERR syntax error'
/** ZRANDMEMBER: below this ratio of count to size, sample instead of copying and trimming. */
const ZRANDMEMBER_SUB_STRATEGY_MUL = 3

function zsetLimits(srv: Server): ZsetLimits {
  return {
    maxEntries: srv.config.getInt('zset-max-listpack-entries'),
    maxValue: srv.config.getInt('zset-max-listpack-value'),
  }
}

function isZset(v: Value): v is ZSetValue {
  return v instanceof ZSetValue
}

/** The zset at key: the value, null when missing, undefined after a WRONGTYPE reply. */
function readZset(c: Client, key: string, write = false): ZSetValue | null | undefined {
  const v = write ? c.db.lookupWrite(key) : c.db.lookupRead(key)
  if (v === undefined) return null
  if (!isZset(v)) {
    c.error(WRONGTYPE)
    return undefined
  }
  return v
}

/** getLongFromObjectOrReply for a signed 64-bit argument (as a JS number). */
function parseLong(c: Client, s: string): number | null {
  const v = parseInt64(s)
  if (v === null) {
    c.error(NOT_INT)
    return null
  }
  return Number(v)
}

/** Entries, as RESP2 flat member/score lists or RESP3 [member, score] pairs when withscores. */
function replyEntries(c: Client, ms: string[], ss: number[] | null): void {
  const nested = ss !== null && c.resp === 3
  c.arrayLen(ss !== null && !nested ? ms.length * 2 : ms.length)
  for (let i = 0; i < ms.length; i++) {
    if (nested) c.arrayLen(2)
    c.bulk(ms[i])
    if (ss !== null) c.double(ss[i])
  }
}

/** Removes key when its zset became empty; the caller notifies `del` after its own event. */
function deleteIfEmpty(c: Client, key: string, z: ZSetValue): boolean {
  if (z.length > 0) return false
  c.db.delete(key)
  return true
}

// ---- Range specs ----

/** zslParseRange: '(' makes an end exclusive; the rest is strtod over the whole text, NaN refused. */
function parseScoreRange(min: string, max: string): ScoreRange | null {
  const a = parseBound(min)
  const b = parseBound(max)
  if (a === null || b === null) return null
  return { min: a.v, minex: a.ex, max: b.v, maxex: b.ex }
}

function parseBound(s: string): { v: number; ex: boolean } | null {
  const ex = s.charCodeAt(0) === 40 /* ( */
  const t = ex ? s.slice(1) : s
  const r = strtod(t)
  if (r.end !== t.length || Number.isNaN(r.value)) return null
  return { v: r.value, ex }
}

/** zslParseLexRangeItem: '(' exclusive, '[' inclusive, '-' and '+' the open ends. */
function parseLexBound(s: string): LexBound | null {
  switch (s[0]) {
    case '+':
      return s.length === 1 ? { inf: 1, value: '', ex: true } : null
    case '-':
      return s.length === 1 ? { inf: -1, value: '', ex: true } : null
    case '(':
      return { inf: 0, value: s.slice(1), ex: true }
    case '[':
      return { inf: 0, value: s.slice(1), ex: false }
    default:
      return null
  }
}

function parseLexRange(min: string, max: string): LexRange | null {
  const a = parseLexBound(min)
  const b = parseLexBound(max)
  return a === null || b === null ? null : { min: a, max: b }
}

// ---- ZADD / ZINCRBY ----

function zaddGeneric(c: Client, argv: string[], srv: Server, incrCmd: boolean): void {
  const key = argv[1]
  let flags = incrCmd ? ZADD_INCR : 0
  let ch = false
  let idx = 2
  for (; idx < argv.length; idx++) {
    const o = argv[idx].toLowerCase()
    if (o === 'nx') flags |= ZADD_NX
    else if (o === 'xx') flags |= ZADD_XX
    else if (o === 'ch') ch = true
    else if (o === 'incr') flags |= ZADD_INCR
    else if (o === 'gt') flags |= ZADD_GT
    else if (o === 'lt') flags |= ZADD_LT
    else break
  }
  const incr = (flags & ZADD_INCR) !== 0
  const nx = (flags & ZADD_NX) !== 0
  const gt = (flags & ZADD_GT) !== 0
  const lt = (flags & ZADD_LT) !== 0
  const rest = argv.length - idx
  if (rest % 2 !== 0 || rest === 0) {
    c.error(SYNTAX)
    return
  }
  const pairs = rest / 2
  if (nx && flags & ZADD_XX) {
    c.error('ERR XX and NX options at the same time are not compatible')
    return
  }
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    c.error('ERR GT, LT, and/or NX options at the same time are not compatible')
    return
  }
  if (incr && pairs > 1) {
    c.error('ERR INCR option supports a single increment-element pair')
    return
  }
  const scores = new Array<number>(pairs)
  for (let j = 0; j < pairs; j++) {
    const s = parseDouble(argv[idx + 2 * j])
    if (s === null) {
      c.error(NOT_FLOAT)
      return
    }
    scores[j] = s
  }
  let z = readZset(c, key, true)
  if (z === undefined) return
  let added = 0
  let updated = 0
  let processed = 0
  let score = 0
  if (z === null && !(flags & ZADD_XX)) {
    z = ZSetValue.create(zsetLimits(srv), argv[idx + 1].length)
    c.db.add(key, z)
  }
  if (z !== null) {
    const limits = zsetLimits(srv)
    for (let j = 0; j < pairs; j++) {
      const r = z.add(argv[idx + 2 * j + 1], scores[j], flags, limits)
      if (r.outcome === 'nan') {
        c.error(NAN_ERR)
        finishZadd(c, srv, key, incr, added + updated)
        return
      }
      if (r.outcome === 'added') added++
      else if (r.outcome === 'updated') updated++
      if (r.outcome !== 'nop') processed++
      score = r.score
    }
  }
  srv.dirty += added + updated
  if (incr) {
    if (processed > 0) c.double(score)
    else c.nullBulk()
  } else {
    c.int(ch ? added + updated : added)
  }
  finishZadd(c, srv, key, incr, added + updated)
}

function finishZadd(c: Client, srv: Server, key: string, incr: boolean, changed: number): void {
  if (changed === 0) return
  c.db.modified(key)
  srv.notify('z', incr ? 'zincr' : 'zadd', key, c.db.id)
}

// ---- Simple reads ----

function zcard(c: Client, argv: string[]): void {
  const z = readZset(c, argv[1])
  if (z !== undefined) c.int(z === null ? 0 : z.length)
}

function zscore(c: Client, argv: string[]): void {
  const z = readZset(c, argv[1])
  if (z === undefined) return
  const s = z === null ? undefined : z.score(argv[2])
  if (s === undefined) c.nullBulk()
  else c.double(s)
}

function zmscore(c: Client, argv: string[]): void {
  const z = readZset(c, argv[1])
  if (z === undefined) return
  c.arrayLen(argv.length - 2)
  for (let i = 2; i < argv.length; i++) {
    const s = z === null ? undefined : z.score(argv[i])
    if (s === undefined) c.nullBulk()
    else c.double(s)
  }
}

function zrankGeneric(reverse: boolean) {
  return (c: Client, argv: string[]): void => {
    const z = readZset(c, argv[1])
    if (z === undefined) return
    const r = z === null ? -1 : z.rank(argv[2])
    if (r < 0) c.nullBulk()
    else c.int(reverse ? (z as ZSetValue).length - 1 - r : r)
  }
}

function zcount(c: Client, argv: string[]): void {
  const r = parseScoreRange(argv[2], argv[3])
  if (r === null) {
    c.error('ERR min or max is not a float')
    return
  }
  const z = readZset(c, argv[1])
  if (z === undefined) return
  if (z === null) {
    c.int(0)
    return
  }
  const first = z.firstInScoreRange(r)
  c.int(first < 0 ? 0 : z.lastInScoreRange(r) - first + 1)
}

function zlexcount(c: Client, argv: string[]): void {
  const r = parseLexRange(argv[2], argv[3])
  if (r === null) {
    c.error('ERR min or max not valid string range item')
    return
  }
  const z = readZset(c, argv[1])
  if (z === undefined) return
  if (z === null) {
    c.int(0)
    return
  }
  const first = z.firstInLexRange(r)
  if (first < 0) c.int(0)
  // Redis counts a listpack forward from the first match and a skiplist by ranks; they differ
  // only when members are not in lex order (mixed scores).
  else if (z.encoding() === 'listpack') c.int(lexRunLength(z, first, r))
  else c.int(z.lastInLexRange(r) - first + 1)
}

/** Entries from rank `first` on that stay within the lex range's max. */
function lexRunLength(z: ZSetValue, first: number, r: LexRange): number {
  let n = 0
  z.walk(first, false, (m) => {
    if (!lexLteMax(m, r)) return false
    n++
  })
  return n
}

// ---- ZRANGE family ----

type RangeType = 'auto' | 'rank' | 'score' | 'lex'
type Direction = 'auto' | 'fwd' | 'rev'

/** Collected range output. */
interface Picked {
  ms: string[]
  ss: number[]
}

function pickByRank(z: ZSetValue, start: number, end: number, reverse: boolean): Picked {
  const out: Picked = { ms: [], ss: [] }
  const len = z.length
  if (start < 0) start = len + start
  if (end < 0) end = len + end
  if (start < 0) start = 0
  if (start > end || start >= len) return out
  if (end >= len) end = len - 1
  let n = end - start + 1
  z.walk(reverse ? len - 1 - start : start, reverse, (m, s) => {
    out.ms.push(m)
    out.ss.push(s)
    return --n > 0
  })
  return out
}

/** Walks from `first` skipping `offset` entries, then collects up to `limit` (negative: all) while inRange. */
function pickWhile(
  z: ZSetValue,
  first: number,
  reverse: boolean,
  offset: number,
  limit: number,
  inRange: (m: string, s: number) => boolean,
): Picked {
  const out: Picked = { ms: [], ss: [] }
  if (first < 0 || offset < 0 || limit === 0) return out
  const start = reverse ? first - offset : first + offset
  z.walk(start, reverse, (m, s) => {
    if (!inRange(m, s)) return false
    out.ms.push(m)
    out.ss.push(s)
    return limit < 0 || out.ms.length < limit
  })
  return out
}

function zrangeGeneric(
  c: Client,
  argv: string[],
  srv: Server,
  argStart: number,
  dst: string | null,
  rangeType: RangeType,
  direction: Direction,
): void {
  const key = argv[argStart]
  let minIdx = argStart + 1
  let maxIdx = argStart + 2
  let withscores = false
  let offset = 0
  let limit = -1
  for (let j = argStart + 3; j < argv.length; j++) {
    const o = argv[j].toLowerCase()
    const left = argv.length - j - 1
    if (dst === null && o === 'withscores') {
      withscores = true
    } else if (o === 'limit' && left >= 2) {
      const off = parseLong(c, argv[j + 1])
      if (off === null) return
      const lim = parseLong(c, argv[j + 2])
      if (lim === null) return
      offset = off
      limit = lim
      j += 2
    } else if (direction === 'auto' && o === 'rev') {
      direction = 'rev'
    } else if (rangeType === 'auto' && o === 'bylex') {
      rangeType = 'lex'
    } else if (rangeType === 'auto' && o === 'byscore') {
      rangeType = 'score'
    } else {
      c.error(SYNTAX)
      return
    }
  }
  const reverse = direction === 'rev'
  if (rangeType === 'auto') rangeType = 'rank'
  if (limit !== -1 && rangeType === 'rank') {
    c.error('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX')
    return
  }
  if (withscores && rangeType === 'lex') {
    c.error('ERR syntax error, WITHSCORES not supported in combination with BYLEX')
    return
  }
  if (reverse && rangeType !== 'rank') [minIdx, maxIdx] = [maxIdx, minIdx]
  let pick: (z: ZSetValue) => Picked
  if (rangeType === 'rank') {
    const start = parseLong(c, argv[minIdx])
    if (start === null) return
    const end = parseLong(c, argv[maxIdx])
    if (end === null) return
    pick = (z) => pickByRank(z, start, end, reverse)
  } else if (rangeType === 'score') {
    const r = parseScoreRange(argv[minIdx], argv[maxIdx])
    if (r === null) {
      c.error('ERR min or max is not a float')
      return
    }
    pick = (z) =>
      reverse
        ? pickWhile(z, z.lastInScoreRange(r), true, offset, limit, (_m, s) => scoreGteMin(s, r))
        : pickWhile(z, z.firstInScoreRange(r), false, offset, limit, (_m, s) => scoreLteMax(s, r))
  } else {
    const r = parseLexRange(argv[minIdx], argv[maxIdx])
    if (r === null) {
      c.error('ERR min or max not valid string range item')
      return
    }
    pick = (z) =>
      reverse
        ? pickWhile(z, z.lastInLexRange(r), true, offset, limit, (m) => lexGteMin(m, r))
        : pickWhile(z, z.firstInLexRange(r), false, offset, limit, (m) => lexLteMax(m, r))
  }
  const z = readZset(c, key)
  if (z === undefined) return
  const picked = z === null ? { ms: [], ss: [] } : pick(z)
  if (dst === null) {
    replyEntries(c, picked.ms, withscores ? picked.ss : null)
    return
  }
  storeEntries(c, srv, dst, picked, 'zrangestore')
}

/** Writes a computed zset to dst (deleting dst when empty) and replies its size. */
function storeEntries(c: Client, srv: Server, dst: string, p: Picked, event: string): void {
  const entries = p.ms.map((m, i) => [m, p.ss[i]] as const)
  const z = ZSetValue.fromEntries(entries, zsetLimits(srv))
  if (z !== null) {
    c.db.set(dst, z)
    srv.notify('z', event, dst, c.db.id)
    srv.dirty++
    c.int(z.length)
    return
  }
  c.int(0)
  if (c.db.delete(dst)) {
    srv.notify('g', 'del', dst, c.db.id)
    srv.dirty++
  }
}

function rangeCmd(argStart: number, rangeType: RangeType, direction: Direction, store = false) {
  return (c: Client, argv: string[], srv: Server): void =>
    zrangeGeneric(c, argv, srv, argStart, store ? argv[1] : null, rangeType, direction)
}

// ---- Removal ----

function zrem(c: Client, argv: string[], srv: Server): void {
  const key = argv[1]
  const z = readZset(c, key, true)
  if (z === undefined) return
  if (z === null) {
    c.int(0)
    return
  }
  let deleted = 0
  let keyRemoved = false
  for (let i = 2; i < argv.length; i++) {
    if (z.remove(argv[i])) deleted++
    if (z.length === 0) {
      keyRemoved = deleteIfEmpty(c, key, z)
      break
    }
  }
  if (deleted > 0) {
    srv.notify('z', 'zrem', key, c.db.id)
    if (keyRemoved) srv.notify('g', 'del', key, c.db.id)
    else c.db.modified(key)
    srv.dirty += deleted
  }
  c.int(deleted)
}

function zremrange(kind: 'rank' | 'score' | 'lex') {
  return (c: Client, argv: string[], srv: Server): void => {
    const key = argv[1]
    let bounds: (z: ZSetValue) => [number, number]
    if (kind === 'rank') {
      const start = parseLong(c, argv[2])
      if (start === null) return
      const end = parseLong(c, argv[3])
      if (end === null) return
      bounds = (z) => {
        const len = z.length
        let s = start < 0 ? len + start : start
        let e = end < 0 ? len + end : end
        if (s < 0) s = 0
        if (s > e || s >= len) return [-1, -1]
        if (e >= len) e = len - 1
        return [s, e]
      }
    } else if (kind === 'score') {
      const r = parseScoreRange(argv[2], argv[3])
      if (r === null) {
        c.error('ERR min or max is not a float')
        return
      }
      bounds = (z) => [z.firstInScoreRange(r), z.lastInScoreRange(r)]
    } else {
      const r = parseLexRange(argv[2], argv[3])
      if (r === null) {
        c.error('ERR min or max not valid string range item')
        return
      }
      // zzlDeleteRangeByLex / zslDeleteRangeByLex: forward from the first match while <= max.
      bounds = (z) => {
        const first = z.firstInLexRange(r)
        return [first, first < 0 ? -1 : first + lexRunLength(z, first, r) - 1]
      }
    }
    const z = readZset(c, key, true)
    if (z === undefined) return
    if (z === null) {
      c.int(0)
      return
    }
    const [s, e] = bounds(z)
    const deleted = s < 0 ? 0 : z.removeRanks(s, e)
    if (deleted > 0) {
      srv.notify('z', 'zremrangeby' + kind, key, c.db.id)
      if (deleteIfEmpty(c, key, z)) srv.notify('g', 'del', key, c.db.id)
      else c.db.modified(key)
    }
    srv.dirty += deleted
    c.int(deleted)
  }
}

// ---- Pops ----

interface PopShape {
  /** Reply the key first (BZPOP*, ZMPOP, BZMPOP). */
  emitKey: boolean
  /** [member, score] pairs (RESP3 counts, ZMPOP) rather than a flat list. */
  nested: boolean
  /** A null array rather than an empty one when nothing could be popped. */
  nilWhenEmpty: boolean
}

/**
 * genericZpopCommand: pops up to count entries from the first non-empty key among keys, replying
 * in the given shape. Returns the key popped from, null when none had entries, undefined after
 * a WRONGTYPE reply.
 */
function popGeneric(
  c: Client,
  srv: Server,
  keys: string[],
  max: boolean,
  count: number,
  shape: PopShape,
): string | null | undefined {
  let key: string | null = null
  let z: ZSetValue | null = null
  for (const k of keys) {
    const v = readZset(c, k, true)
    if (v === undefined) return undefined
    if (v !== null) {
      key = k
      z = v
      break
    }
  }
  if (z === null || key === null) {
    if (shape.nilWhenEmpty) c.nullArray()
    else c.arrayLen(0)
    return null
  }
  if (count === 0) {
    c.arrayLen(0)
    return null
  }
  const n = Math.min(count, z.length)
  const nested = shape.nested
  if (!shape.emitKey) {
    c.arrayLen(nested ? n : n * 2)
  } else if (!nested) {
    c.arrayLen(n * 2 + 1)
    c.bulk(key)
  } else {
    c.arrayLen(2)
    c.bulk(key)
    c.arrayLen(n)
  }
  const start = max ? z.length - n : 0
  let left = n
  z.walk(max ? z.length - 1 : 0, max, (m, s) => {
    if (nested) c.arrayLen(2)
    c.bulk(m)
    c.double(s)
    return --left > 0
  })
  z.removeRanks(start, start + n - 1)
  srv.notify('z', max ? 'zpopmax' : 'zpopmin', key, c.db.id)
  if (deleteIfEmpty(c, key, z)) srv.notify('g', 'del', key, c.db.id)
  else c.db.modified(key)
  srv.dirty += n
  return key
}

function zpop(max: boolean) {
  return (c: Client, argv: string[], srv: Server): void => {
    if (argv.length > 3) {
      c.error(SYNTAX)
      return
    }
    let count = -1
    if (argv.length === 3) {
      const n = parseInt64(argv[2])
      if (n === null) {
        c.error(NOT_INT)
        return
      }
      if (n < 0) {
        c.error('ERR value is out of range, must be positive')
        return
      }
      count = Number(n)
    }
    const nested = c.resp === 3 && count !== -1
    popGeneric(c, srv, [argv[1]], max, count === -1 ? 1 : count, { emitKey: false, nested, nilWhenEmpty: false })
  }
}

interface MpopArgs {
  keys: string[]
  max: boolean
  count: number
}

/** Parses `numkeys key... MIN|MAX [COUNT n]` from argv[idx]; null after an error reply. */
function parseMpopArgs(c: Client, argv: string[], idx: number): MpopArgs | null {
  const nk = parseInt64(argv[idx])
  if (nk === null || nk < 1) {
    c.error('ERR numkeys should be greater than 0')
    return null
  }
  const whereIdx = idx + Number(nk) + 1
  if (whereIdx >= argv.length) {
    c.error(SYNTAX)
    return null
  }
  const where = argv[whereIdx].toLowerCase()
  if (where !== 'min' && where !== 'max') {
    c.error(SYNTAX)
    return null
  }
  let count = -1
  for (let j = whereIdx + 1; j < argv.length; j++) {
    if (count === -1 && argv[j].toLowerCase() === 'count' && j + 1 < argv.length) {
      const n = parseInt64(argv[++j])
      if (n === null || n < 1) {
        c.error('ERR count should be greater than 0')
        return null
      }
      count = Number(n)
    } else {
      c.error(SYNTAX)
      return null
    }
  }
  return { keys: argv.slice(idx + 1, whereIdx), max: where === 'max', count: count === -1 ? 1 : count }
}

/** ZPOPMIN/ZPOPMAX key count: how a pop from a multi-key or blocking form is propagated. */
function popPropagation(key: string, max: boolean, count: number | null): string[] {
  const cmd = max ? 'ZPOPMAX' : 'ZPOPMIN'
  return count === null ? [cmd, key] : [cmd, key, String(count)]
}

function zmpop(c: Client, argv: string[], srv: Server): void {
  const a = parseMpopArgs(c, argv, 1)
  if (a === null) return
  const key = popGeneric(c, srv, a.keys, a.max, a.count, { emitKey: true, nested: true, nilWhenEmpty: true })
  if (key) c.propagateArgv = popPropagation(key, a.max, a.count)
}

// ---- Blocking pops ----

/**
 * blockingGenericZpopCommand: pops right away from the first non-empty key, else blocks until one
 * of the keys gets entries. `count` null is the single-element BZPOPMIN/BZPOPMAX form.
 */
function blockingPop(
  c: Client,
  srv: Server,
  keys: string[],
  max: boolean,
  count: number | null,
  deadline: number,
): void {
  const shape: PopShape = { emitKey: true, nested: count !== null, nilWhenEmpty: true }
  for (const k of keys) {
    const z = readZset(c, k, true)
    if (z === undefined) return
    if (z === null) continue
    popGeneric(c, srv, [k], max, count ?? 1, shape)
    c.propagateArgv = popPropagation(k, max, count)
    return
  }
  if (!canBlock(c)) {
    c.nullArray()
    return
  }
  blockingFor(srv).block(c, {
    keys,
    deadline,
    serve(cl, key) {
      const v = cl.db.peek(key)
      if (v === undefined || !isZset(v) || v.length === 0) return false
      popGeneric(cl, srv, [key], max, count ?? 1, shape)
      srv.propagate(cl.db.id, popPropagation(key, max, count))
      return true
    },
  })
}

function bzpop(max: boolean) {
  return (c: Client, argv: string[], srv: Server): void => {
    const deadline = parseTimeout(c, argv[argv.length - 1], srv)
    if (deadline === null) return
    blockingPop(c, srv, argv.slice(1, -1), max, null, deadline)
  }
}

function bzmpop(c: Client, argv: string[], srv: Server): void {
  const a = parseMpopArgs(c, argv, 2)
  if (a === null) return
  const deadline = parseTimeout(c, argv[1], srv)
  if (deadline === null) return
  blockingPop(c, srv, a.keys, a.max, a.count, deadline)
}

// ---- ZUNION / ZINTER / ZDIFF ----

type Aggregate = 'sum' | 'min' | 'max'
type SetOp = 'union' | 'inter' | 'diff'

/** A source of a set operation: a zset, a plain set (every score 1), or nothing. */
interface Source {
  value: ZSetValue | SetValue | null
  weight: number
}

function srcLength(s: Source): number {
  return s.value === null ? 0 : s.value.length
}

function srcScore(s: Source, m: string): number | undefined {
  if (s.value === null) return undefined
  if (s.value instanceof SetValue) return s.value.has(m) ? 1 : undefined
  return s.value.score(m)
}

function* srcEntries(s: Source): IterableIterator<[string, number]> {
  if (s.value === null) return
  if (s.value instanceof SetValue) {
    for (const m of s.value.members()) yield [m, 1]
  } else {
    yield* s.value.entries()
  }
}

function aggregate(target: number, val: number, agg: Aggregate): number {
  if (agg === 'sum') {
    const r = target + val
    // inf + -inf is NaN; Redis keeps 0 by convention.
    return Number.isNaN(r) ? 0 : r
  }
  if (agg === 'min') return val < target ? val : target
  return val > target ? val : target
}

function weighted(weight: number, score: number): number {
  const r = weight * score
  return Number.isNaN(r) ? 0 : r
}

function computeSetOp(srcs: Source[], op: SetOp, agg: Aggregate, limit: number): Map<string, number> {
  const out = new Map<string, number>()
  if (op === 'diff') {
    const [first, ...rest] = srcs
    for (const [m, s] of srcEntries(first)) {
      if (!rest.some((o) => srcScore(o, m) !== undefined)) out.set(m, s)
    }
    return out
  }
  const sorted = srcs.slice().sort((a, b) => srcLength(a) - srcLength(b))
  if (op === 'inter') {
    if (srcLength(sorted[0]) === 0) return out
    const [first, ...rest] = sorted
    for (const [m, s0] of srcEntries(first)) {
      let score = weighted(first.weight, s0)
      let inAll = true
      for (const o of rest) {
        const s = srcScore(o, m)
        if (s === undefined) {
          inAll = false
          break
        }
        score = aggregate(score, weighted(o.weight, s), agg)
      }
      if (inAll) {
        out.set(m, score)
        if (limit > 0 && out.size >= limit) break
      }
    }
    return out
  }
  for (const src of sorted) {
    for (const [m, s] of srcEntries(src)) {
      const score = weighted(src.weight, s)
      const cur = out.get(m)
      out.set(m, cur === undefined ? score : aggregate(cur, score, agg))
    }
  }
  return out
}

function setOpGeneric(op: SetOp, dstMode: 'store' | 'reply' | 'card') {
  return (c: Client, argv: string[], srv: Server): void => {
    const numIdx = dstMode === 'store' ? 2 : 1
    const n = parseLong(c, argv[numIdx])
    if (n === null) return
    if (n < 1) {
      c.error(`ERR at least 1 input key is needed for '${(c.cmd?.name ?? argv[0]).toLowerCase()}' command`)
      return
    }
    if (n > argv.length - numIdx - 1) {
      c.error(SYNTAX)
      return
    }
    const srcs: Source[] = []
    let j = numIdx + 1
    for (let i = 0; i < n; i++, j++) {
      const v = c.db.lookupRead(argv[j])
      if (v !== undefined && !isZset(v) && !(v instanceof SetValue)) {
        c.error(WRONGTYPE)
        return
      }
      srcs.push({ value: v === undefined ? null : (v as ZSetValue | SetValue), weight: 1 })
    }
    let agg: Aggregate = 'sum'
    let withscores = false
    let limit = 0
    const card = dstMode === 'card'
    while (j < argv.length) {
      const o = argv[j].toLowerCase()
      const remaining = argv.length - j
      if (op !== 'diff' && !card && remaining >= n + 1 && o === 'weights') {
        j++
        for (let i = 0; i < n; i++, j++) {
          const w = parseDouble(argv[j])
          if (w === null) {
            c.error('ERR weight value is not a float')
            return
          }
          srcs[i].weight = w
        }
      } else if (op !== 'diff' && !card && remaining >= 2 && o === 'aggregate') {
        const a = argv[j + 1].toLowerCase()
        if (a !== 'sum' && a !== 'min' && a !== 'max') {
          c.error(SYNTAX)
          return
        }
        agg = a
        j += 2
      } else if (dstMode === 'reply' && o === 'withscores') {
        withscores = true
        j++
      } else if (card && remaining >= 2 && o === 'limit') {
        const l = parseInt64(argv[j + 1])
        if (l === null || l < 0) {
          c.error("ERR LIMIT can't be negative")
          return
        }
        limit = Number(l)
        j += 2
      } else {
        c.error(SYNTAX)
        return
      }
    }
    const result = computeSetOp(srcs, op, agg, card ? limit : 0)
    if (card) {
      c.int(result.size)
      return
    }
    const entries = [...result].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    const picked: Picked = { ms: entries.map((e) => e[0]), ss: entries.map((e) => e[1]) }
    if (dstMode === 'store') storeEntries(c, srv, argv[1], picked, `z${op}store`)
    else replyEntries(c, picked.ms, withscores ? picked.ss : null)
  }
}

// ---- ZRANDMEMBER / ZSCAN ----

function zrandmember(c: Client, argv: string[]): void {
  if (argv.length === 2) {
    const z = readZset(c, argv[1])
    if (z === undefined) return
    if (z === null) c.nullBulk()
    else c.bulk(z.memberAt(z.randomRank()))
    return
  }
  const l = parseInt64(argv[2])
  if (l === null) {
    c.error(NOT_INT)
    return
  }
  const big = BigInt(l)
  if (big < -LONG_MAX) {
    c.error('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807')
    return
  }
  if (argv.length > 4 || (argv.length === 4 && argv[3].toLowerCase() !== 'withscores')) {
    c.error(SYNTAX)
    return
  }
  const withscores = argv.length === 4
  if (withscores && (big < -LONG_MAX / 2n || big > LONG_MAX / 2n)) {
    c.error('ERR value is out of range')
    return
  }
  const z = readZset(c, argv[1])
  if (z === undefined) return
  if (z === null || l === 0) {
    c.arrayLen(0)
    return
  }
  const size = z.length
  const count = Number(big < 0n ? -big : big)
  let ranks: number[]
  if (l < 0 || count === 1) {
    ranks = Array.from({ length: count }, () => z.randomRank())
  } else if (count >= size) {
    // The whole set, in the tail-first order of Redis's zset iterator.
    ranks = Array.from({ length: size }, (_, i) => size - 1 - i)
  } else if (count * ZRANDMEMBER_SUB_STRATEGY_MUL > size) {
    const all = Array.from({ length: size }, (_, i) => i)
    for (let i = size - 1; i >= count; i--) all[Math.floor(Math.random() * (i + 1))] = all[i]
    all.length = count
    ranks = all
  } else {
    const picked = new Set<number>()
    while (picked.size < count) picked.add(z.randomRank())
    ranks = [...picked]
  }
  replyEntries(
    c,
    ranks.map((r) => z.memberAt(r)),
    withscores ? ranks.map((r) => z.scoreAt(r)) : null,
  )
}

function zscan(c: Client, argv: string[]): void {
  scanCollection(c, argv, readZset, (z, cursor, count, emit) => z.scan(cursor, count, emit))
}

const W = ['write', 'denyoom', 'fast'] as const
const RO = ['readonly'] as const
const RO_FAST = ['readonly', 'fast'] as const
const K1 = [1, 1, 1] as const

export const zsetCommands: CommandDef[] = [
  { name: 'zadd', arity: -4, flags: W, keys: K1, group: G, handler: (c, a, s) => zaddGeneric(c, a, s, false) },
  { name: 'zincrby', arity: 4, flags: W, keys: K1, group: G, handler: (c, a, s) => zaddGeneric(c, a, s, true) },
  { name: 'zrem', arity: -3, flags: ['write', 'fast'], keys: K1, group: G, handler: zrem },
  { name: 'zcard', arity: 2, flags: RO_FAST, keys: K1, group: G, handler: zcard },
  { name: 'zscore', arity: 3, flags: RO_FAST, keys: K1, group: G, handler: zscore },
  { name: 'zmscore', arity: -3, flags: RO_FAST, keys: K1, group: G, handler: zmscore },
  { name: 'zrank', arity: 3, flags: RO_FAST, keys: K1, group: G, handler: zrankGeneric(false) },
  { name: 'zrevrank', arity: 3, flags: RO_FAST, keys: K1, group: G, handler: zrankGeneric(true) },
  { name: 'zcount', arity: 4, flags: RO_FAST, keys: K1, group: G, handler: zcount },
  { name: 'zlexcount', arity: 4, flags: RO_FAST, keys: K1, group: G, handler: zlexcount },
  { name: 'zrange', arity: -4, flags: RO, keys: K1, group: G, handler: rangeCmd(1, 'auto', 'auto') },
  {
    name: 'zrangestore',
    arity: -5,
    flags: ['write', 'denyoom'],
    keys: [1, 2, 1],
    group: G,
    handler: rangeCmd(2, 'auto', 'auto', true),
  },
  { name: 'zrevrange', arity: -4, flags: RO, keys: K1, group: G, handler: rangeCmd(1, 'rank', 'rev') },
  { name: 'zrangebyscore', arity: -4, flags: RO, keys: K1, group: G, handler: rangeCmd(1, 'score', 'fwd') },
  { name: 'zrevrangebyscore', arity: -4, flags: RO, keys: K1, group: G, handler: rangeCmd(1, 'score', 'rev') },
  { name: 'zrangebylex', arity: -4, flags: RO, keys: K1, group: G, handler: rangeCmd(1, 'lex', 'fwd') },
  { name: 'zrevrangebylex', arity: -4, flags: RO, keys: K1, group: G, handler: rangeCmd(1, 'lex', 'rev') },
  { name: 'zremrangebyrank', arity: 4, flags: ['write'], keys: K1, group: G, handler: zremrange('rank') },
  { name: 'zremrangebyscore', arity: 4, flags: ['write'], keys: K1, group: G, handler: zremrange('score') },
  { name: 'zremrangebylex', arity: 4, flags: ['write'], keys: K1, group: G, handler: zremrange('lex') },
  { name: 'zpopmin', arity: -2, flags: ['write', 'fast'], keys: K1, group: G, handler: zpop(false) },
  { name: 'zpopmax', arity: -2, flags: ['write', 'fast'], keys: K1, group: G, handler: zpop(true) },
  { name: 'zmpop', arity: -4, flags: ['write'], group: G, handler: zmpop },
  {
    name: 'bzpopmin',
    arity: -3,
    flags: ['write', 'noscript', 'blocking', 'fast'],
    keys: [1, -2, 1],
    group: G,
    handler: bzpop(false),
  },
  {
    name: 'bzpopmax',
    arity: -3,
    flags: ['write', 'noscript', 'blocking', 'fast'],
    keys: [1, -2, 1],
    group: G,
    handler: bzpop(true),
  },
  { name: 'bzmpop', arity: -5, flags: ['write', 'blocking'], group: G, handler: bzmpop },
  { name: 'zunion', arity: -3, flags: RO, group: G, handler: setOpGeneric('union', 'reply') },
  { name: 'zinter', arity: -3, flags: RO, group: G, handler: setOpGeneric('inter', 'reply') },
  { name: 'zdiff', arity: -3, flags: RO, group: G, handler: setOpGeneric('diff', 'reply') },
  {
    name: 'zunionstore',
    arity: -4,
    flags: ['write', 'denyoom'],
    keys: K1,
    group: G,
    handler: setOpGeneric('union', 'store'),
  },
  {
    name: 'zinterstore',
    arity: -4,
    flags: ['write', 'denyoom'],
    keys: K1,
    group: G,
    handler: setOpGeneric('inter', 'store'),
  },
  {
    name: 'zdiffstore',
    arity: -4,
    flags: ['write', 'denyoom'],
    keys: K1,
    group: G,
    handler: setOpGeneric('diff', 'store'),
  },
  { name: 'zintercard', arity: -3, flags: RO, group: G, handler: setOpGeneric('inter', 'card') },
  { name: 'zrandmember', arity: -2, flags: RO, keys: K1, group: G, handler: zrandmember },
  { name: 'zscan', arity: -3, flags: RO, keys: K1, group: G, handler: zscan },
]
