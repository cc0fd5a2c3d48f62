// Engine values ⇄ RDB values (rdbSaveObjectType/rdbSaveObject and the build step of
// rdbLoadObject): which RDB type each in-memory encoding is saved as, how its payload is written,
// and how a decoded RdbValue becomes an engine value under the configured thresholds.

import type { Value } from '../../types/value.js'
import { storeString } from '../../types/string.js'
import { SetValue } from '../../types/set.js'
import { intsetEncode } from '../../types/intset.js'
import { ZSetValue } from '../../types/zset.js'
import { Listpack, lpEncode } from '../../types/listpack.js'
import { HashValue, hashLimits } from '../../types/hash.js'
import { cmpMember } from '../../types/skiplist.js'
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
    const lp = v.listpackEntries()
    if (lp !== null) return enc.blob(lpEncode(lp))
    // Highest score first, as Redis writes a skiplist (its loader then inserts at the head).
    enc.len(v.length)
    v.walk(v.length - 1, true, (m, score) => {
      enc.str(m)
      enc.double(score)
    })
    return
  }
  if (v instanceof HashValue) {
    if (v.lp !== null) return enc.blob(lpEncode(v.lp.entries))
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
      enc.blob(lpEncode(node.entries))
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
      if (rv.members.length === 0) return null
      const maxEntries = config.getInt('zset-max-listpack-entries')
      const { members, scores } = rv
      if (rv.listpack && isSorted(members, scores)) return ZSetValue.fromListpack(rv.listpack, maxEntries)
      const pairs: [string, number][] = members.map((m, i) => [m, scores[i]])
      return ZSetValue.fromEntries(pairs, { maxEntries, maxValue: config.getInt('zset-max-listpack-value') })
    }
    case 'hash': {
      if (rv.pairs.length === 0) return null
      const limits = hashLimits(config)
      if (rdbType === K.RDB_TYPE_HASH_LISTPACK || rdbType === K.RDB_TYPE_HASH_ZIPLIST) {
        return hashFromListpack(rv.pairs, rv.listpackBytes, limits.maxEntries)
      }
      return HashValue.fromPairs(rv.pairs, limits)
    }
    case 'list': {
      const l = ListValue.create(config.getInt('list-max-listpack-size'))
      const ql = l.ql
      const sizes = rv.nodeBytes
      if (sizes !== null) {
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
function hashFromListpack(pairs: string[], bytes: number | undefined, maxEntries: number): HashValue {
  const h = new HashValue()
  h.lp = adoptListpack(pairs, bytes)
  if (pairs.length / 2 > maxEntries) h.convert()
  return h
}

/** True when (score, member) pairs are in zset order, as a listpack must hold them. */
function isSorted(members: string[], scores: number[]): boolean {
  for (let i = 1; i < members.length; i++) {
    const a = scores[i - 1]
    const b = scores[i]
    if (b < a || (b === a && cmpMember(members[i - 1], members[i]) >= 0)) return false
  }
  return true
}
