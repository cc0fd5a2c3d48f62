import { describe, expect, it } from 'vitest'
import { Dict } from '../src/keyspace/dict.js'

describe('Dict', () => {
  it('agrees with a Map model under random inserts, deletes and re-inserts', () => {
    // Disagreements are counted and checked once: 100,000 expect() calls took 20 s on a loaded machine.
    const d = new Dict()
    const model = new Map<string, string>()
    let seed = 42
    const rand = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
      return seed % n
    }
    let disagreements = 0
    for (let i = 0; i < 50_000; i++) {
      const key = `k${rand(5000)}`
      const slot = d.slotOf(key)
      if (slot >= 0 !== model.has(key)) disagreements++
      if (slot >= 0 && rand(2) === 0) {
        d.removeSlot(slot)
        model.delete(key)
      } else if (slot < 0) {
        d.insert(key, `v${i}`, 0)
        model.set(key, `v${i}`)
      }
      if (d.size !== model.size) disagreements++
    }
    for (const [k, v] of model) if (d.vals[d.slotOf(k)] !== v) disagreements++
    expect(disagreements).toBe(0)
    let occupied = 0
    for (const s of d.slots()) {
      occupied++
      expect(model.has(d.keys[s] as string)).toBe(true)
    }
    expect(occupied).toBe(model.size)
  })

  it('keeps slots stable while the table grows, and reuses freed slots', () => {
    const d = new Dict()
    const a = d.insert('a', 'x', 0)
    for (let i = 0; i < 10_000; i++) d.insert(`key:${i}`, String(i), 0)
    expect(d.slotOf('a')).toBe(a)
    d.removeSlot(d.slotOf('key:5'))
    const reused = d.insert('fresh', 'y', 0)
    expect(d.keys[reused]).toBe('fresh')
    expect(d.slotOf('key:5')).toBe(-1)
    expect(d.size).toBe(10_001)
  })

  it('reserve makes room up front: keys already in stay findable, n inserts grow nothing', () => {
    const d = new Dict()
    for (let i = 0; i < 100; i++) d.insert(`old:${i}`, i, 0)
    d.setExpire(d.slotOf('old:7'), 1234)
    d.reserve(5000)
    const lru = d.lru
    const expires = d.expires
    for (let i = 0; i < 4900; i++) d.insert(`new:${i}`, i, 0)
    expect(d.lru).toBe(lru)
    expect(d.expires).toBe(expires)
    expect(d.size).toBe(5000)
    for (let i = 0; i < 100; i++) expect(d.vals[d.slotOf(`old:${i}`)]).toBe(i)
    for (let i = 0; i < 4900; i++) expect(d.vals[d.slotOf(`new:${i}`)]).toBe(i)
    expect(d.expires[d.slotOf('old:7')]).toBe(1234)
    expect(d.randomVolatileSlot()).toBe(d.slotOf('old:7'))
    // A smaller reserve than what is held changes nothing.
    d.reserve(10)
    expect(d.slotOf('new:4899')).toBeGreaterThanOrEqual(0)
  })

  it('tracks TTL keys for sampling and forgets them on delete or persist', () => {
    const d = new Dict()
    const slots = Array.from({ length: 100 }, (_, i) => d.insert(`t${i}`, 'v', 0))
    for (const s of slots.slice(0, 40)) d.setExpire(s, 1000 + s)
    expect(d.volatileCount).toBe(40)
    d.clearExpire(slots[0])
    d.removeSlot(slots[1])
    expect(d.volatileCount).toBe(38)
    const seen = new Set<number>()
    for (let i = 0; i < 2000; i++) seen.add(d.randomVolatileSlot())
    expect([...seen].every((s) => d.expires[s] > 0)).toBe(true)
    expect(seen.size).toBe(38)
  })

  it('samples occupied slots from the index, about uniformly, with the bucket that unindexes each without a hash', () => {
    const d = new Dict()
    const n = 2000
    for (let i = 0; i < n; i++) d.insert(`key:${i}`, 'v', 0)
    // Deletions leave tombstones, which are never sampled.
    for (let i = 0; i < n; i += 4) d.removeSlot(d.slotOf(`key:${i}`))
    const slots = new Int32Array(5)
    const buckets = new Int32Array(5)
    const hits = new Map<string, number>()
    const rounds = 20_000
    // Short draws, repeated slots and slots not indexed where found, counted and checked once.
    let wrong = 0
    for (let r = 0; r < rounds; r++) {
      if (d.sampleSlots(slots, buckets, 5) !== 5 || new Set(slots).size !== 5) wrong++
      for (const s of slots) {
        const key = d.keys[s] as string
        if (d.slotOf(key) !== s) wrong++
        hits.set(key, (hits.get(key) ?? 0) + 1)
      }
    }
    expect(wrong).toBe(0)
    // Every live key is drawn, none far from its share. As with Redis's dictGetSomeKeys, a key is
    // drawn in proportion to the buckets spanned by it and the samples before it (at least 5, about
    // 5 / load on average), a bias of position in the index that owes nothing to the key's age.
    expect(hits.size).toBe(d.size)
    const share = (rounds * 5) / d.size
    const counts = [...hits.values()]
    expect(Math.min(...counts)).toBeGreaterThan(share / 10)
    expect(Math.max(...counts)).toBeLessThan(share * 5)
    // A sampled bucket unindexes its slot directly; a stale one is ignored.
    d.sampleSlots(slots, buckets, 2)
    const [a, b] = [d.keys[slots[0]] as string, d.keys[slots[1]] as string]
    d.removeSlot(slots[0], buckets[0])
    d.removeSlot(slots[1], buckets[0])
    expect(d.slotOf(a)).toBe(-1)
    expect(d.slotOf(b)).toBe(-1)
    expect(d.size).toBe(n - n / 4 - 2)
    // Fewer keys than samples: each one once.
    const small = new Dict()
    for (let i = 0; i < 3; i++) small.insert(`s${i}`, 'v', 0)
    expect(small.sampleSlots(slots, buckets, 5)).toBe(3)
    expect(new Set(slots.subarray(0, 3))).toEqual(new Set([0, 1, 2]))
    expect(new Dict().sampleSlots(slots, buckets, 5)).toBe(0)
  })
})
