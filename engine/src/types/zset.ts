// The sorted set type (t_zset.c's storage side). A listpack of (member, score) pairs sorted by score
// then member bytes while the set is small (count <= zset-max-listpack-entries, members <=
// zset-max-listpack-value bytes), else a skip list for order and rank plus a hashtable from member
// to its node. Every query is expressed in 0-based ascending ranks so the commands need not know
// the encoding. Conversion to skiplist is one-way while the key lives.

import { formatDouble, writeExactDecimal } from '../util/numbers.js'
import { HashTable } from './hashtable.js'
import { LP_EMPTY_BYTES, LP_SAFETY_SIZE, lpDecode, lpEncodeTempWith, lpEntrySize } from './listpack.js'
import {
  SkipList,
  lexGteMin,
  lexLteMax,
  lexRangeEmpty,
  scoreGteMin,
  scoreLteMax,
  scoreRangeEmpty,
  cmpMember,
  type LexRange,
  type ScoreRange,
  type SkipNode,
} from './skiplist.js'
import type { CollectionValue } from './value.js'
import { WORD, arrayBytes, exactArrayBytes, objectBytes, strBytes } from './heapsize.js'

export interface ZsetLimits {
  maxEntries: number
  maxValue: number
}

/** zsetAdd input flags. */
export const ZADD_INCR = 1
export const ZADD_NX = 2
export const ZADD_XX = 4
export const ZADD_GT = 8
export const ZADD_LT = 16

/** zsetAdd outcomes. */
export type ZaddOutcome = 'added' | 'updated' | 'unchanged' | 'nop' | 'nan'

/** A ZSetValue object in JS heap bytes. */
const ZSET_BYTES = objectBytes(7)
/** A SkipList object with its header node (32 levels) and scratch arrays. */
const SKIPLIST_BYTES = objectBytes(6) + objectBytes(5) + 4 * exactArrayBytes(32)
/** Per skiplist node: the object, a boxed score, forward and span arrays at the mean 4/3 levels. */
const SKIPNODE_BYTES = objectBytes(5) + 16 + 2 * exactArrayBytes(0) + Math.round((2 * WORD * 4) / 3)

/** Scratch for a score's text written without a string (serializedListpack). */
const scoreDigits = new Uint8Array(48)

/** double2ll's range: integral scores within ±LLONG_MAX/2 are stored as listpack integers. */
const LP_INT_SCORE_MAX = 4611686018427387904

function isLpIntScore(score: number): boolean {
  return Number.isInteger(score) && score >= -LP_INT_SCORE_MAX && score <= LP_INT_SCORE_MAX
}

/** The score as zzlInsertAt stores it: integral ones become integers, so -0 reads back as 0. */
function lpScore(score: number): number {
  return isLpIntScore(score) ? score + 0 : score
}

/** The listpack entry text of a stored score: exact integer digits, else %.17g. */
export function lpScoreText(score: number): string {
  if (Number.isSafeInteger(score)) return String(score)
  return isLpIntScore(score) ? BigInt(score).toString() : formatDouble(score)
}

/** Bytes a (member, score) pair takes in a listpack. */
function pairBytes(member: string, score: number): number {
  return lpEntrySize(member) + lpEntrySize(lpScoreText(score))
}

export class ZSetValue implements CollectionValue {
  readonly type = 'zset' as const
  // Listpack encoding: parallel arrays in (score, member) order, and the listpack's byte size.
  private lpMembers: string[] | null = []
  private lpScores: number[] | null = []
  private lpBytes = LP_EMPTY_BYTES
  /** A loaded listpack still held as its validated bytes (see Listpack.fromBlob), and its pairs. */
  private raw: Buffer | null = null
  private rawPairs = 0
  // Skiplist encoding.
  private zsl: SkipList | null = null
  private dict: HashTable<SkipNode> | null = null
  /** Running sum of the members' JS string sizes while listpack-encoded (the dict sums them after). */
  private memberHeap = 0

  /** A new empty zset encoded as Redis creates one for a first member of this length. */
  static create(limits: ZsetLimits, firstMemberLen: number): ZSetValue {
    const z = new ZSetValue()
    if (limits.maxEntries === 0 || firstMemberLen > limits.maxValue) z.convertToSkiplist()
    return z
  }

  /**
   * A zset holding these unique members, encoded by its final shape (zsetConvertToListpackIfNeeded):
   * the store commands and the RDB loader's skiplist form use this. Null when empty.
   */
  static fromEntries(entries: Iterable<readonly [string, number]>, limits: ZsetLimits): ZSetValue | null {
    const z = new ZSetValue()
    z.convertToSkiplist()
    let maxLen = 0
    let total = 0
    for (const [m, s] of entries) {
      z.insertSkiplist(m, s)
      if (m.length > maxLen) maxLen = m.length
      total += m.length
    }
    if (z.length === 0) return null
    if (z.length <= limits.maxEntries && maxLen <= limits.maxValue && total < LP_SAFETY_SIZE) z.convertToListpack()
    return z
  }

  /**
   * A zset that adopts a loaded listpack's members and scores (already in order) and its byte size,
   * as RDB type 17 stores them; converted when it holds more than maxEntries, as rdbLoadObject does.
   */
  static fromListpack(members: string[], scores: number[], bytes: number, maxEntries: number): ZSetValue {
    const z = new ZSetValue()
    z.members = members
    z.scores = scores
    z.lpBytes = bytes
    for (const m of members) z.memberHeap += strBytes(m)
    if (members.length > maxEntries) z.convertToSkiplist()
    return z
  }

  /**
   * A listpack zset kept as the bytes it was loaded as until first used: `pairs` members whose
   * strings will take memberHeap bytes, every score valid and every member unique (the loader
   * checked). The pairs are put in order when decoded, should the file not have them sorted.
   */
  static fromBlob(buf: Buffer, pairs: number, memberHeap: number): ZSetValue {
    const z = new ZSetValue()
    z.raw = buf
    z.rawPairs = pairs
    z.lpBytes = buf.length
    z.memberHeap = memberHeap
    return z
  }

  private get members(): string[] | null {
    if (this.raw !== null) this.inflate()
    return this.lpMembers
  }

  private set members(v: string[] | null) {
    this.lpMembers = v
  }

  private get scores(): number[] | null {
    if (this.raw !== null) this.inflate()
    return this.lpScores
  }

  private set scores(v: number[] | null) {
    this.lpScores = v
  }

  private inflate(): void {
    const flat = lpDecode(this.raw as Buffer)
    this.raw = null
    const n = flat.length / 2
    let ms = new Array<string>(n)
    let ss = new Array<number>(n)
    for (let i = 0; i < n; i++) {
      ms[i] = flat[2 * i]
      ss[i] = lpScore(parseScore(flat[2 * i + 1]) as number)
    }
    if (!isSorted(ms, ss)) {
      const order = ms.map((_, i) => i).sort((a, b) => ss[a] - ss[b] || cmpMember(ms[a], ms[b]))
      ms = order.map((i) => ms[i])
      ss = order.map((i) => ss[i])
    }
    let bytes = LP_EMPTY_BYTES
    for (let i = 0; i < n; i++) bytes += pairBytes(ms[i], ss[i])
    this.lpMembers = ms
    this.lpScores = ss
    this.lpBytes = bytes
  }

  encoding(): string {
    return this.zsl === null ? 'listpack' : 'skiplist'
  }

  get length(): number {
    if (this.raw !== null) return this.rawPairs
    return this.zsl === null ? (this.members as string[]).length : this.zsl.length
  }

  /**
   * The listpack bytes (member, score, ...) while listpack-encoded, for the RDB writer, else null:
   * the loaded blob as it came, or the pairs written into a scratch buffer valid until the next
   * call. Integral scores go in as integers without a string, so a snapshot allocates little.
   */
  serializedListpack(): Buffer | null {
    if (this.zsl !== null) return null
    if (this.raw !== null) return this.raw
    const ms = this.members as string[]
    const ss = this.scores as number[]
    return lpEncodeTempWith(this.lpBytes, ms.length * 2, (w) => {
      for (let i = 0; i < ms.length; i++) {
        w.entry(ms[i])
        if (Number.isSafeInteger(ss[i])) {
          w.int(ss[i])
        } else {
          const n = writeExactDecimal(ss, i, scoreDigits)
          if (n >= 0) w.bytes(scoreDigits, n)
          else w.entry(lpScoreText(ss[i]))
        }
      }
    })
  }

  score(m: string): number | undefined {
    if (this.zsl === null) {
      const i = (this.members as string[]).indexOf(m)
      return i < 0 ? undefined : (this.scores as number[])[i]
    }
    return (this.dict as HashTable<SkipNode>).get(m)?.score
  }

  /** 0-based ascending rank of m, -1 when absent. */
  rank(m: string): number {
    if (this.zsl === null) return (this.members as string[]).indexOf(m)
    const node = (this.dict as HashTable<SkipNode>).get(m)
    return node === undefined ? -1 : this.zsl.getRank(node.score, m) - 1
  }

  memberAt(rank: number): string {
    if (this.zsl === null) return (this.members as string[])[rank]
    return (this.zsl.byRank(rank + 1) as SkipNode).member
  }

  scoreAt(rank: number): number {
    if (this.zsl === null) return (this.scores as number[])[rank]
    return (this.zsl.byRank(rank + 1) as SkipNode).score
  }

  /**
   * Visits entries from an ascending rank, forwards or backwards, until fn returns false or the
   * set ends.
   */
  walk(rank: number, reverse: boolean, fn: (member: string, score: number) => boolean | void): void {
    if (rank < 0 || rank >= this.length) return
    if (this.zsl === null) {
      const ms = this.members as string[]
      const ss = this.scores as number[]
      const step = reverse ? -1 : 1
      for (let i = rank; i >= 0 && i < ms.length; i += step) if (fn(ms[i], ss[i]) === false) return
      return
    }
    let node = this.zsl.byRank(rank + 1)
    while (node !== null) {
      if (fn(node.member, node.score) === false) return
      node = reverse ? node.backward : node.forward[0]
    }
  }

  *entries(): IterableIterator<[string, number]> {
    if (this.zsl === null) {
      const ms = this.members as string[]
      const ss = this.scores as number[]
      for (let i = 0; i < ms.length; i++) yield [ms[i], ss[i]]
      return
    }
    for (let n = this.zsl.first; n !== null; n = n.forward[0]) yield [n.member, n.score]
  }

  /** Rank of the first entry in r, -1 when none. */
  firstInScoreRange(r: ScoreRange): number {
    if (this.zsl === null) {
      if (scoreRangeEmpty(r)) return -1
      const ss = this.scores as number[]
      const i = lowerBound(ss.length, (k) => scoreGteMin(ss[k], r))
      return i < ss.length && scoreLteMax(ss[i], r) ? i : -1
    }
    const n = this.zsl.firstInRange(r)
    return n === null ? -1 : this.zsl.getRank(n.score, n.member) - 1
  }

  /** Rank of the last entry in r, -1 when none. */
  lastInScoreRange(r: ScoreRange): number {
    if (this.zsl === null) {
      if (scoreRangeEmpty(r)) return -1
      const ss = this.scores as number[]
      const i = lowerBound(ss.length, (k) => !scoreLteMax(ss[k], r)) - 1
      return i >= 0 && scoreGteMin(ss[i], r) ? i : -1
    }
    const n = this.zsl.lastInRange(r)
    return n === null ? -1 : this.zsl.getRank(n.score, n.member) - 1
  }

  firstInLexRange(r: LexRange): number {
    if (this.zsl === null) {
      if (lexRangeEmpty(r)) return -1
      // A linear scan like zzlFirstInLexRange, so sets with mixed scores answer as in Redis.
      const ms = this.members as string[]
      let i = 0
      while (i < ms.length && !lexGteMin(ms[i], r)) i++
      return i < ms.length && lexLteMax(ms[i], r) ? i : -1
    }
    const n = this.zsl.firstInLexRange(r)
    return n === null ? -1 : this.zsl.getRank(n.score, n.member) - 1
  }

  lastInLexRange(r: LexRange): number {
    if (this.zsl === null) {
      if (lexRangeEmpty(r)) return -1
      const ms = this.members as string[]
      let i = ms.length - 1
      while (i >= 0 && !lexLteMax(ms[i], r)) i--
      return i >= 0 && lexGteMin(ms[i], r) ? i : -1
    }
    const n = this.zsl.lastInLexRange(r)
    return n === null ? -1 : this.zsl.getRank(n.score, n.member) - 1
  }

  /**
   * zsetAdd: adds or updates member under the NX/XX/GT/LT/INCR flags. `score` is the increment
   * with ZADD_INCR. Returns the outcome and the member's score afterwards (for INCR replies).
   */
  add(member: string, score: number, flags: number, limits: ZsetLimits): { outcome: ZaddOutcome; score: number } {
    if (Number.isNaN(score)) return { outcome: 'nan', score }
    const cur = this.score(member)
    if (cur !== undefined) {
      if (flags & ZADD_NX) return { outcome: 'nop', score: cur }
      if (flags & ZADD_INCR) {
        score += cur
        if (Number.isNaN(score)) return { outcome: 'nan', score }
      }
      if ((flags & ZADD_LT && score >= cur) || (flags & ZADD_GT && score <= cur)) return { outcome: 'nop', score: cur }
      if (score === cur) return { outcome: 'unchanged', score }
      this.updateScore(member, cur, score)
      return { outcome: 'updated', score }
    }
    if (flags & ZADD_XX) return { outcome: 'nop', score }
    if (
      this.zsl === null &&
      ((this.members as string[]).length + 1 > limits.maxEntries ||
        member.length > limits.maxValue ||
        this.lpBytes + member.length > LP_SAFETY_SIZE)
    ) {
      this.convertToSkiplist()
    }
    this.insert(member, score)
    return { outcome: 'added', score }
  }

  /** Inserts a member known to be absent (no conversion checks). */
  insert(member: string, score: number): void {
    if (this.zsl !== null) {
      this.insertSkiplist(member, score)
      return
    }
    const ms = this.members as string[]
    const ss = this.scores as number[]
    score = lpScore(score)
    const i = lowerBound(ms.length, (k) => ss[k] > score || (ss[k] === score && ms[k] > member))
    if (i === ms.length) {
      ms.push(member)
      ss.push(score)
    } else {
      ms.splice(i, 0, member)
      ss.splice(i, 0, score)
    }
    this.lpBytes += pairBytes(member, score)
    this.memberHeap += strBytes(member)
  }

  remove(member: string): boolean {
    if (this.zsl === null) {
      const i = (this.members as string[]).indexOf(member)
      if (i < 0) return false
      this.removeRanks(i, i)
      return true
    }
    const dict = this.dict as HashTable<SkipNode>
    const node = dict.get(member)
    if (node === undefined) return false
    this.zsl.delete(node.score, member)
    dict.delete(member)
    return true
  }

  /** Removes the entries with ascending ranks start..end (inclusive, in range); returns the count. */
  removeRanks(start: number, end: number): number {
    if (this.zsl === null) {
      const ms = this.members as string[]
      const ss = this.scores as number[]
      for (let i = start; i <= end; i++) {
        this.lpBytes -= pairBytes(ms[i], ss[i])
        this.memberHeap -= strBytes(ms[i])
      }
      ms.splice(start, end - start + 1)
      ss.splice(start, end - start + 1)
      return end - start + 1
    }
    const dict = this.dict as HashTable<SkipNode>
    return this.zsl.deleteRangeByRank(start + 1, end + 1, (m) => {
      dict.delete(m)
    })
  }

  /**
   * One ZSCAN step, with scores as Redis prints them there: a listpack is returned whole with
   * cursor 0 and its stored score texts; a skiplist zset is walked by dict slot.
   */
  scan(cursor: number, count: number, emit: (member: string, score: string) => void): number {
    if (this.zsl === null) {
      for (const [m, s] of this.entries()) emit(m, lpScoreText(s))
      return 0
    }
    return (this.dict as HashTable<SkipNode>).scan(cursor, count, (m, n) => emit(m, formatDouble(n.score)))
  }

  /** A uniformly random ascending rank (the set must not be empty). */
  randomRank(): number {
    return Math.floor(Math.random() * this.length)
  }

  clone(): ZSetValue {
    if (this.raw !== null) return ZSetValue.fromBlob(this.raw, this.rawPairs, this.memberHeap)
    const z = new ZSetValue()
    if (this.zsl === null) {
      z.members = (this.members as string[]).slice()
      z.scores = (this.scores as number[]).slice()
      z.lpBytes = this.lpBytes
      z.memberHeap = this.memberHeap
      return z
    }
    z.convertToSkiplist()
    for (let n = this.zsl.first; n !== null; n = n.forward[0]) z.insertSkiplist(n.member, n.score)
    return z
  }

  /** Estimated JS heap bytes, in O(1). */
  memoryUsage(): number {
    if (this.zsl === null) return ZSET_BYTES + 2 * arrayBytes(this.length) + this.memberHeap
    const dict = this.dict as HashTable<SkipNode>
    return ZSET_BYTES + SKIPLIST_BYTES + SKIPNODE_BYTES * this.zsl.length + dict.memoryUsage()
  }

  private updateScore(member: string, cur: number, score: number): void {
    if (this.zsl !== null) {
      const node = this.zsl.updateScore(cur, member, score)
      ;(this.dict as HashTable<SkipNode>).set(member, node)
      return
    }
    const i = (this.members as string[]).indexOf(member)
    this.removeRanks(i, i)
    this.insert(member, score)
  }

  private insertSkiplist(member: string, score: number): void {
    const node = (this.zsl as SkipList).insert(score, member)
    ;(this.dict as HashTable<SkipNode>).set(member, node)
  }

  /** zsetConvert to skiplist (also SORT's destructive conversion of a listpack zset). */
  convertToSkiplist(): void {
    if (this.zsl !== null) return
    const ms = this.members as string[]
    const ss = this.scores as number[]
    this.zsl = new SkipList()
    this.dict = new HashTable<SkipNode>()
    this.memberHeap = 0
    this.members = null
    this.scores = null
    for (let i = 0; i < ms.length; i++) this.insertSkiplist(ms[i], ss[i])
  }

  private convertToListpack(): void {
    const ms: string[] = []
    const ss: number[] = []
    let bytes = LP_EMPTY_BYTES
    let heap = 0
    for (let n = (this.zsl as SkipList).first; n !== null; n = n.forward[0]) {
      ms.push(n.member)
      ss.push(lpScore(n.score))
      bytes += pairBytes(n.member, n.score)
      heap += strBytes(n.member)
    }
    this.members = ms
    this.scores = ss
    this.lpBytes = bytes
    this.memberHeap = heap
    this.zsl = null
    this.dict = null
  }
}

/** First index in [0, n) where pred holds, for a pred that is false then true along the order. */
function lowerBound(n: number, pred: (i: number) => boolean): number {
  let lo = 0
  let hi = n
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (pred(mid)) hi = mid
    else lo = mid + 1
  }
  return lo
}

/** strtod on a stored score text: decimal or exponent form, inf/-inf; null for anything else (NaN included). */
export function parseScore(s: string): number | null {
  if (DECIMAL.test(s)) return Number(s)
  const l = s.toLowerCase()
  if (l === 'inf' || l === '+inf' || l === 'infinity') return Infinity
  if (l === '-inf' || l === '-infinity') return -Infinity
  return null
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i

/** True when (score, member) pairs are in zset order, as a listpack must hold them. */
export function isSorted(members: readonly string[], scores: readonly number[]): boolean {
  for (let i = 1; i < members.length; i++) {
    const a = scores[i - 1]
    const b = scores[i]
    if (b < a || (b === a && cmpMember(members[i - 1], members[i]) >= 0)) return false
  }
  return true
}
