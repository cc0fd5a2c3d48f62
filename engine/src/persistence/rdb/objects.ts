// Engine values ⇄ RDB values (rdbSaveObjectType/rdbSaveObject and the build step of
// rdbLoadObject): which RDB type each in-memory encoding is saved as, how its payload is written,
// and how a decoded RdbValue becomes an engine value under the configured thresholds.

import type { Value } from '../../types/value.js'
import { storeString } from '../../types/string.js'
import { SetValue } from '../../types/set.js'
import { intsetEncode } from '../../types/intset.js'
import { ZSetValue } from '../../types/zset.js'
import { lpEncode } from '../../types/listpack.js'
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

/** An engine value built from a decoded RDB value, or null for an empty collection (skipped). */
export function buildValue(rv: RdbValue, config: Config): Value | null {
  switch (rv.type) {
    case 'string':
      return storeString(rv.value)
    case 'set':
      return SetValue.fromMembers(rv.members, config.getInt('set-max-intset-entries'))
    case 'zset': {
      const { members, scores } = rv
      const pairs: [string, number][] = members.map((m, i) => [m, scores[i]])
      return ZSetValue.fromEntries(pairs, {
        maxEntries: config.getInt('zset-max-listpack-entries'),
        maxValue: config.getInt('zset-max-listpack-value'),
      })
    }
    case 'hash':
      return rv.pairs.length === 0 ? null : HashValue.fromPairs(rv.pairs, hashLimits(config))
    case 'list': {
      if (rv.items.length === 0) return null
      const l = ListValue.create(config.getInt('list-max-listpack-size'))
      for (const item of rv.items) l.ql.pushTail(item)
      return l
    }
  }
}
