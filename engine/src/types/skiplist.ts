// Redis's zskiplist (t_zset.c, first half): nodes ordered by (score, member bytes), random levels
// with p = 1/4 up to 32, a backward pointer on level 0, and per-level span counts that give O(log n)
// rank lookups. Also the score and lex range specs and their comparisons, shared with the listpack
// encoding in zset.ts.

export const ZSKIPLIST_MAXLEVEL = 32
const ZSKIPLIST_P = 0.25

/** A score interval; minex/maxex make an end exclusive. */
export interface ScoreRange {
  min: number
  max: number
  minex: boolean
  maxex: boolean
}

/** A lex bound: -1 is '-' (below everything), 1 is '+' (above everything), 0 a member string. */
export interface LexBound {
  inf: -1 | 0 | 1
  value: string
  ex: boolean
}

export interface LexRange {
  min: LexBound
  max: LexBound
}

export function scoreGteMin(v: number, r: ScoreRange): boolean {
  return r.minex ? v > r.min : v >= r.min
}

export function scoreLteMax(v: number, r: ScoreRange): boolean {
  return r.maxex ? v < r.max : v <= r.max
}

/** zslIsInRange's first test: ranges that can never hold anything. */
export function scoreRangeEmpty(r: ScoreRange): boolean {
  return r.min > r.max || (r.min === r.max && (r.minex || r.maxex))
}

/** Byte order of two latin1 strings (memcmp, then length), as sdscmp. */
export function cmpMember(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** sdscmplex: compares a member with a bound. */
function cmpLex(m: string, b: LexBound): number {
  if (b.inf !== 0) return -b.inf
  return cmpMember(m, b.value)
}

export function lexGteMin(m: string, r: LexRange): boolean {
  const c = cmpLex(m, r.min)
  return r.min.ex ? c > 0 : c >= 0
}

export function lexLteMax(m: string, r: LexRange): boolean {
  const c = cmpLex(m, r.max)
  return r.max.ex ? c < 0 : c <= 0
}

/** zslIsInLexRange's first test. */
export function lexRangeEmpty(r: LexRange): boolean {
  const a = r.min
  const b = r.max
  // '-' < every string < '+'; two equal sentinels compare equal.
  const c = a.inf === b.inf ? (a.inf === 0 ? cmpMember(a.value, b.value) : 0) : a.inf < b.inf ? -1 : 1
  return c > 0 || (c === 0 && (a.ex || b.ex))
}

export class SkipNode {
  backward: SkipNode | null = null
  readonly forward: (SkipNode | null)[]
  readonly span: number[]

  constructor(
    public score: number,
    readonly member: string,
    level: number,
  ) {
    this.forward = new Array<SkipNode | null>(level).fill(null)
    this.span = new Array<number>(level).fill(0)
  }
}

/** Node precedes (score, member) in skiplist order. */
function before(n: SkipNode, score: number, member: string): boolean {
  return n.score < score || (n.score === score && n.member < member)
}

export function randomLevel(): number {
  let level = 1
  while (Math.random() < ZSKIPLIST_P && level < ZSKIPLIST_MAXLEVEL) level++
  return level
}

export class SkipList {
  readonly header = new SkipNode(0, '', ZSKIPLIST_MAXLEVEL)
  tail: SkipNode | null = null
  length = 0
  level = 1
  /** Scratch arrays reused by every update so inserts allocate only the node. */
  private readonly update: SkipNode[] = new Array<SkipNode>(ZSKIPLIST_MAXLEVEL)
  private readonly rank: number[] = new Array<number>(ZSKIPLIST_MAXLEVEL).fill(0)

  /** First node (lowest score), or null. */
  get first(): SkipNode | null {
    return this.header.forward[0]
  }

  /** zslInsert: the caller guarantees member is not present. */
  insert(score: number, member: string, level = randomLevel()): SkipNode {
    const update = this.update
    const rank = this.rank
    let x = this.header
    for (let i = this.level - 1; i >= 0; i--) {
      rank[i] = i === this.level - 1 ? 0 : rank[i + 1]
      let next = x.forward[i]
      while (next !== null && before(next, score, member)) {
        rank[i] += x.span[i]
        x = next
        next = x.forward[i]
      }
      update[i] = x
    }
    if (level > this.level) {
      for (let i = this.level; i < level; i++) {
        rank[i] = 0
        update[i] = this.header
        this.header.span[i] = this.length
      }
      this.level = level
    }
    const node = new SkipNode(score, member, level)
    for (let i = 0; i < level; i++) {
      const u = update[i]
      node.forward[i] = u.forward[i]
      u.forward[i] = node
      node.span[i] = u.span[i] - (rank[0] - rank[i])
      u.span[i] = rank[0] - rank[i] + 1
    }
    for (let i = level; i < this.level; i++) update[i].span[i]++
    node.backward = update[0] === this.header ? null : update[0]
    const next = node.forward[0]
    if (next !== null) next.backward = node
    else this.tail = node
    this.length++
    return node
  }

  /** zslDeleteNode: unlinks x given the update vector filled by a search. */
  private unlink(x: SkipNode, update: SkipNode[]): void {
    for (let i = 0; i < this.level; i++) {
      const u = update[i]
      if (u.forward[i] === x) {
        u.span[i] += x.span[i] - 1
        u.forward[i] = x.forward[i]
      } else {
        u.span[i] -= 1
      }
    }
    const next = x.forward[0]
    if (next !== null) next.backward = x.backward
    else this.tail = x.backward
    while (this.level > 1 && this.header.forward[this.level - 1] === null) this.level--
    this.length--
  }

  /** Fills this.update with the last node before (score, member) on each level. */
  private findUpdate(score: number, member: string): SkipNode {
    let x = this.header
    for (let i = this.level - 1; i >= 0; i--) {
      let next = x.forward[i]
      while (next !== null && before(next, score, member)) {
        x = next
        next = x.forward[i]
      }
      this.update[i] = x
    }
    return x
  }

  /** zslDelete: false when (score, member) is not in the list. */
  delete(score: number, member: string): boolean {
    const x = this.findUpdate(score, member).forward[0]
    if (x !== null && x.score === score && x.member === member) {
      this.unlink(x, this.update)
      return true
    }
    return false
  }

  /**
   * zslUpdateScore: moves member from curScore to newScore, in place when its position does not
   * change. Returns the node now holding member.
   */
  updateScore(curScore: number, member: string, newScore: number): SkipNode {
    const x = this.findUpdate(curScore, member).forward[0] as SkipNode
    const prev = x.backward
    const next = x.forward[0]
    if (
      (prev === null || prev.score < newScore || (prev.score === newScore && prev.member < member)) &&
      (next === null || next.score > newScore || (next.score === newScore && next.member > member))
    ) {
      x.score = newScore
      return x
    }
    this.unlink(x, this.update)
    return this.insert(newScore, member)
  }

  /** zslGetRank: 1-based rank of (score, member), 0 when absent. */
  getRank(score: number, member: string): number {
    let rank = 0
    let x = this.header
    for (let i = this.level - 1; i >= 0; i--) {
      let next = x.forward[i]
      while (next !== null && (next.score < score || (next.score === score && next.member <= member))) {
        rank += x.span[i]
        x = next
        next = x.forward[i]
      }
      if (x !== this.header && x.member === member) return rank
    }
    return 0
  }

  /** zslGetElementByRank: the node at a 1-based rank, or null. */
  byRank(rank: number): SkipNode | null {
    let traversed = 0
    let x = this.header
    for (let i = this.level - 1; i >= 0; i--) {
      let next = x.forward[i]
      while (next !== null && traversed + x.span[i] <= rank) {
        traversed += x.span[i]
        x = next
        next = x.forward[i]
      }
      if (traversed === rank) return x
    }
    return null
  }

  /** zslIsInRange / zslIsInLexRange: whether any node can fall inside the bounds. */
  private overlaps(b: Bounds): boolean {
    if (b.empty) return false
    const t = this.tail
    if (t === null || !b.gteMin(t)) return false
    const h = this.header.forward[0]
    return h !== null && b.lteMax(h)
  }

  /** The first node inside the bounds (zslNthInRange's search from the head). */
  private firstWithin(b: Bounds): SkipNode | null {
    if (!this.overlaps(b)) return null
    let x = this.header
    for (let i = this.level - 1; i >= 0; i--) {
      let next = x.forward[i]
      while (next !== null && !b.gteMin(next)) {
        x = next
        next = x.forward[i]
      }
    }
    const n = x.forward[0] as SkipNode
    return b.lteMax(n) ? n : null
  }

  /** The last node inside the bounds. */
  private lastWithin(b: Bounds): SkipNode | null {
    if (!this.overlaps(b)) return null
    let x = this.header
    for (let i = this.level - 1; i >= 0; i--) {
      let next = x.forward[i]
      while (next !== null && b.lteMax(next)) {
        x = next
        next = x.forward[i]
      }
    }
    return b.gteMin(x) ? x : null
  }

  firstInRange(r: ScoreRange): SkipNode | null {
    return this.firstWithin(scoreBounds(r))
  }

  lastInRange(r: ScoreRange): SkipNode | null {
    return this.lastWithin(scoreBounds(r))
  }

  firstInLexRange(r: LexRange): SkipNode | null {
    return this.firstWithin(lexBounds(r))
  }

  lastInLexRange(r: LexRange): SkipNode | null {
    return this.lastWithin(lexBounds(r))
  }

  /** Unlinks nodes from the first one past the update vector while keep(node) holds. */
  private deleteWhile(
    keep: (n: SkipNode, traversed: number) => boolean,
    start: number,
    onDelete: (m: string) => void,
  ): number {
    let removed = 0
    let traversed = start
    let x = this.update[0].forward[0]
    while (x !== null && keep(x, traversed)) {
      const next = x.forward[0]
      this.unlink(x, this.update)
      onDelete(x.member)
      removed++
      traversed++
      x = next
    }
    return removed
  }

  /** zslDeleteRangeByScore. */
  deleteRangeByScore(r: ScoreRange, onDelete: (m: string) => void): number {
    let x = this.header
    for (let i = this.level - 1; i >= 0; i--) {
      let next = x.forward[i]
      while (next !== null && (r.minex ? next.score <= r.min : next.score < r.min)) {
        x = next
        next = x.forward[i]
      }
      this.update[i] = x
    }
    return this.deleteWhile((n) => scoreLteMax(n.score, r), 0, onDelete)
  }

  /** zslDeleteRangeByLex. */
  deleteRangeByLex(r: LexRange, onDelete: (m: string) => void): number {
    let x = this.header
    for (let i = this.level - 1; i >= 0; i--) {
      let next = x.forward[i]
      while (next !== null && !lexGteMin(next.member, r)) {
        x = next
        next = x.forward[i]
      }
      this.update[i] = x
    }
    return this.deleteWhile((n) => lexLteMax(n.member, r), 0, onDelete)
  }

  /** zslDeleteRangeByRank: start and end are 1-based and inclusive. */
  deleteRangeByRank(start: number, end: number, onDelete: (m: string) => void): number {
    let traversed = 0
    let x = this.header
    for (let i = this.level - 1; i >= 0; i--) {
      let next = x.forward[i]
      while (next !== null && traversed + x.span[i] < start) {
        traversed += x.span[i]
        x = next
        next = x.forward[i]
      }
      this.update[i] = x
    }
    return this.deleteWhile((_n, t) => t <= end, traversed + 1, onDelete)
  }
}

/** A score or lex range seen as tests on nodes, so one search serves both. */
interface Bounds {
  empty: boolean
  gteMin(n: SkipNode): boolean
  lteMax(n: SkipNode): boolean
}

function scoreBounds(r: ScoreRange): Bounds {
  return { empty: scoreRangeEmpty(r), gteMin: (n) => scoreGteMin(n.score, r), lteMax: (n) => scoreLteMax(n.score, r) }
}

function lexBounds(r: LexRange): Bounds {
  return { empty: lexRangeEmpty(r), gteMin: (n) => lexGteMin(n.member, r), lteMax: (n) => lexLteMax(n.member, r) }
}
