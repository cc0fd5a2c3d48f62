// C's strtod as glibc implements it, for the places where Redis parses doubles with it directly:
// zset scores and weights (getDoubleFromObject) and score range bounds (zslParseRange). Unlike
// parseFloatArg these accept hex floats, and they differ on overflow and underflow.

const SPACE = /^[ \t\n\v\f\r]*/
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/
const HEX = /^[+-]?0[xX]([0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)([pP][+-]?\d+)?/
const INF = /^[+-]?inf(inity)?/i
const NAN = /^[+-]?nan(\([0-9A-Za-z_]*\))?/i

export interface StrtodResult {
  value: number
  /** Index just past the parsed text; 0 when nothing was parsed. */
  end: number
  /** errno == ERANGE: a finite text that overflowed, or underflowed to zero or a subnormal. */
  erange: boolean
}

/** DBL_MIN: below it (and above zero) glibc reports underflow. */
const DBL_MIN = 2.2250738585072014e-308

function outOfRange(v: number, nonzero: boolean): boolean {
  return nonzero && (!Number.isFinite(v) || Math.abs(v) < DBL_MIN)
}

export function strtod(s: string): StrtodResult {
  const lead = (SPACE.exec(s) as RegExpExecArray)[0].length
  const t = s.slice(lead)
  let m = HEX.exec(t)
  if (m !== null) {
    const neg = t[0] === '-'
    const [intPart, fracPart = ''] = m[1].split('.')
    const digits = (intPart + fracPart).replace(/^0+/, '')
    let v = 0
    for (const ch of digits.slice(0, 16)) v = v * 16 + parseInt(ch, 16)
    const dropped = Math.max(0, digits.length - 16)
    const exp = (m[2] ? Number(m[2].slice(1)) : 0) + 4 * (dropped - fracPart.length)
    v = v * 2 ** exp
    const nonzero = digits.length > 0
    return { value: neg ? -v : v, end: lead + m[0].length, erange: outOfRange(v, nonzero) }
  }
  m = DECIMAL.exec(t)
  if (m !== null) {
    const v = Number(m[0])
    const nonzero = /[1-9]/.test(m[1])
    return { value: v, end: lead + m[0].length, erange: outOfRange(v, nonzero) }
  }
  m = INF.exec(t)
  if (m !== null) return { value: t[0] === '-' ? -Infinity : Infinity, end: lead + m[0].length, erange: false }
  m = NAN.exec(t)
  if (m !== null) return { value: NaN, end: lead + m[0].length, erange: false }
  return { value: 0, end: 0, erange: false }
}

/**
 * getDoubleFromObject: the whole string must be a double, without leading space, overflow,
 * underflow to zero or NaN. Null when it is not.
 */
export function parseDouble(s: string): number | null {
  if (s.length === 0) return null
  const c = s.charCodeAt(0)
  if (c === 32 || (c >= 9 && c <= 13)) return null
  const r = strtod(s)
  if (r.end !== s.length || Number.isNaN(r.value)) return null
  // Only an overflow or an underflow to zero is refused; subnormal results pass.
  if (r.erange && (r.value === 0 || !Number.isFinite(r.value))) return null
  return r.value
}
