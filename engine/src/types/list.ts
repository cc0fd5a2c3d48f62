// The list type (t_list.c's storage side): a list value is always a quicklist in Redis 7.0, whose
// node fill is fixed from `list-max-listpack-size` when the list is created.

import type { CollectionValue } from './value.js'
import { Quicklist } from './quicklist.js'
import { objectBytes } from './heapsize.js'

/** A ListValue object in JS heap bytes. */
const LIST_BYTES = objectBytes(2)

export class ListValue implements CollectionValue {
  readonly type = 'list' as const

  constructor(readonly ql: Quicklist) {}

  /** A new empty list with the node fill from `list-max-listpack-size`. */
  static create(fill: number): ListValue {
    return new ListValue(new Quicklist(fill))
  }

  encoding(): string {
    return 'quicklist'
  }

  get length(): number {
    return this.ql.count
  }

  clone(): ListValue {
    return new ListValue(this.ql.clone())
  }

  memoryUsage(): number {
    return LIST_BYTES + this.ql.memoryUsage()
  }
}
