// Engine values ⇄ RDB values (rdbSaveObjectType/rdbSaveObject and the build step of
// rdbLoadObject): which RDB type each in-memory encoding is saved as, how its payload is written,
// and how a decoded RdbValue becomes an engine value under the configured thresholds.

import type { Value } from '../../types/value.js'
import { storeString } from '../../types/string.js'
import { SetValue } from '../../types/set.js'
import { intsetEncode } from '../../types/intset.js'
import { ZSetValue, isSorted } from '../../types/zset.js'
import { Listpack, lpBytesOf } from '../../types/listpack.js'
import { HashValue, hashLimits } from '../../types/hash.js'
import { ListValue } from '../../types/list.js'
import type { Config } from '../../server/config.js'
import type { RdbEncoder } from './writer.js'
import type { RdbValue } from './reader.js'
import * as K from './constants.js'

/** Writes the type byte, the key and the value of one record (after its expiry/idle prefix). */
export function writeObject(enc: RdbEncoder, key: string, v: Value): void {
  if (typeof v === 'string') {
    enc.byte(K.RDB_TYPE_STRING)
    enc.str(key)
    enc.str(v)
    return
  }
  if (typeof v === 'number') {
    enc.byte(K.RDB_TYPE_STRING)
    enc.str(key)
    enc.num(v)
    return
  }
  enc.byte(rdbTypeOf(v))
  enc.str(key)
  writeValue(enc, v)
}

/** The RDB type byte a value is saved with. */
export function rdbTypeOf(v: Value): number {
  if (typeof v !== 'object') return K.RDB_TYPE_STRING
  if (v instanceof SetValue) return v.intset !== null ? K.RDB_TYPE_SET_INTSET : K.RDB_TYPE_SET
  if (v instanceof ZSetValue) return v.encoding() === 'listpack' ? K.RDB_TYPE_ZSET_LISTPACK : K.RDB_TYPE_ZSET_2
  if (v instanceof HashValue) return v.lp !== null ? K.RDB_TYPE_HASH_LISTPACK : K.RDB_TYPE_HASH
  if (v instanceof ListValue) return K.RDB_TYPE_LIST_QUICKLIST_2
  throw new Error(`no RDB encoding for a ${v.type} value`)
}

/** The payload of a value (what follows the key; also the body of a DUMP payload). */
export function writeValue(enc: RdbEncoder, v: Value): void {
  if (typeof v === 'string') return enc.str(v)
  if (typeof v === 'number') return enc.num(v)
  if (v instanceof SetValue) {
    const ints = v.intset
    if (ints !== null) return enc.blob(intsetEncode(ints))
    enc.len(v.length)
    for (const m of v.members()) enc.str(m)
    return
  }
  if (v instanceof ZSetValue) {
    const lp = v.serializedListpack()
    if (lp !== null) return enc.blob(lp)
    // Highest score first, as Redis writes a skiplist (its loader then inserts at the head).
    enc.len(v.length)
    v.walk(v.length - 1, true, (m, score) => {
      enc.str(m)
      enc.double(score)
    })
    return
  }
  if (v instanceof HashValue) {
    if (v.lp !== null) return enc.blob(v.lp.serialized())
    enc.len(v.length)
    for (const [f, val] of v.entries()) {
      enc.str(f)
      enc.str(val)
    }
    return
  }
  if (v instanceof ListValue) {
    // Every node as a packed listpack, exactly as the quicklist holds it in memory.
    const nodes = v.ql.nodes
    enc.len(nodes.length)
    for (const node of nodes) {
      enc.len(K.QUICKLIST_NODE_CONTAINER_PACKED)
      enc.blob(node.serialized())
    }
    return
  }
  throw new Error(`no RDB encoding for a ${v.type} value`)
}

/**
 * An engine value built from a decoded RDB value, or null for an empty collection (skipped). As
 * rdbLoadObject does, values stored in a compact blob (ziplist, listpack, intset) keep that
 * encoding unless they hold more entries than the limit; plain-typed values are re-encoded as if
 * built one element at a time.
 */
export function buildValue(rv: RdbValue, config: Config, rdbType: number): Value | null {
  switch (rv.type) {
    case 'string':
      return storeString(rv.value)
    case 'set':
      return SetValue.fromMembers(rv.members, config.getInt('set-max-intset-entries'))
    case 'zset': {
      const maxEntries = config.getInt('zset-max-listpack-entries')
      if (rv.blob !== undefined) {
        if (rv.blob.count === 0) return null
        const z = ZSetValue.fromBlob(rv.blob.buf, rv.blob.count, rv.blob.heap)
        if (rv.blob.count > maxEntries) z.convertToSkiplist()
        return z
      }
      if (rv.members.length === 0) return null
      const { members, scores } = rv
      if (rv.listpack && isSorted(members, scores)) {
        return ZSetValue.fromListpack(members, scores, rv.listpackBytes ?? lpBytesOf(rv.listpack), maxEntries)
      }
      const pairs: [string, number][] = members.map((m, i) => [m, scores[i]])
      return ZSetValue.fromEntries(pairs, { maxEntries, maxValue: config.getInt('zset-max-listpack-value') })
    }
    case 'hash': {
      const limits = hashLimits(config)
      if (rv.blob !== undefined) {
        if (rv.blob.count === 0) return null
        return hashFromListpack(Listpack.fromBlob(rv.blob.buf, rv.blob.count * 2, rv.blob.heap), limits.maxEntries)
      }
      if (rv.pairs.length === 0) return null
      if (rdbType === K.RDB_TYPE_HASH_LISTPACK || rdbType === K.RDB_TYPE_HASH_ZIPLIST) {
        return hashFromListpack(adoptListpack(rv.pairs, rv.listpackBytes), limits.maxEntries)
      }
      return HashValue.fromPairs(rv.pairs, limits)
    }
    case 'list': {
      const l = ListValue.create(config.getInt('list-max-listpack-size'))
      const ql = l.ql
      const sizes = rv.nodeBytes
      if (rv.blobs !== undefined) {
        for (const b of rv.blobs) if (b.count > 0) ql.appendNode(Listpack.fromBlob(b.buf, b.count, b.heap))
      } else if (sizes !== null) {
        // Packed nodes are adopted as stored, as quicklistAppendListpack does on load.
        rv.nodes.forEach((entries, i) => ql.appendNode(adoptListpack(entries, sizes[i])))
      } else {
        for (const node of rv.nodes) for (const item of node) ql.pushTail(item)
      }
      return ql.count === 0 ? null : l
    }
  }
}

/** A Listpack around decoded entries whose serialized size is known (the blob they came from). */
function adoptListpack(entries: string[], bytes: number | undefined): Listpack {
  if (bytes === undefined) return new Listpack(entries)
  const lp = new Listpack()
  lp.entries = entries
  lp.bytes = bytes
  return lp
}

/** A hash kept in the listpack it was stored in, converted only when it has too many fields. */
function hashFromListpack(lp: Listpack, maxEntries: number): HashValue {
  const h = new HashValue()
  h.lp = lp
  if (lp.length / 2 > maxEntries) h.convert()
  return h
}
