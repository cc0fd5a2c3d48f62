// Deterministic memory accounting (DESIGN.md §3): the estimated bytes of one key as this process
// holds it, which Dict keeps per slot with a running sum per db, and used_memory as those sums
// plus the tables' own overhead, the clients' buffers and the memory the server started with.
// V8's heap figures include garbage and move with GC timing, so eviction never compares them.
// The keyspace keeps the sums over its dbs running too (MemoryTotals), so used_memory costs O(1)
// however many dbs there are: eviction reads it before every denyoom command.

import { numBytes, strBytes } from '../types/heapsize.js'
import type { Value } from '../types/value.js'
import type { Server } from '../server/server.js'
import type { Dict } from './dict.js'

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

/**
 * The running sums of the tables attached to one keyspace: Dict adds every change of its memTotal
 * and overheadBytes() here while attached, so dataset and tables always equal the sums over the
 * attached tables' measured slots. Writes are measured once the command is done with the value
 * (a collection's size is known only then): the tables with unmeasured writes wait in `pending`.
 */
export class MemoryTotals {
  dataset = 0
  tables = 0
  /** Attached tables written since the last settle() (a table may be listed twice, or detached since). */
  readonly pending: Dict[] = []

  /** A table joins the keyspace (a db's new table: start, FLUSHDB, a load). */
  attach(d: Dict): void {
    if (d.totals === this) return
    d.totals = this
    this.dataset += d.memTotal
    this.tables += d.overheadBytes()
    if (d.touchedCount > 0 || d.touchedAll) this.pending.push(d)
  }

  /** A table leaves the keyspace (flushed or replaced: a running snapshot may still read it). */
  detach(d: Dict): void {
    if (d.totals !== this) return
    d.totals = null
    this.dataset -= d.memTotal
    this.tables -= d.overheadBytes()
  }

  /** Measures the slots written since the last call. O(1) per write: values keep running size estimates. */
  settle(): void {
    // Popped one by one: truncating the array costs a runtime call, and eviction settles per command.
    const pending = this.pending
    while (pending.length > 0) {
      const d = pending.pop() as Dict
      if (d.totals === this) measureWrites(d)
    }
  }
}

/** A touched list longer than this (a bulk load's) is dropped once measured rather than kept. */
const TOUCHED_KEEP = 1024

function measureWrites(d: Dict): void {
  if (d.touchedAll) {
    d.touchedAll = false
    for (let slot = 0; slot < d.slotEnd; slot++) measure(d, slot)
  } else {
    const t = d.touched
    for (let i = 0; i < d.touchedCount; i++) measure(d, t[i])
  }
  d.touchedCount = 0
  if (d.touched.length > TOUCHED_KEEP) d.touched = []
}

function measure(d: Dict, slot: number): void {
  const key = d.keys[slot]
  if (key !== undefined) d.setMem(slot, keyBytes(key, d.vals[slot] as Value))
}

/** Measures pending writes and returns used_memory's parts. O(1). */
export function memoryBreakdown(srv: Server, clients: number): MemoryBreakdown {
  const totals = srv.keyspace.memory
  totals.settle()
  const { dataset, tables } = totals
  const startup = srv.baselineMemory
  return { dataset, tables, clients, startup, total: dataset + tables + clients + startup }
}
