// The fork-less point-in-time snapshot cursor (DESIGN.md §3, persistence-spec §6.2), shared by
// BGSAVE, AOF rewrite, full sync and backups. At start it captures each db's Dict object and its
// slot range; a time-sliced walk then hands every key that existed at that moment to a sink, and
// the Dict pre-write hook hands a key over *before* its first change, so the sink sees each
// original key exactly once with its value as of the start. FLUSHDB/SWAPDB replace Dict objects,
// so the captured ones simply stop changing. Keys born after the start are never emitted.

import { performance } from 'node:perf_hooks'
import { keyBytes } from '../keyspace/accounting.js'
import type { Dict, DictHooks } from '../keyspace/dict.js'
import type { Value } from '../types/value.js'
import type { Server } from '../server/server.js'

/** Receives the snapshot's keys; it must serialise (copy) the value before returning. */
export interface SnapshotSink {
  record(db: number, key: string, val: Value, expireAt: number, dict: Dict, slot: number): void
  /** While true the walk pauses (output is backed up); call Snapshot.resume() once it drains. */
  congested(): boolean
}

/**
 * CPU budget of one walk slice while clients are active, and while the server is idle (ms). A
 * command that arrives during a slice waits for its end, so a busy slice takes a quarter of the
 * time the loop spent on other work since the last one, between BUSY_MIN and BUSY_MAX: light
 * traffic (a GET per turn) sees at most BUSY_MIN_SLICE_MS added, while heavy pipelined work (long
 * turns) still leaves the walk a fair share. Between slices the loop polls sockets.
 */
const BUSY_MIN_SLICE_MS = 0.05
const BUSY_MAX_SLICE_MS = 0.2
const BUSY_SHARE = 0.25
const IDLE_SLICE_MS = 4
/** The server counts as idle once no command has run for this long (ms). */
const IDLE_AFTER_MS = 20
/**
 * Work units between clock reads: an empty slot or a string costs 1, a collection (which takes far
 * longer to encode) costs CHECK_EVERY, so the clock is read after every collection.
 */
const CHECK_EVERY = 8

const PENDING = 0
const DONE = 1

export class Snapshot {
  /** The Dict of each db at the start, by db index. */
  readonly dicts: Dict[]
  /** Per db, one byte per slot that existed at the start: PENDING until emitted or reborn. */
  private readonly state: Uint8Array[]
  private readonly ends: number[]
  /** Keys and keys-with-TTL per db at the start (RESIZEDB hints). */
  readonly sizes: number[]
  readonly expires: number[]
  readonly keysTotal: number
  keysProcessed = 0
  /**
   * Fork-less copy-on-write: the accounted bytes of the keys a write made the snapshot serialise
   * ahead of its walk (INFO current_cow_size / rdb_last_cow_size), and when that last grew.
   */
  cowBytes = 0
  cowChangedAt = 0
  private db = 0
  private slot = 0
  private finished = false
  cancelled = false
  /** True when the last slice stopped because the rdb-key-save-delay pace was reached. */
  paced = false
  private readonly startedAt = performance.now()
  private resolveDone!: () => void
  /** Resolves when every key has been handed to the sink (or the snapshot was cancelled). */
  readonly done: Promise<void>

  constructor(
    private readonly mgr: SnapshotManager,
    dicts: Dict[],
    readonly sink: SnapshotSink,
    /** Microseconds per key the walk may not outrun (0: as fast as the slices allow). */
    private readonly keyUs = 0,
  ) {
    this.dicts = dicts
    this.state = dicts.map((d) => new Uint8Array(d.slotEnd))
    this.ends = dicts.map((d) => d.slotEnd)
    this.sizes = dicts.map((d) => d.size)
    this.expires = dicts.map((d) => d.volatileCount)
    this.keysTotal = this.sizes.reduce((a, b) => a + b, 0)
    this.done = new Promise((r) => (this.resolveDone = r))
  }

  /** Pre-write hook: a key of the snapshot is about to change, so its current value goes first. */
  beforeWrite(db: number, slot: number): void {
    if (slot >= this.ends[db]) return
    const st = this.state[db]
    if (st[slot] !== PENDING) return
    st[slot] = DONE
    const d = this.dicts[db]
    const key = d.keys[slot]
    if (key !== undefined) {
      this.cowBytes += keyBytes(key, d.vals[slot] as Value)
      this.cowChangedAt = Date.now()
    }
    this.emit(db, slot)
  }

  /** A key was created in slot: if the slot predates the snapshot, it is not part of it. */
  afterInsert(db: number, slot: number): void {
    if (slot < this.ends[db]) this.state[db][slot] = DONE
  }

  private emit(db: number, slot: number): void {
    const d = this.dicts[db]
    const key = d.keys[slot]
    if (key === undefined) return
    this.keysProcessed++
    this.sink.record(db, key, d.vals[slot] as Value, d.expires[slot], d, slot)
  }

  /** Walks until the deadline or congestion; true once every db has been walked. */
  slice(deadline: number): boolean {
    let n = 0
    const sink = this.sink
    const allowed = this.keyUs > 0 ? ((performance.now() - this.startedAt) * 1000) / this.keyUs : Infinity
    this.paced = false
    while (this.db < this.dicts.length) {
      const st = this.state[this.db]
      const end = this.ends[this.db]
      while (this.slot < end) {
        const s = this.slot
        if (st[s] === PENDING && this.keysProcessed >= allowed) {
          this.paced = true
          return false
        }
        this.slot++
        if (st[s] === PENDING) {
          st[s] = DONE
          if (typeof this.dicts[this.db].vals[s] === 'object') n += CHECK_EVERY - 1
          this.emit(this.db, s)
        }
        if (++n >= CHECK_EVERY) {
          n = 0
          if (performance.now() > deadline || sink.congested()) return false
        }
      }
      this.db++
      this.slot = 0
    }
    return true
  }

  /** Restarts the walk after the sink drained. */
  resume(): void {
    this.mgr.wake()
  }

  /** Stops without emitting more keys (FLUSHALL, SHUTDOWN, a failed sink). */
  cancel(): void {
    if (this.finished) return
    this.cancelled = true
    this.finish()
  }

  finish(): void {
    if (this.finished) return
    this.finished = true
    this.mgr.detach(this)
    this.resolveDone()
  }
}

/** The Dict hook: fans a change out to every running snapshot that captured this Dict. */
class DictFanout implements DictHooks {
  readonly entries: { snap: Snapshot; db: number }[] = []

  beforeWrite(_dict: Dict, slot: number): void {
    for (const e of this.entries) e.snap.beforeWrite(e.db, slot)
  }

  afterInsert(_dict: Dict, slot: number): void {
    for (const e of this.entries) e.snap.afterInsert(e.db, slot)
  }
}

/** The snapshots running on one server, and the beforeSleep-driven walk that advances them. */
export class SnapshotManager {
  private readonly running: Snapshot[] = []
  private tickQueued = false
  private lastCommands = -1
  private lastActive = 0
  private readonly tick = (): void => this.runSlices()
  private paceTimer: NodeJS.Timeout | null = null
  /** When the last slice ended (performance.now()). */
  private lastSliceEnd = 0

  constructor(private readonly srv: Server) {
    // Slices run right after beforeSleep has written the turn's replies (nextTick from inside
    // beforeSleep), so a reply never waits behind a slice of its own turn.
    srv.hooks.beforeSleep.push(() => {
      if (this.running.length > 0 && !this.tickQueued) {
        this.tickQueued = true
        process.nextTick(this.tick)
      }
    })
  }

  /** Starts a snapshot of every db as it is now. */
  start(sink: SnapshotSink): Snapshot {
    const dicts = this.srv.keyspace.dbs.map((db) => db.dict)
    // rdb-key-save-delay, as Redis reads it: µs per key, or a negative -n for 1 µs per n keys.
    const delay = this.srv.config.getInt('rdb-key-save-delay')
    const snap = new Snapshot(this, dicts, sink, delay >= 0 ? delay : 1 / -delay)
    dicts.forEach((d, i) => {
      let fan = d.hooks
      if (!(fan instanceof DictFanout)) {
        fan = new DictFanout()
        d.hooks = fan
      }
      ;(fan as DictFanout).entries.push({ snap, db: i })
    })
    this.running.push(snap)
    this.wake()
    return snap
  }

  detach(snap: Snapshot): void {
    const i = this.running.indexOf(snap)
    if (i >= 0) this.running.splice(i, 1)
    for (const d of snap.dicts) {
      const fan = d.hooks
      if (!(fan instanceof DictFanout)) continue
      const k = fan.entries.findIndex((e) => e.snap === snap)
      if (k >= 0) fan.entries.splice(k, 1)
      if (fan.entries.length === 0) d.hooks = null
    }
  }

  /** Asks for another beforeSleep turn (and so another slice). */
  wake(): void {
    this.srv.wakeUp()
  }

  private runSlices(): void {
    this.tickQueued = false
    const cmds = this.srv.stats.numCommands
    const now = performance.now()
    // Clients waiting for a reply send nothing in the turns between, so one quiet turn is not idle.
    if (cmds !== this.lastCommands) this.lastActive = now
    this.lastCommands = cmds
    const idle = now - this.lastActive > IDLE_AFTER_MS
    const busySlice = Math.min(BUSY_MAX_SLICE_MS, Math.max(BUSY_MIN_SLICE_MS, (now - this.lastSliceEnd) * BUSY_SHARE))
    const deadline = now + (idle ? IDLE_SLICE_MS : busySlice)
    let more = false
    let paced = false
    for (const snap of [...this.running]) {
      if (snap.sink.congested()) continue
      if (snap.slice(deadline)) snap.finish()
      else if (snap.paced) paced = true
      else if (!snap.sink.congested()) more = true
    }
    this.lastSliceEnd = performance.now()
    if (more) this.wake()
    else if (paced && !this.paceTimer)
      // A paced walk waits on a timer rather than spinning the loop until its next key is due.
      this.paceTimer = setTimeout(() => {
        this.paceTimer = null
        this.wake()
      }, 1)
  }
}

const managers = new WeakMap<Server, SnapshotManager>()

/** The snapshot manager of a server (created on first use). */
export function snapshots(srv: Server): SnapshotManager {
  let m = managers.get(srv)
  if (!m) {
    m = new SnapshotManager(srv)
    managers.set(srv, m)
  }
  return m
}
