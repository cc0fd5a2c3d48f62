import { describe, expect, it } from 'vitest'
import { Dict } from '../src/keyspace/dict.js'

describe('Dict', () => {
  it('agrees with a Map model under random inserts, deletes and re-inserts', () => {
    const d = new Dict()
    const model = new Map<string, string>()
    let seed = 42
    const rand = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
      return seed % n
    }
    for (let i = 0; i < 50_000; i++) {
      const key = `k${rand(5000)}`
      const slot = d.slotOf(key)
      expect(slot >= 0).toBe(model.has(key))
      if (slot >= 0 && rand(2) === 0) {
        d.removeSlot(slot)
        model.delete(key)
      } else if (slot < 0) {
        d.insert(key, `v${i}`, 0)
        model.set(key, `v${i}`)
      }
      expect(d.size).toBe(model.size)
    }
    for (const [k, v] of model) expect(d.vals[d.slotOf(k)]).toBe(v)
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
})
