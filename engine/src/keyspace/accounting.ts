// Deterministic memory accounting (DESIGN.md §3): the estimated bytes of one key as this process
// holds it, which Dict keeps per slot with a running sum per db, and used_memory as those sums
// plus the tables' own overhead, the clients' buffers and the memory the server started with.
// V8's heap figures include garbage and move with GC timing, so eviction never compares them.

import { numBytes, strBytes } from '../types/heapsize.js'
import type { Value } from '../types/value.js'
import type { Server } from '../server/server.js'

/**
 * What the V8 heap commits beyond the live bytes it holds (free space in partly used pages), as a
 * share of them: calibrated on 1 M-key loads of every type, whose RSS after a full GC grew by
 * 1.01–1.15 × the live estimate of their values (engine/test/memory-rss.test.ts).
 */
const HEAP_SLACK = 1.08

/** A key's bytes: its name and its value (collections keep their estimate up to date), with heap slack. */
export function keyBytes(key: string, v: Value): number {
  const val = typeof v === 'object' ? v.memoryUsage() : typeof v === 'number' ? numBytes(v) : strBytes(v)
  return Math.round((strBytes(key) + val) * HEAP_SLACK)
}

/** The per-server figures used_memory is made of (INFO memory, MEMORY STATS, eviction). */
export interface MemoryBreakdown {
  /** Keys and values of every db (the dataset). */
  dataset: number
  /** The dbs' tables: index, per-slot arrays. */
  tables: number
  /** Query and reply buffers of the connected clients (refreshed by cron). */
  clients: number
  /** What the server held before any data (used_memory_startup). */
  startup: number
  total: number
}

/** Measures pending writes and returns used_memory's parts. O(databases). */
export function memoryBreakdown(srv: Server, clients: number): MemoryBreakdown {
  let dataset = 0
  let tables = 0
  for (const db of srv.keyspace.dbs) {
    db.settleMemory()
    dataset += db.dict.memTotal
    tables += db.dict.overheadBytes()
  }
  const startup = srv.baselineMemory
  return { dataset, tables, clients, startup, total: dataset + tables + clients + startup }
}
