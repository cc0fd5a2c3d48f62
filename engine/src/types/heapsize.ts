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
/** A JSTypedArray with its ArrayBuffer (small typed arrays keep their bytes on the heap too). */
export const TYPED_ARRAY_HEADER = 160

/** A JS object with `fields` in-object properties. */
export function objectBytes(fields: number): number {
  return OBJECT_HEADER + WORD * fields
}

/** A JS array holding `len` elements (growth slack is not known from JS; count one word each). */
export function arrayBytes(len: number): number {
  return ARRAY_HEADER + WORD * len
}

/** A sequential one-byte (latin1) string: map, hash and length, then the bytes, 8-aligned. */
export function strBytes(s: string): number {
  return (s.length + 23) & ~7
}

/** A number stored in an array of tagged values: Smis (32-bit) are free, others a HeapNumber. */
export function numBytes(n: number): number {
  return (n | 0) === n ? 0 : 16
}
