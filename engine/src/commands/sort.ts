// SORT and SORT_RO (sort.c): sorts a list, set or sorted set numerically or with ALPHA, by the
// element itself or by external keys (BY pattern, hash fields with ->, or nosort), with LIMIT,
// GET projections (# for the element) and STORE into a list.

import type { Client } from '../server/client.js'
import type { Server } from '../server/server.js'
import type { CommandDef } from './table.js'
import { ListValue } from '../types/list.js'
import { HashValue } from '../types/hash.js'
import { SetValue } from '../types/set.js'
import { ZSetValue } from '../types/zset.js'
import { WRONGTYPE } from '../types/value.js'
import { parseInt64 } from '../util/numbers.js'
import { strtod } from '../util/strtod.js'

const G = 'generic'

interface SortItem {
  elem: string
  score: number
  /** The BY value for ALPHA sorting by pattern; null when the BY key is missing. */
  cmp: string | null
}

/**
 * lookupKeyByPattern: '#' is the element itself; otherwise the first '*' is replaced by the
 * element, and a '->field' suffix reads a hash field. Only string (or hash) values are found.
 */
function lookupByPattern(c: Client, pattern: string, elem: string): string | number | null {
  if (pattern === '#') return elem
  const star = pattern.indexOf('*')
  if (star < 0) return null
  const arrow = pattern.indexOf('->', star + 1)
  const hasField = arrow >= 0 && arrow + 2 < pattern.length
  const key = pattern.slice(0, star) + elem + pattern.slice(star + 1, hasField ? arrow : pattern.length)
  const v = c.db.lookupRead(key)
  if (v === undefined) return null
  if (hasField) return v instanceof HashValue ? (v.get(pattern.slice(arrow + 2)) ?? null) : null
  return typeof v === 'object' ? null : v
}

function byteCmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function sortGeneric(readonly: boolean) {
  return (c: Client, argv: string[], srv: Server): void => {
    let desc = false
    let alpha = false
    let limitStart = 0
    let limitCount = -1
    let sortBy: string | null = null
    let dontSort = false
    let storeKey: string | null = null
    const gets: string[] = []
    for (let j = 2; j < argv.length; j++) {
      const o = argv[j].toLowerCase()
      const left = argv.length - j - 1
      if (o === 'asc') desc = false
      else if (o === 'desc') desc = true
      else if (o === 'alpha') alpha = true
      else if (o === 'limit' && left >= 2) {
        const a = parseInt64(argv[j + 1])
        const b = a === null ? null : parseInt64(argv[j + 2])
        if (a === null || b === null) {
          c.error('ERR value is not an integer or out of range')
          return
        }
        limitStart = Number(a)
        limitCount = Number(b)
        j += 2
      } else if (!readonly && o === 'store' && left >= 1) {
        storeKey = argv[++j]
      } else if (o === 'by' && left >= 1) {
        sortBy = argv[++j]
        // A pattern without '*' names no per-element key: keep the native order.
        dontSort = !sortBy.includes('*')
      } else if (o === 'get' && left >= 1) {
        gets.push(argv[++j])
      } else {
        c.error('ERR syntax error')
        return
      }
    }

    const v = c.db.lookupRead(argv[1])
    if (v !== undefined && !(v instanceof ListValue || v instanceof SetValue || v instanceof ZSetValue)) {
      c.error(WRONGTYPE)
      return
    }
    // A set has no order of its own: when storing, sort it so the result is deterministic.
    if (dontSort && v instanceof SetValue && storeKey !== null) {
      dontSort = false
      alpha = true
      sortBy = null
    }
    // As Redis, SORT converts a listpack zset to a skiplist before reading it.
    if (v instanceof ZSetValue) v.convertToSkiplist()

    const len = v === undefined ? 0 : v.length
    let start = limitStart < 0 ? 0 : limitStart
    let end = limitCount < 0 ? len - 1 : start + limitCount - 1
    if (start >= len) {
      start = len - 1
      end = len - 2
    }
    if (end >= len) end = len - 1

    let items: SortItem[]
    const item = (elem: string): SortItem => ({ elem, score: 0, cmp: null })
    if (dontSort && (v instanceof ListValue || v instanceof ZSetValue)) {
      // Native order, reversed by DESC, with LIMIT applied while reading.
      items = []
      if (end >= start) {
        const n = end - start + 1
        if (v instanceof ListValue) {
          const all = v.ql.toArray()
          for (let k = 0; k < n; k++) items.push(item(all[desc ? len - 1 - start - k : start + k]))
        } else {
          let left = n
          v.walk(desc ? len - 1 - start : start, desc, (m) => {
            items.push(item(m))
            return --left > 0
          })
        }
        end -= start
        start = 0
      }
    } else if (v instanceof ListValue) {
      items = v.ql.toArray().map(item)
    } else if (v instanceof SetValue) {
      items = [...v.members()].map(item)
    } else if (v instanceof ZSetValue) {
      items = [...v.entries()].map(([m]) => item(m))
    } else {
      items = []
    }

    if (!dontSort) {
      let conversionError = false
      for (const it of items) {
        const by = sortBy === null ? it.elem : lookupByPattern(c, sortBy, it.elem)
        if (by === null) continue
        if (alpha) {
          if (sortBy !== null) it.cmp = String(by)
        } else if (typeof by === 'number') {
          it.score = by
        } else {
          const r = strtod(by)
          if (r.end !== by.length || r.erange || Number.isNaN(r.value)) conversionError = true
          else it.score = r.value
        }
      }
      if (conversionError) {
        c.error("ERR One or more scores can't be converted into double")
        return
      }
      const sign = desc ? -1 : 1
      const byPattern = sortBy !== null
      items.sort((a, b) => {
        let cmp: number
        if (!alpha) cmp = a.score > b.score ? 1 : a.score < b.score ? -1 : byteCmp(a.elem, b.elem)
        else if (byPattern)
          cmp =
            a.cmp === null || b.cmp === null ? (a.cmp === b.cmp ? 0 : a.cmp === null ? -1 : 1) : byteCmp(a.cmp, b.cmp)
        else cmp = byteCmp(a.elem, b.elem)
        return sign * cmp
      })
    }

    const out: (string | null)[] = []
    for (let j = start; j <= end; j++) {
      const elem = items[j].elem
      if (gets.length === 0) out.push(elem)
      for (const g of gets) {
        const val = lookupByPattern(c, g, elem)
        out.push(val === null ? null : String(val))
      }
    }
    if (storeKey === null) {
      c.arrayLen(out.length)
      for (const s of out) c.bulkOrNull(s)
      return
    }
    if (out.length > 0) {
      const list = ListValue.create(srv.config.getInt('list-max-listpack-size'))
      for (const s of out) list.ql.pushTail(s ?? '')
      c.db.set(storeKey, list)
      srv.notify('l', 'sortstore', storeKey, c.db.id)
      srv.dirty += out.length
    } else if (c.db.delete(storeKey)) {
      srv.notify('g', 'del', storeKey, c.db.id)
      srv.dirty++
    }
    c.int(out.length)
  }
}

export const sortCommands: CommandDef[] = [
  { name: 'sort', arity: -2, flags: ['write', 'denyoom'], keys: [1, 1, 1], group: G, handler: sortGeneric(false) },
  { name: 'sort_ro', arity: -2, flags: ['readonly'], keys: [1, 1, 1], group: G, handler: sortGeneric(true) },
]
