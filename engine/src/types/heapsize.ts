// Byte costs of the V8 heap objects values are built from (64-bit Node, no pointer compression),
// for the engine's own memory accounting (DESIGN.md §3): every value keeps a running estimate
// made of these, so used_memory follows the process's real growth without asking the GC.
// The constants were calibrated against RSS growth across 1 M-key loads of each type
// (engine/test/memory-rss.test.ts).

/** A tagged pointer or an unboxed double: one slot of a JS array or object. */
export const WORD = 8
/** A plain JS object's header (map, properties, elements) before its in-object fields. */
const OBJECT_HEADER = 24
/** A JSArray object plus its FixedArray backing store's header (map, length). */
const ARRAY_HEADER = 32 + 16
/** A JSMap object plus its table's header (map, length, element, deleted and bucket counts). */
const MAP_HEADER = 32 + 16 + 24
/** A JSTypedArray with its ArrayBuffer (small typed arrays keep their bytes on the heap too). */
export const TYPED_ARRAY_HEADER = 208

/** A JS object with `fields` in-object properties. */
export function objectBytes(fields: number): number {
  return OBJECT_HEADER + WORD * fields
}

/**
 * A JS array of `len` elements grown by push: V8 grows the backing store to 1.5 × length + 16, so
 * a short array holds at least 17 slots and a long one a quarter more than it uses on average.
 */
export function arrayBytes(len: number): number {
  return arraysBytes(1, len)
}

/** `arrays` such arrays holding `len` elements between them (the nodes of a quicklist). */
export function arraysBytes(arrays: number, len: number): number {
  return arrays * ARRAY_HEADER + WORD * Math.max(17 * arrays, len + (len >> 2))
}

/** A JS array allocated at its exact length (new Array(n), slice, a literal). */
export function exactArrayBytes(len: number): number {
  return ARRAY_HEADER + WORD * len
}

/**
 * A JS Map of `size` entries: its OrderedHashMap holds a power-of-two capacity (at least 4) of
 * three-word entries plus a bucket word per two entries.
 */
export function mapBytes(size: number): number {
  const capacity = size <= 4 ? 4 : 2 ** (32 - Math.clz32(size - 1))
  return MAP_HEADER + 28 * capacity
}

/** A sequential one-byte (latin1) string: map, hash and length, then the bytes, 8-aligned. */
export function strBytes(s: string): number {
  return strBytesOfLength(s.length)
}

/** strBytes of a string of this length (for sizes known before the string exists). */
export function strBytesOfLength(len: number): number {
  return (len + 23) & ~7
}

/** A number stored in an array of tagged values: Smis (32-bit) are free, others a HeapNumber. */
export function numBytes(n: number): number {
  return (n | 0) === n ? 0 : 16
}
