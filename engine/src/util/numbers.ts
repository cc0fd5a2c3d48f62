// Number parsing and formatting with Redis's exact rules: string2ll integers, float arguments, "%.17g" doubles.

const MAX_I64 = 9223372036854775807n
const MIN_I64 = -9223372036854775808n

/** Canonical integer text: no '+', no leading zeros, no spaces, "-0" rejected, at most 20 chars. */
const CANONICAL_INT = /^(0|-?[1-9][0-9]{0,19})$/

/**
 * Parses s as a signed 64-bit integer the way Redis's string2ll does. Returns a number when it is
 * a safe integer, a bigint when it is in int64 range but beyond 2^53, or null when it is not an
 * integer at all.
 */
export function parseInt64(s: string): number | bigint | null {
  if (s.length === 0 || s.length > 20 || !CANONICAL_INT.test(s)) return null
  if (s.length < 16) return Number(s)
  const b = BigInt(s)
  if (b > MAX_I64 || b < MIN_I64) return null
  const n = Number(b)
  return Number.isSafeInteger(n) ? n : b
}

/** True when s is the canonical text of an int64 (what Redis stores with the int encoding). */
export function isInt64Text(s: string): boolean {
  return parseInt64(s) !== null
}

/** Parses a strict integer argument (string2ll) as a safe JS number; null when it is not one. */
export function parseSafeInt(s: string): number | null {
  const v = parseInt64(s)
  return typeof v === 'number' ? v : null
}

export function inInt64Range(v: bigint): boolean {
  return v <= MAX_I64 && v >= MIN_I64
}

export { MAX_I64, MIN_I64 }

/**
 * Parses a float argument as Redis's string2ld/strtold: accepts decimal and exponent forms,
 * "inf"/"-inf"/"+inf" (case-insensitive, and "infinity"), rejects spaces, empty strings, hex and NaN.
 */
export function parseFloatArg(s: string): number | null {
  if (s.length === 0 || s.length > 5000) return null
  const c0 = s.charCodeAt(0)
  const cl = s.charCodeAt(s.length - 1)
  if (c0 <= 32 || cl <= 32) return null
  const lower = s.toLowerCase()
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity' || lower === '+infinity') return Infinity
  if (lower === '-inf' || lower === '-infinity') return -Infinity
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s)) return null
  const v = Number(s)
  return Number.isNaN(v) ? null : v
}

/**
 * The shortest round-trip text of v when it is also v's exact decimal value in fixed notation
 * (1.5, 0.25, 148.375): %.17g then prints those same digits, so the costly toPrecision path is
 * skipped. The text is exact when v times 2^(fraction digits) is an integer, as a double's exact
 * expansion has as many fraction digits as its binary fraction has bits. Null otherwise (0.1).
 */
function exactShortest(v: number): string | null {
  const a = Math.abs(v)
  // %.17g and String() both print fixed notation in this range.
  if (a < 1e-4 || a >= 1e17) return null
  const s = String(v)
  const dot = s.indexOf('.')
  // An integer past 2^53 (no dot) may be printed shortened: not exact.
  if (dot < 0) return null
  const frac = s.length - dot - 1
  return Number.isInteger(v * 2 ** frac) ? s : null
}

/**
 * Writes formatDouble(v) as latin1 bytes into out without making a string, for the common scores
 * it can do exactly: |v| < 2^30 with at most 20 binary fraction digits and at most 15 significant
 * decimal digits (a decimal of up to 15 digits is the only one of its length that rounds to its
 * double, so its exact expansion is also the shortest round-trip text %.17g and String() print).
 * Returns the length, or -1 for any other value (out must hold 48 bytes). The value is read as
 * values[i] here rather than passed, so a non-integral double is not boxed on its way in.
 */
export function writeExactDecimal(values: readonly number[], i: number, out: Uint8Array): number {
  const v = values[i]
  const a = Math.abs(v)
  if (!(a >= 1e-4 && a < 1073741824) || !Number.isInteger(a * 1048576)) return -1
  let n = 0
  if (v < 0) out[n++] = 45
  let int = Math.floor(a)
  let frac = a - int
  // Integer digits, written backwards then reversed.
  const from = n
  do {
    out[n++] = 48 + (int % 10)
    int = Math.floor(int / 10)
  } while (int > 0)
  for (let i = from, j = n - 1; i < j; i++, j--) {
    const t = out[i]
    out[i] = out[j]
    out[j] = t
  }
  let significant = a >= 1 ? n - from : 0
  if (frac > 0) {
    out[n++] = 46
    // Each step is exact: the fraction keeps at most 20 bits and gains at most 4 integer bits.
    while (frac > 0) {
      frac *= 10
      const d = Math.floor(frac)
      frac -= d
      out[n++] = 48 + d
      if (significant > 0 || d > 0) significant++
    }
  }
  return significant <= 15 ? n : -1
}

/** Formats a double as Redis's addReplyDouble / zset scores ("%.17g", inf, -inf, nan). */
export function formatDouble(v: number): string {
  if (v === Infinity) return 'inf'
  if (v === -Infinity) return '-inf'
  if (Number.isNaN(v)) return 'nan'
  // Beyond 2^53 String() may shorten an integer (…630 for …632); %.17g prints every digit.
  if (Number.isSafeInteger(v)) return Object.is(v, -0) ? '-0' : String(v)
  const short = exactShortest(v)
  if (short !== null) return short
  // toPrecision prints 1e-6 ≤ |v| < 1e-4 in fixed notation, where %.17g uses an exponent.
  const s = Math.abs(v) < 1e-4 ? v.toExponential(16) : v.toPrecision(17)
  // Integers past 2^53 come out whole: the mantissa regex below would strip their zeros.
  if (!s.includes('.') && !s.includes('e')) return s
  // %.17g strips trailing zeros in the mantissa and uses e+XX with at least two exponent digits.
  const m = /^(-?[\d.]+?)\.?0*(e([+-])(\d+))?$/.exec(s)
  if (!m) return s
  let mant = m[1]
  if (mant.includes('.')) mant = mant.replace(/0+$/, '').replace(/\.$/, '')
  if (!m[2]) return mant
  const e = m[4].length < 2 ? '0' + m[4] : m[4]
  return `${mant}e${m[3]}${e}`
}
