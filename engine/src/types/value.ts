// What a key can hold. Strings are latin1 JS strings (one char per byte, binary safe) or, for the
// `int` encoding, a JS number; collections are objects that name their type and encoding.

export type TypeName = 'string' | 'list' | 'hash' | 'set' | 'zset'

export interface CollectionValue {
  readonly type: Exclude<TypeName, 'string'>
  /** OBJECT ENCODING's answer for this value now. */
  encoding(): string
  /** Number of elements (a collection is deleted when it reaches 0). */
  readonly length: number
  /** A deep copy (COPY, RESTORE-free duplication); the copy re-evaluates its encoding. */
  clone(): CollectionValue
  /** Estimated bytes this value occupies as stored (MEMORY USAGE, memory accounting). */
  memoryUsage(): number
}

export type Value = string | number | CollectionValue

export function typeOf(v: Value): TypeName {
  return typeof v === 'object' ? v.type : 'string'
}

export const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value'
