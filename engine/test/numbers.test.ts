import { describe, expect, it } from 'vitest'
import { formatDouble, writeExactDecimal } from '../src/util/numbers.js'

/** printf("%.17g") written independently: 17 significant digits, zeros stripped, e±XX. */
function printf17g(v: number): string {
  const exp = Number(v.toExponential(16).split('e')[1])
  if (exp < -4 || exp >= 17) {
    const [m, e] = v.toExponential(16).split('e')
    const mant = m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m
    const digits = e.replace(/^[+-]/, '')
    return `${mant}e${e[0] === '-' ? '-' : '+'}${digits.padStart(2, '0')}`
  }
  const fixed = v.toFixed(16 - exp)
  return fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed
}

describe('formatDouble', () => {
  it('prints %.17g for dyadic, decimal, tiny, huge and integral values', () => {
    let seed = 7
    const rand = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
      return seed / 2 ** 32
    }
    const values = [0.5, -0.25, 1.5, 148.375, 0.1, 0.3, 1 / 3, 2 / 3, 1e-4, 1.5e-4, 9.99e-5, 123456789.125]
    values.push(2 ** -20, 1e16 + 0.5, 99999999999999.9, 1e17, 1.7976931348623157e308, 5e-324, 0.0001220703125)
    for (let i = 0; i < 20_000; i++) {
      const k = Math.floor(rand() * 1e6) - 5e5
      values.push(k / 2 ** Math.floor(rand() * 30)) // exact binary fractions
      values.push(Number((rand() * 10 ** Math.floor(rand() * 20 - 6)).toPrecision(1 + Math.floor(rand() * 17))))
      values.push((rand() - 0.5) * 10 ** Math.floor(rand() * 40 - 20))
    }
    for (const v of values) expect(formatDouble(v), String(v)).toBe(printf17g(v))
    // The string-free writer (zset snapshots) either prints the same bytes or declines.
    const out = new Uint8Array(48)
    let written = 0
    for (let i = 0; i < values.length; i++) {
      const v = values[i]
      const n = writeExactDecimal(values, i, out)
      if (n < 0) continue
      written++
      expect(Buffer.from(out.subarray(0, n)).toString('latin1'), String(v)).toBe(printf17g(v))
    }
    expect(written).toBeGreaterThan(10_000)
  })

  it('keeps Redis spellings for the special values', () => {
    expect([Infinity, -Infinity, NaN, -0, 0, 3].map(formatDouble)).toEqual(['inf', '-inf', 'nan', '-0', '0', '3'])
  })
})
