import { describe, expect, it } from 'vitest'
import { IntSet, intsetDecode, intsetEncode, intWidthOf } from '../src/types/intset.js'

function build(values: (number | bigint)[]): IntSet {
  const s = new IntSet()
  for (const v of values) s.add(v)
  return s
}

describe('intset', () => {
  it('picks the width at the exact 16/32/64-bit boundaries', () => {
    expect(intWidthOf(32767)).toBe(2)
    expect(intWidthOf(-32768)).toBe(2)
    expect(intWidthOf(32768)).toBe(4)
    expect(intWidthOf(-32769)).toBe(4)
    expect(intWidthOf(2147483647)).toBe(4)
    expect(intWidthOf(-2147483648)).toBe(4)
    expect(intWidthOf(2147483648)).toBe(8)
    expect(intWidthOf(-2147483649)).toBe(8)
    expect(intWidthOf(9223372036854775807n)).toBe(8)
    expect(intWidthOf(-9223372036854775808n)).toBe(8)
    expect(intWidthOf(5n)).toBe(2)
  })

  it('keeps members sorted and unique and widens without losing any', () => {
    const s = build([5, -3, 5, 100, 0])
    expect(s.encodingWidth).toBe(2)
    expect([...s.values()]).toEqual([-3, 0, 5, 100])
    expect(s.add(5)).toBe(false)
    expect(s.add(70000)).toBe(true)
    expect(s.encodingWidth).toBe(4)
    expect(s.add(-70000)).toBe(true)
    expect([...s.values()]).toEqual([-70000, -3, 0, 5, 100, 70000])
    expect(s.add(-9223372036854775808n)).toBe(true)
    expect(s.encodingWidth).toBe(8)
    expect(s.add(9007199254740993n)).toBe(true)
    expect([...s.values()]).toEqual([-9223372036854775808n, -70000, -3, 0, 5, 100, 70000, 9007199254740993n])
    expect(s.has(100)).toBe(true)
    expect(s.has(9007199254740993n)).toBe(true)
    expect(s.has(9007199254740992)).toBe(false)
  })

  it('never narrows on removal, as Redis keeps the blob width', () => {
    const s = build([1, 2, 40000])
    expect(s.remove(40000)).toBe(true)
    expect(s.remove(40000)).toBe(false)
    expect(s.encodingWidth).toBe(4)
    expect(s.has(4000000000)).toBe(false)
    expect(s.remove(4000000000)).toBe(false)
  })

  it('encodes the exact Redis blob and decodes it back', () => {
    expect(intsetEncode(build([3, 1, 2])).toString('hex')).toBe('0200000003000000010002000300')
    const wide = build([-1, 2147483648])
    const blob = intsetEncode(wide)
    expect(blob.toString('hex')).toBe('0800000002000000' + 'ffffffffffffffff' + '0000008000000000')
    const back = intsetDecode(blob)
    expect(back.encodingWidth).toBe(8)
    expect([...back.values()]).toEqual([-1, 2147483648])
    const mid = intsetEncode(build([-40000, 1]))
    expect(mid.toString('hex')).toBe('0400000002000000c063ffff01000000')
  })

  it('rejects corrupt blobs with the offset', () => {
    expect(() => intsetDecode(Buffer.from('0300000001000000aaaaaa', 'hex'))).toThrow(/offset 0: invalid encoding 3/)
    expect(() => intsetDecode(Buffer.from('020000000300000001000200', 'hex'))).toThrow(/need 14 bytes/)
    expect(() => intsetDecode(Buffer.from('0200000002000000020001000', 'hex'))).toThrow()
    expect(() => intsetDecode(Buffer.from('02000000020000000200010000', 'hex').subarray(0, 12))).toThrow(
      /not strictly ascending/,
    )
    expect(() => intsetDecode(Buffer.from('0200000000000000', 'hex'))).toThrow(/empty/)
  })

  it('matches a sorted-array model under random adds and removes across widths', () => {
    let seed = 12345
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed
    }
    const s = new IntSet()
    const model = new Set<bigint>()
    const ranges = [100n, 50000n, 5000000000n, 9223372036854775807n]
    for (let i = 0; i < 3000; i++) {
      const r = ranges[rnd() % ranges.length]
      const v = ((BigInt(rnd()) * BigInt(rnd()) * 7919n) % r) * (rnd() % 2 ? 1n : -1n)
      const n = Number(v)
      const val = Number.isSafeInteger(n) ? n : v
      if (rnd() % 3 === 0) {
        expect(s.remove(val)).toBe(model.delete(v))
      } else {
        expect(s.add(val)).toBe(!model.has(v))
        model.add(v)
      }
    }
    const sorted = [...model].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    expect([...s.values()].map((x) => BigInt(x))).toEqual(sorted)
    expect(s.length).toBe(model.size)
    expect([...intsetDecode(intsetEncode(s)).values()]).toEqual([...s.values()])
  })
})
