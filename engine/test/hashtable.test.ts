import { describe, expect, it } from 'vitest'
import { HashTable } from '../src/types/hashtable.js'

function lcg(seed: number): (n: number) => number {
  return (n) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff
    return seed % n
  }
}

describe('hashtable (set and zset dict encoding)', () => {
  it('matches a Map model under random sets and deletes', () => {
    const r = lcg(99)
    const t = new HashTable<number>()
    const model = new Map<string, number>()
    for (let i = 0; i < 20000; i++) {
      const k = 'k' + r(500)
      if (r(3) === 0) {
        expect(t.delete(k)).toBe(model.delete(k))
      } else {
        expect(t.set(k, i)).toBe(!model.has(k))
        model.set(k, i)
      }
    }
    expect(t.size).toBe(model.size)
    expect(new Map(t.entries())).toEqual(model)
    for (const [k, v] of model) expect(t.get(k)).toBe(v)
  })

  it('samples every member of a sparse table with O(1) picks', () => {
    const t = new HashTable()
    for (let i = 0; i < 100000; i++) t.set('m' + i, true)
    // Leave 10 members scattered in 100k slots: probing slots would almost never hit them.
    for (let i = 0; i < 100000; i++) if (i % 10000 !== 5) t.delete('m' + i)
    expect(t.size).toBe(10)
    const seen = new Map<string, number>()
    for (let i = 0; i < 5000; i++) {
      const k = t.keyAt(t.randomSlot()) as string
      seen.set(k, (seen.get(k) ?? 0) + 1)
    }
    expect(seen.size).toBe(10)
    for (const n of seen.values()) expect(n).toBeGreaterThan(350)
  })

  it('SCAN returns every member that stays, whatever is added and deleted meanwhile', () => {
    const t = new HashTable()
    for (let i = 0; i < 3000; i++) t.set('a' + i, true)
    const seen = new Set<string>()
    let cursor = 0
    let round = 0
    do {
      cursor = t.scan(cursor, 50, (k) => seen.add(k))
      for (let j = 0; j < 20; j++) t.set(`n${round}-${j}`, true)
      t.delete('a' + ((round * 37) % 3000))
      round++
    } while (cursor !== 0)
    for (let i = 0; i < 3000; i++) if (t.has('a' + i)) expect(seen.has('a' + i)).toBe(true)
  })
})
