import { describe, expect, it } from 'vitest'
import { SkipList, ZSKIPLIST_MAXLEVEL, randomLevel, type LexRange, type ScoreRange } from '../src/types/skiplist.js'

type Entry = [number, string]

function cmp(a: Entry, b: Entry): number {
  return a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0)
}

/** Every structural invariant: order, backward links, level-0 spans of 1 and spans that sum to ranks. */
function checkInvariants(zsl: SkipList, model: Entry[]): void {
  expect(zsl.length).toBe(model.length)
  const seen: Entry[] = []
  let prev = null
  for (let n = zsl.first; n !== null; n = n.forward[0]) {
    expect(n.backward).toBe(prev)
    seen.push([n.score, n.member])
    prev = n
  }
  expect(zsl.tail).toBe(prev)
  expect(seen).toEqual(model)
  // Each forward pointer's span must equal the rank distance it jumps.
  const rankOf = new Map<unknown, number>()
  let r = 0
  rankOf.set(zsl.header, 0)
  for (let n = zsl.first; n !== null; n = n.forward[0]) rankOf.set(n, ++r)
  for (const node of rankOf.keys()) {
    const x = node as typeof zsl.header
    for (let i = 0; i < (x === zsl.header ? zsl.level : x.forward.length); i++) {
      const f = x.forward[i]
      if (f !== null) expect(x.span[i]).toBe((rankOf.get(f) as number) - (rankOf.get(x) as number))
    }
  }
  for (let i = zsl.level; i < ZSKIPLIST_MAXLEVEL; i++) expect(zsl.header.forward[i]).toBe(null)
}

function lcg(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff
    return seed
  }
}

describe('skiplist', () => {
  it('draws levels between 1 and 32 with p = 1/4', () => {
    const counts = new Array(ZSKIPLIST_MAXLEVEL + 1).fill(0)
    for (let i = 0; i < 40000; i++) counts[randomLevel()]++
    expect(counts[0]).toBe(0)
    // P(level 1) = 3/4, P(level >= 2) = 1/4: a wide band that a wrong p would leave.
    expect(counts[1] / 40000).toBeGreaterThan(0.72)
    expect(counts[1] / 40000).toBeLessThan(0.78)
  })

  it('orders ties by member bytes and handles the empty and single-node cases', () => {
    const zsl = new SkipList()
    expect(zsl.first).toBe(null)
    expect(zsl.byRank(1)).toBe(null)
    expect(zsl.getRank(1, 'a')).toBe(0)
    zsl.insert(1, 'b', 32)
    checkInvariants(zsl, [[1, 'b']])
    zsl.insert(1, 'a\xff', 1)
    zsl.insert(1, 'a', 3)
    zsl.insert(-Infinity, 'z')
    zsl.insert(Infinity, '')
    checkInvariants(zsl, [
      [-Infinity, 'z'],
      [1, 'a'],
      [1, 'a\xff'],
      [1, 'b'],
      [Infinity, ''],
    ])
    expect(zsl.getRank(1, 'a\xff')).toBe(3)
    expect(zsl.byRank(5)?.member).toBe('')
    expect(zsl.delete(1, 'b')).toBe(true)
    expect(zsl.delete(1, 'b')).toBe(false)
    expect(zsl.delete(2, 'a')).toBe(false)
    expect(zsl.level).toBeLessThan(32)
  })

  it('matches a sorted-array model for ranks, spans and ranges under random operations', () => {
    const rnd = lcg(7)
    const zsl = new SkipList()
    let model: Entry[] = []
    const scoreOf = new Map<string, number>()
    for (let step = 0; step < 4000; step++) {
      const op = rnd() % 10
      const member = 'm' + (rnd() % 600)
      const score = (rnd() % 50) - 25
      const cur = scoreOf.get(member)
      if (op < 5) {
        if (cur === undefined) {
          zsl.insert(score, member)
          scoreOf.set(member, score)
          model.push([score, member])
        } else {
          const node = zsl.updateScore(cur, member, score)
          expect(node.member).toBe(member)
          scoreOf.set(member, score)
          model = model.map((e) => (e[1] === member ? [score, member] : e))
        }
        model.sort(cmp)
      } else if (op < 7 && cur !== undefined) {
        expect(zsl.delete(cur, member)).toBe(true)
        scoreOf.delete(member)
        model = model.filter((e) => e[1] !== member)
      } else if (op === 7 && model.length > 4) {
        const start = 1 + (rnd() % model.length)
        const end = Math.min(model.length, start + (rnd() % 4))
        const gone: string[] = []
        expect(zsl.deleteRangeByRank(start, end, (m) => gone.push(m))).toBe(end - start + 1)
        expect(gone).toEqual(model.slice(start - 1, end).map((e) => e[1]))
        for (const m of gone) scoreOf.delete(m)
        model.splice(start - 1, end - start + 1)
      } else if (op === 8) {
        const min = (rnd() % 50) - 25
        const r: ScoreRange = { min, max: min + (rnd() % 4), minex: rnd() % 2 === 0, maxex: rnd() % 2 === 0 }
        const inRange = model.filter(
          (e) => (r.minex ? e[0] > r.min : e[0] >= r.min) && (r.maxex ? e[0] < r.max : e[0] <= r.max),
        )
        expect(zsl.firstInRange(r)?.member ?? null).toBe(inRange[0]?.[1] ?? null)
        expect(zsl.lastInRange(r)?.member ?? null).toBe(inRange[inRange.length - 1]?.[1] ?? null)
        if (rnd() % 4 === 0) {
          const gone: string[] = []
          zsl.deleteRangeByScore(r, (m) => gone.push(m))
          expect(gone).toEqual(inRange.map((e) => e[1]))
          for (const m of gone) scoreOf.delete(m)
          model = model.filter((e) => !gone.includes(e[1]))
        }
      }
      if (step % 200 === 0) checkInvariants(zsl, model)
      if (model.length > 0) {
        const k = rnd() % model.length
        expect(zsl.getRank(model[k][0], model[k][1])).toBe(k + 1)
        expect(zsl.byRank(k + 1)?.member).toBe(model[k][1])
      }
    }
    checkInvariants(zsl, model)
  })

  it('finds and deletes lexicographic ranges with - and + bounds', () => {
    const zsl = new SkipList()
    for (const m of ['a', 'b', 'c', 'd', 'e']) zsl.insert(0, m)
    const bound = (v: string, ex: boolean): LexRange['min'] => ({ inf: 0, value: v, ex })
    const all: LexRange = { min: { inf: -1, value: '', ex: true }, max: { inf: 1, value: '', ex: true } }
    expect(zsl.firstInLexRange(all)?.member).toBe('a')
    expect(zsl.lastInLexRange(all)?.member).toBe('e')
    const mid: LexRange = { min: bound('b', true), max: bound('d', false) }
    expect(zsl.firstInLexRange(mid)?.member).toBe('c')
    expect(zsl.lastInLexRange(mid)?.member).toBe('d')
    expect(zsl.firstInLexRange({ min: bound('c', true), max: bound('c', false) })).toBe(null)
    expect(zsl.firstInLexRange({ min: { inf: 1, value: '', ex: true }, max: { inf: 1, value: '', ex: true } })).toBe(
      null,
    )
    const gone: string[] = []
    expect(zsl.deleteRangeByLex(mid, (m) => gone.push(m))).toBe(2)
    expect(gone).toEqual(['c', 'd'])
    checkInvariants(zsl, [
      [0, 'a'],
      [0, 'b'],
      [0, 'e'],
    ])
  })
})
