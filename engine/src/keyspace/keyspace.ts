// All databases of a server: creation, FLUSHALL/FLUSHDB, SWAPDB, and the per-db key counts INFO
// keyspace reports.

import { Db, type KeyspaceContext } from './db.js'
import { Dict } from './dict.js'

export class Keyspace {
  readonly dbs: Db[]

  constructor(count: number, ctx: KeyspaceContext) {
    this.dbs = Array.from({ length: count }, (_, i) => new Db(i, ctx))
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
    if (a === b) return
    const da = this.dbs[a]
    const db = this.dbs[b]
    const tmp = da.dict
    da.replaceDict(db.dict)
    db.replaceDict(tmp)
  }

  totalKeys(): number {
    let n = 0
    for (const db of this.dbs) n += db.size
    return n
  }
}
