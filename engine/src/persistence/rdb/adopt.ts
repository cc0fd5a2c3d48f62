// Adopting listpack blobs at RDB load without decoding them (Redis keeps listpacks as they are):
// each blob is walked once to validate it as the eager reader would (structure, and for hashes
// and zsets unique fields/members and valid scores), and to learn what the engine value needs
// before its entries exist: the count and the heap the decoded strings will take. The loader
// turns the result into a Listpack or ZSetValue that decodes itself on first use.

import { lpDecode, lpEntryHeap, lpWalk } from '../../types/listpack.js'
import { parseScore } from '../../types/zset.js'
import { printable } from '../../util/printable.js'

/** A validated listpack: its bytes, entries (pairs for a hash or zset) and their decoded heap. */
export interface LpBlob {
  buf: Buffer
  count: number
  /** Heap of the decoded entries (a zset counts its members only, as ZSetValue does). */
  heap: number
}

/** A blob that is a valid listpack but not a valid value of its type; message as the eager reader's. */
export class AdoptError extends Error {}

/** The listpacks a load adopts, each validated as its value type needs. */
export const BlobKind = { hash: 0, zset: 1, listNode: 2 } as const
export type BlobKind = (typeof BlobKind)[keyof typeof BlobKind]

export function adoptBlob(kind: BlobKind, buf: Buffer): LpBlob {
  if (kind === BlobKind.hash) return adoptHashListpack(buf)
  return kind === BlobKind.zset ? adoptZsetListpack(buf) : adoptListNode(buf)
}

function adoptListNode(buf: Buffer): LpBlob {
  let heap = 0
  const count = lpWalk(buf, (_i, from, len, int) => (heap += lpEntryHeap(from, len, int)))
  return { buf, count, heap }
}

function adoptHashListpack(buf: Buffer): LpBlob {
  let heap = 0
  const fields = keys.reset(declaredCount(buf) / 2)
  const count = lpWalk(buf, (i, from, len, int) => {
    heap += lpEntryHeap(from, len, int)
    if ((i & 1) === 0) fields.add(buf, from, len, int)
  })
  if (count % 2 !== 0) throw new AdoptError('hash with an odd number of entries')
  if (fields.maybeDuplicate && hasDuplicate(lpDecode(buf))) throw new AdoptError('duplicate hash field detected')
  return { buf, count: count / 2, heap }
}

function adoptZsetListpack(buf: Buffer): LpBlob {
  let heap = 0
  const members = keys.reset(declaredCount(buf) / 2)
  const count = lpWalk(buf, (i, from, len, int) => {
    if ((i & 1) === 0) {
      heap += lpEntryHeap(from, len, int)
      members.add(buf, from, len, int)
    } else if (from >= 0 && !isPlainDecimal(buf, from, from + len)) {
      const text = buf.latin1Slice(from, from + len)
      if (parseScore(text) === null) throw new AdoptError(`zset with an invalid score '${printable(text)}'`)
    }
  })
  if (count % 2 !== 0) throw new AdoptError('zset with an odd number of entries')
  if (members.maybeDuplicate && hasDuplicate(lpDecode(buf))) throw new AdoptError('duplicate zset member detected')
  return { buf, count: count / 2, heap }
}

/** -?digits(.digits)?: the form nearly every stored non-integer score has, checked without a string. */
function isPlainDecimal(buf: Buffer, from: number, end: number): boolean {
  let i = from
  if (buf[i] === 45) i++
  const digitsFrom = i
  while (i < end && buf[i] >= 48 && buf[i] <= 57) i++
  if (i === digitsFrom) return false
  if (i === end) return true
  if (buf[i++] !== 46 || i === end) return false
  while (i < end && buf[i] >= 48 && buf[i] <= 57) i++
  return i === end
}

/** Exact check on decoded (key, value) entries: does a key repeat? */
function hasDuplicate(flat: string[]): boolean {
  const seen = new Set<string>()
  for (let i = 0; i < flat.length; i += 2) {
    if (seen.has(flat[i])) return true
    seen.add(flat[i])
  }
  return false
}

/**
 * 32-bit hashes of entry texts in a small open-addressing table: no repeated hash proves the
 * entries unique without building their strings; a repeat (a duplicate or a collision) sends the
 * caller to the exact check.
 */
class EntrySet {
  private table = new Int32Array(256)
  private used = 0
  maybeDuplicate = false

  /** Empties the set for a blob of about n keys (the one instance is reused for every blob). */
  reset(n: number): this {
    let size = 256
    while (size < 2 * n) size *= 2
    if (size !== this.table.length) this.table = new Int32Array(size)
    else this.table.fill(0)
    this.used = 0
    this.maybeDuplicate = false
    return this
  }

  add(buf: Buffer, from: number, len: number, int: number | bigint | null): void {
    if (this.maybeDuplicate) return
    const h = from >= 0 ? hashBytes(buf, from, from + len) : hashText(String(int))
    if ((this.used + 1) * 2 > this.table.length) this.grow()
    // 0 marks an empty bucket, so hashes are stored with their low bit set.
    const v = h | 1
    const mask = this.table.length - 1
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const e = this.table[i]
      if (e === 0) {
        this.table[i] = v
        this.used++
        return
      }
      if (e === v) {
        this.maybeDuplicate = true
        return
      }
    }
  }

  private grow(): void {
    const old = this.table
    this.table = new Int32Array(old.length * 2)
    const mask = this.table.length - 1
    for (const v of old) {
      if (v === 0) continue
      let i = v & mask
      while (this.table[i] !== 0) i = (i + 1) & mask
      this.table[i] = v
    }
  }
}

/** FNV-1a over bytes; hashText gives the same value for the same latin1 text. */
function hashBytes(buf: Buffer, from: number, end: number): number {
  let h = 0x811c9dc5
  for (let i = from; i < end; i++) h = Math.imul(h ^ buf[i], 0x01000193)
  return h
}

function hashText(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return h
}

const keys = new EntrySet()

/** The element count a listpack header declares (lpWalk checks it against the entries). */
function declaredCount(buf: Buffer): number {
  return buf.length >= 6 ? buf.readUInt16LE(4) : 0
}
