// The structure-only walk of one RDB value, for validating a backup while it streams in: every
// length, string encoding, score and quicklist container is followed and every compact blob's
// header is checked against the blob (ziplist and listpack sizes, tail and terminator, intset width
// and count, zipmap terminator), but no key, member or score is built, so the walk keeps up with
// the network. The entries inside blobs and LZF strings are checked by the full parse (readValue:
// the loader, restore's verify, strata-check-rdb); the CRC-64 covers every byte either way.

import type { RdbInput } from './reader.js'
import * as K from './constants.js'

const ZIPLIST_HEADER = 10
const LISTPACK_HEADER = 6
const INTSET_HEADER = 8
/** zllen / numele when the count no longer fits the header (the entries must be walked). */
const COUNT_UNKNOWN = 0xffff

/** A compact blob that fails its header check, at the offset of the blob's length. */
function corrupt(inp: RdbInput, at: number, what: string, message: string): never {
  return inp.fail(`corrupt ${what}: ${message}`, at)
}

/** Entries of a ziplist by its header, -1 when too many for it. */
function ziplist(inp: RdbInput): number {
  const at = inp.offset
  const fail = (m: string) => corrupt(inp, at, 'ziplist', m)
  const b = inp.blobEdges(ZIPLIST_HEADER)
  if (b.length < ZIPLIST_HEADER + 1) fail(`${b.length} bytes is shorter than a header`)
  const zlbytes = b.head.readUInt32LE(0)
  const zltail = b.head.readUInt32LE(4)
  if (zlbytes !== b.length) fail(`header says ${zlbytes} bytes but the blob has ${b.length}`)
  if (b.last !== 0xff) fail('missing the 0xFF terminator')
  if (zltail < ZIPLIST_HEADER || zltail >= b.length) fail(`tail offset ${zltail} is outside the blob`)
  const n = b.head.readUInt16LE(8)
  return n === COUNT_UNKNOWN ? -1 : n
}

/** Entries of a listpack by its header, -1 when too many for it. */
function listpack(inp: RdbInput): number {
  const at = inp.offset
  const fail = (m: string) => corrupt(inp, at, 'listpack', m)
  const b = inp.blobEdges(LISTPACK_HEADER)
  if (b.length < LISTPACK_HEADER + 1) fail(`${b.length} bytes is shorter than a header`)
  const total = b.head.readUInt32LE(0)
  if (total !== b.length) fail(`header says ${total} bytes but the blob has ${b.length}`)
  if (b.last !== 0xff) fail('missing the 0xFF terminator')
  const n = b.head.readUInt16LE(4)
  return n === COUNT_UNKNOWN ? -1 : n
}

function intset(inp: RdbInput): number {
  const at = inp.offset
  const fail = (m: string) => corrupt(inp, at, 'intset', m)
  const b = inp.blobEdges(INTSET_HEADER)
  if (b.length < INTSET_HEADER) fail(`${b.length} bytes is shorter than a header`)
  const width = b.head.readUInt32LE(0)
  const n = b.head.readUInt32LE(4)
  if (width !== 2 && width !== 4 && width !== 8) fail(`unknown integer width ${width}`)
  if (INTSET_HEADER + width * n !== b.length)
    fail(`header says ${n} integers of ${width} bytes but the blob has ${b.length} bytes`)
  return n
}

/** Pairs of a zipmap by its header, -1 when too many for it. */
function zipmap(inp: RdbInput): number {
  const at = inp.offset
  const fail = (m: string) => corrupt(inp, at, 'zipmap', m)
  const b = inp.blobEdges(1)
  if (b.length < 2) fail(`${b.length} bytes is shorter than a header`)
  if (b.last !== 0xff) fail('missing the 0xFF terminator')
  return b.head[0] < 254 ? b.head[0] : -1
}

/** Pairs from a blob's entry count (hashes and zsets store field/value, member/score). */
function pairs(inp: RdbInput, entries: number, type: string, at: number): number {
  if (entries < 0) return -1
  if (entries % 2 !== 0) inp.fail(`${type} with an odd number of entries`, at)
  return entries / 2
}

/**
 * Walks the value of RDB type t whose record starts at `at` (the key already consumed) and
 * returns its elements as its headers give them, or -1 when only its entries would tell.
 */
export function skimValue(inp: RdbInput, t: number, at: number): number {
  switch (t) {
    case K.RDB_TYPE_STRING:
      inp.skipStr()
      return 1
    case K.RDB_TYPE_LIST:
    case K.RDB_TYPE_SET:
    case K.RDB_TYPE_HASH: {
      const n = inp.len()
      const strings = t === K.RDB_TYPE_HASH ? 2 * n : n
      for (let i = 0; i < strings; i++) inp.skipStr()
      return n
    }
    case K.RDB_TYPE_ZSET:
    case K.RDB_TYPE_ZSET_2: {
      const n = inp.len()
      for (let i = 0; i < n; i++) {
        inp.skipStr()
        if (t === K.RDB_TYPE_ZSET_2) inp.skip(8)
        else {
          // The old ASCII score: a length byte, or 253-255 for nan/inf/-inf with no text.
          const len = inp.u8()
          if (len < 253) inp.skip(len)
        }
      }
      return n
    }
    case K.RDB_TYPE_SET_INTSET:
      return intset(inp)
    case K.RDB_TYPE_SET_LISTPACK:
    case K.RDB_TYPE_LIST_ZIPLIST:
      return t === K.RDB_TYPE_SET_LISTPACK ? listpack(inp) : ziplist(inp)
    case K.RDB_TYPE_HASH_ZIPMAP:
      return zipmap(inp)
    case K.RDB_TYPE_HASH_ZIPLIST:
    case K.RDB_TYPE_HASH_LISTPACK:
      return pairs(inp, t === K.RDB_TYPE_HASH_LISTPACK ? listpack(inp) : ziplist(inp), 'hash', at)
    case K.RDB_TYPE_ZSET_ZIPLIST:
    case K.RDB_TYPE_ZSET_LISTPACK:
      return pairs(inp, t === K.RDB_TYPE_ZSET_LISTPACK ? listpack(inp) : ziplist(inp), 'zset', at)
    case K.RDB_TYPE_LIST_QUICKLIST:
    case K.RDB_TYPE_LIST_QUICKLIST_2: {
      const count = inp.len()
      let total = 0
      for (let i = 0; i < count; i++) {
        const container = quicklistContainer(inp, t)
        if (container === K.QUICKLIST_NODE_CONTAINER_PLAIN) {
          inp.skipStr()
          if (total >= 0) total++
          continue
        }
        const n = t === K.RDB_TYPE_LIST_QUICKLIST ? ziplist(inp) : listpack(inp)
        total = n < 0 || total < 0 ? -1 : total + n
      }
      return total
    }
    default:
      return inp.fail(K.unsupportedType(t), at)
  }
}

/** A quicklist node's container: PACKED for the old quicklist type, read and checked for QUICKLIST_2. */
export function quicklistContainer(inp: RdbInput, t: number): number {
  if (t !== K.RDB_TYPE_LIST_QUICKLIST_2) return K.QUICKLIST_NODE_CONTAINER_PACKED
  const container = inp.len()
  if (container !== K.QUICKLIST_NODE_CONTAINER_PACKED && container !== K.QUICKLIST_NODE_CONTAINER_PLAIN) {
    inp.fail(`quicklist node with unknown container ${container}`)
  }
  return container
}
