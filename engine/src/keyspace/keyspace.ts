// All databases of a server: creation, FLUSHALL/FLUSHDB, SWAPDB, the per-db key counts INFO
// keyspace reports, and the running memory totals of all their tables.

import { MemoryTotals } from './accounting.js'
import { Db, type KeyspaceContext } from './db.js'
import { Dict } from './dict.js'

export class Keyspace {
  readonly dbs: Db[]
  /** The dataset and table bytes of every db, kept running (used_memory in O(1)). */
  readonly memory = new MemoryTotals()

  constructor(count: number, ctx: KeyspaceContext) {
    this.dbs = Array.from({ length: count }, (_, i) => new Db(i, ctx, this.memory))
  }

  /** Every key of db is dropped at once; returns how many keys were removed. */
  flushDb(db: Db): number {
    const n = db.size
    db.replaceDict(new Dict())
    return n
  }

  flushAll(): number {
    let n = 0
    for (const db of this.dbs) n += this.flushDb(db)
    return n
  }

  swap(a: number, b: number): void {
    if (a !== b) this.dbs[a].swapDict(this.dbs[b])
  }

  totalKeys(): number {
    let n = 0
    for (const db of this.dbs) n += db.size
    return n
  }
}
