import { describe, expect, it } from 'vitest'
import { Quicklist } from '../src/types/quicklist.js'
import { lpBytesOf, lpEntrySize } from '../src/types/listpack.js'

/** Entries per node, head to tail. */
const shape = (q: Quicklist): number[] => q.nodes.map((n) => n.length)

function checkInvariants(q: Quicklist): void {
  let total = 0
  for (const n of q.nodes) {
    expect(n.length).toBeGreaterThan(0)
    expect(n.bytes).toBe(lpBytesOf(n.entries))
    total += n.length
  }
  expect(q.count).toBe(total)
}

describe('quicklist node limits', () => {
  it('fills 8 KB nodes (fill -2) up to the exact 7.0 estimate, then opens a new node', () => {
    // A 100-byte string costs 103 bytes; the estimate for the next one is bytes + 100 + 8.
    const q = new Quicklist(-2)
    const s = 'x'.repeat(100)
    expect(lpEntrySize(s)).toBe(103)
    for (let i = 0; i < 80; i++) q.pushTail(s)
    // 7 + 79 × 103 = 8144; 8144 + 108 > 8192, so the 80th opens node 2.
    expect(shape(q)).toEqual([79, 1])
    expect(q.nodes[0].bytes).toBe(8144)
    checkInvariants(q)
  })

  it('uses 4/8/16/32/64 KB for fill -1..-5 and clamps below -5', () => {
    const s = 'y'.repeat(1000) // 1005 bytes per entry
    const perNode = (fill: number): number => {
      const q = new Quicklist(fill)
      for (let i = 0; i < 200; i++) q.pushTail(s)
      return q.nodes[0].length
    }
    expect([-1, -2, -3, -4, -5, -9].map(perNode)).toEqual([4, 8, 16, 32, 65, 65])
  })

  it('limits positive fills by count, still never past the 8 KB safety limit', () => {
    const q = new Quicklist(5)
    for (let i = 0; i < 12; i++) q.pushHead(String(i))
    expect(shape(q)).toEqual([2, 5, 5])
    const big = new Quicklist(1000)
    for (let i = 0; i < 100; i++) big.pushTail('z'.repeat(200))
    // 204 bytes per entry: 7 + 40 × 204 + 208 = 8375 > 8192 stops the node at 40 entries.
    expect(big.nodes[0].length).toBe(40)
    checkInvariants(big)
  })

  it('puts every element in its own node with fill 0', () => {
    const q = new Quicklist(0)
    for (let i = 0; i < 3; i++) q.pushTail('a')
    expect(shape(q)).toEqual([1, 1, 1])
  })
})

describe('quicklist operations', () => {
  const build = (n: number, fill = 4): Quicklist => {
    const q = new Quicklist(fill)
    for (let i = 0; i < n; i++) q.pushTail(String(i))
    return q
  }

  it('locates, reads and replaces by positive and negative index', () => {
    const q = build(10)
    expect(shape(q)).toEqual([4, 4, 2])
    expect(q.locate(5)).toEqual({ node: 1, offset: 1 })
    expect(q.locate(-1)).toEqual({ node: 2, offset: 1 })
    expect(q.locate(10)).toBe(null)
    expect(q.locate(-11)).toBe(null)
    expect(q.get(-10)).toBe('0')
    expect(q.set(7, 'seven')).toBe(true)
    expect(q.set(10, 'x')).toBe(false)
    expect(q.range(3, 8)).toEqual(['3', '4', '5', '6', 'seven', '8'])
    expect(q.range(5, 4)).toEqual([])
  })

  it('pops from both ends and drops emptied nodes', () => {
    const q = build(5)
    expect(q.popHead()).toBe('0')
    expect(q.popTail()).toBe('4')
    expect(q.popTail()).toBe('3')
    expect(shape(q)).toEqual([2])
    q.popHead()
    q.popHead()
    expect(q.popHead()).toBe(undefined)
    expect(q.nodes).toEqual([])
  })

  it('inserts into a full node by using the neighbour, a new node, or a split and merge', () => {
    const q = build(12) // [4,4,4]
    q.insert({ node: 0, offset: 3 }, 'tail-of-0', true) // full, at tail, next full: new node
    expect(shape(q)).toEqual([4, 1, 4, 4])
    q.insert({ node: 2, offset: 0 }, 'head-of-2', false) // full, at head, prev has room
    expect(shape(q)).toEqual([4, 2, 4, 4])
    q.insert({ node: 3, offset: 1 }, 'middle', true) // full, in the middle: split, then merge
    expect(q.toArray()).toEqual([
      '0',
      '1',
      '2',
      '3',
      'tail-of-0',
      'head-of-2',
      '4',
      '5',
      '6',
      '7',
      '8',
      '9',
      'middle',
      '10',
      '11',
    ])
    expect(shape(q)).toEqual([4, 2, 4, 2, 3])
    checkInvariants(q)
  })

  it('deletes single entries and ranges across nodes', () => {
    const q = build(12)
    expect(q.deleteAt({ node: 0, offset: 3 })).toEqual({ node: 1, offset: 0 })
    q.deleteRange(2, 6)
    expect(q.toArray()).toEqual(['0', '1', '9', '10', '11'])
    q.deleteRange(0, 100)
    expect(q.count).toBe(0)
    expect(q.nodes).toEqual([])
  })

  it('matches a plain array model under random operations', () => {
    let seed = 7
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed % n
    }
    for (const fill of [-1, -2, 3, 16]) {
      const q = new Quicklist(fill)
      const model: string[] = []
      for (let step = 0; step < 4000; step++) {
        const v = rnd(3) === 0 ? String(rnd(100000) - 50000) : 'v'.repeat(rnd(300))
        const op = rnd(7)
        if (op === 0) {
          q.pushHead(v)
          model.unshift(v)
        } else if (op === 1) {
          q.pushTail(v)
          model.push(v)
        } else if (op === 2 && model.length > 0) {
          expect(q.popHead()).toBe(model.shift())
        } else if (op === 3 && model.length > 0) {
          const i = rnd(model.length)
          const after = rnd(2) === 0
          q.insert(q.locate(i) as NonNullable<ReturnType<Quicklist['locate']>>, v, after)
          model.splice(after ? i + 1 : i, 0, v)
        } else if (op === 4 && model.length > 0) {
          const i = rnd(model.length)
          q.set(i, v)
          model[i] = v
        } else if (op === 5 && model.length > 0) {
          const i = rnd(model.length)
          q.deleteAt(q.locate(i) as NonNullable<ReturnType<Quicklist['locate']>>)
          model.splice(i, 1)
        } else if (op === 6 && model.length > 0) {
          const i = rnd(model.length)
          const n = rnd(5)
          q.deleteRange(i, n)
          model.splice(i, n)
        }
      }
      expect(q.toArray()).toEqual(model)
      checkInvariants(q)
      const copy = q.clone()
      q.pushTail('after-clone')
      expect(copy.toArray()).toEqual(model)
      expect(copy.memoryUsage()).toBeLessThan(q.memoryUsage())
    }
  })
})
