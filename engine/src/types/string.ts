// The string type (t_string.c's storage side): `int`, `embstr` and `raw` encodings, and conversion
// between stored values and their byte strings.

import { FLAG_RAW, FLAG_TEXT } from '../keyspace/dict.js'
import { isInt64Text } from '../util/numbers.js'
import type { Value } from './value.js'

/** Longest string kept as `embstr`, as OBJECT_ENCODING_EMBSTR_SIZE_LIMIT. */
export const EMBSTR_MAX = 44

/**
 * The stored form of a string value: a JS number for canonical integers that fit a double exactly
 * (Redis's `int` encoding, no string allocation), else the latin1 string itself.
 */
export function storeString(s: string): string | number {
  const len = s.length
  if (len === 0 || len > 16) return s
  const c = s.charCodeAt(0)
  if (!((c >= 48 && c <= 57) || c === 45)) return s
  const n = Number(s)
  if (Number.isSafeInteger(n) && String(n) === s) return n
  return s
}

/** The bytes of a string value (caller checked the type). */
export function stringBytes(v: Value): string {
  return typeof v === 'number' ? String(v) : (v as string)
}

/**
 * OBJECT ENCODING of a string from its stored form and its Dict flags: `raw` for values grown in
 * place (APPEND, SETRANGE, SETBIT), text-only values never `int`, else Redis's tryObjectEncoding.
 */
export function stringEncoding(v: string | number, flags: number): string {
  if (typeof v === 'number' && (flags & FLAG_TEXT) === 0) return 'int'
  if ((flags & FLAG_RAW) !== 0) return 'raw'
  const text = typeof v === 'number' ? String(v) : v
  if ((flags & FLAG_TEXT) === 0 && text.length <= 20 && isInt64Text(text)) return 'int'
  return text.length > EMBSTR_MAX ? 'raw' : 'embstr'
}

/** Length in bytes of a string value (STRLEN, APPEND, SETRANGE). */
export function stringLength(v: string | number): number {
  return typeof v === 'number' ? String(v).length : v.length
}

export function isString(v: Value): v is string | number {
  return typeof v !== 'object'
}
