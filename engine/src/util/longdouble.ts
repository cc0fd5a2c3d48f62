// Redis's `long double` arithmetic (INCRBYFLOAT, HINCRBYFLOAT): x87 80-bit extended precision with a
// 64-bit mantissa, emulated exactly with BigInt. JS doubles would not do: Redis answers "0.3" to
// 0.1 + 0.2 because the sum is rounded to 64 mantissa bits and printed with "%.17Lf".

/** A finite value ±m·2^e (m < 2^64), or an infinity. */
export interface LongDouble {
  neg: boolean
  m: bigint
  e: number
  inf: boolean
}

const MANT_LIMIT = 1n << 64n
/** Exponent of the lowest mantissa bit of the smallest subnormal (2^-16445). */
const MIN_E = -16445
/** Largest exponent with m < 2^64 below LDBL_MAX (~1.19e4932). */
const MAX_E = 16320
/** string2ld refuses inputs of MAX_LONG_DOUBLE_CHARS (5 KiB) or more. */
const MAX_INPUT = 5 * 1024
const TEN17 = 10n ** 17n

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/
const HEX = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/
const INFINITY = /^([+-]?)inf(inity)?$/i

function bitLength(n: bigint): number {
  return n.toString(2).length
}

function infinity(neg: boolean): LongDouble {
  return { neg, m: 0n, e: 0, inf: true }
}

/** Rounds the exact value ±(num/den)·2^shift to the nearest long double (ties to even). */
function roundExact(neg: boolean, num: bigint, den: bigint, shift: number): LongDouble {
  if (num === 0n) return { neg, m: 0n, e: 0, inf: false }
  let e = Math.max(MIN_E, bitLength(num) - bitLength(den) + shift - 64)
  for (;;) {
    const k = shift - e
    const n = k >= 0 ? num << BigInt(k) : num
    const d = k >= 0 ? den : den << BigInt(-k)
    let q = n / d
    if (q >= MANT_LIMIT) {
      e++
      continue
    }
    const twice = (n - q * d) * 2n
    if (twice > d || (twice === d && (q & 1n) === 1n)) q++
    if (q === MANT_LIMIT) {
      q >>= 1n
      e++
    }
    return e > MAX_E ? infinity(neg) : { neg, m: q, e, inf: false }
  }
}

export function longDoubleFromInt(v: number | bigint): LongDouble {
  const b = BigInt(v)
  return roundExact(b < 0n, b < 0n ? -b : b, 1n, 0)
}

/**
 * string2ld: strtold over the whole string (decimal, hex with optional p-exponent, inf/infinity),
 * refusing leading spaces, trailing garbage, NaN, and results that overflow or underflow to zero.
 */
export function parseLongDouble(s: string): LongDouble | null {
  if (s.length === 0 || s.length >= MAX_INPUT) return null
  let r: LongDouble | null
  let m: RegExpExecArray | null
  if ((m = DECIMAL.exec(s)) !== null) r = parseDecimal(m)
  else if ((m = HEX.exec(s)) !== null) r = parseHex(m)
  else if ((m = INFINITY.exec(s)) !== null) return infinity(m[1] === '-')
  else return null
  // ERANGE: an overflow to HUGE_VAL or a non-zero input that rounded to zero.
  if (r === null || r.inf) return null
  return r
}

function parseDecimal(m: RegExpExecArray): LongDouble | null {
  const [, sign, intPart, frac = '', exp = '0'] = m
  if (intPart.length === 0 && frac.length === 0) return null
  const neg = sign === '-'
  const digits = (intPart + frac).replace(/^0+/, '')
  if (digits.length === 0) return { neg, m: 0n, e: 0, inf: false }
  const k = Number(exp) - frac.length
  // Magnitudes far outside the long double range are decided without building huge numbers.
  if (digits.length + k > 4934) return infinity(neg)
  if (digits.length + k < -4955) return null
  const d = BigInt(digits)
  const r = k >= 0 ? roundExact(neg, d * 10n ** BigInt(k), 1n, 0) : roundExact(neg, d, 10n ** BigInt(-k), 0)
  return r.m === 0n && !r.inf ? null : r
}

function parseHex(m: RegExpExecArray): LongDouble | null {
  const [, sign, intPart, frac = '', exp = '0'] = m
  if (intPart.length === 0 && frac.length === 0) return null
  const neg = sign === '-'
  const h = BigInt('0x' + (intPart + frac || '0'))
  if (h === 0n) return { neg, m: 0n, e: 0, inf: false }
  const shift = Number(exp) - 4 * frac.length
  if (shift + bitLength(h) > MAX_E + 80) return infinity(neg)
  if (shift + bitLength(h) < MIN_E - 80) return null
  const r = roundExact(neg, h, 1n, shift)
  return r.m === 0n && !r.inf ? null : r
}

/** a + b rounded to long double; null when the sum is NaN (inf + -inf). */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble | null {
  if (a.inf || b.inf) {
    if (a.inf && b.inf && a.neg !== b.neg) return null
    return a.inf ? a : b
  }
  if (a.m === 0n) return b
  if (b.m === 0n) return a
  const e0 = Math.min(a.e, b.e)
  const sa = (a.neg ? -a.m : a.m) << BigInt(a.e - e0)
  const sb = (b.neg ? -b.m : b.m) << BigInt(b.e - e0)
  const sum = sa + sb
  return roundExact(sum < 0n, sum < 0n ? -sum : sum, 1n, e0)
}

/**
 * ld2string in LD_STR_HUMAN mode: "%.17Lf" (round half to even on exact ties, as glibc), trailing
 * zeros and a bare '.' removed, "-0" printed as "0".
 */
export function formatLongDoubleHuman(x: LongDouble): string {
  if (x.inf) return x.neg ? '-inf' : 'inf'
  let n: bigint
  if (x.e >= 0) {
    n = (x.m << BigInt(x.e)) * TEN17
  } else {
    const scaled = x.m * TEN17
    const k = BigInt(-x.e)
    n = scaled >> k
    const rem = scaled - (n << k)
    const half = 1n << (k - 1n)
    if (rem > half || (rem === half && (n & 1n) === 1n)) n++
  }
  const s = n.toString().padStart(18, '0')
  const frac = s.slice(-17).replace(/0+$/, '')
  const out = frac.length > 0 ? s.slice(0, -17) + '.' + frac : s.slice(0, -17)
  return x.neg && out !== '0' ? '-' + out : out
}
