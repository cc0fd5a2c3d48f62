// Paces a background SCAN walk by how promptly the server answers (in the spirit of LEDBAT, the
// "lower than best effort" transport): the walk runs flat out while calls come back on time and
// steps aside, with growing pauses, once they come back late. Late means the server, or the
// machine it runs on, is busy with something else, and every call of ours then adds to what the
// server's other clients wait for.

/** A call this much slower than the floor counts as late (queued behind other work). */
const LATE_MS = 0.5
const MIN_PAUSE_MS = 2
/**
 * The longest pause, per key of COUNT: 10 ms per 500, so a walk on a machine that stays busy still
 * goes through ~40,000 keys a second (a million in under half a minute) instead of stalling.
 */
const MAX_PAUSE_PER_KEY_MS = 0.02
/** COUNT grows while the floor stays under GROW_MS and shrinks once it is over SHRINK_MS. */
const GROW_MS = 1.5
const SHRINK_MS = 3
const MIN_COUNT = 10
/** Calls at a COUNT before a slow floor shrinks it (one slow call may just have waited). */
const SHRINK_AFTER = 4

export class ScanPacer {
  /** COUNT for the next call. */
  count: number
  /** Milliseconds to wait before the next call. */
  pauseMs = 0
  /** The fastest round trip at the current COUNT: the server's own time for a call, plus the trip. */
  floorMs = Infinity
  /** Calls made at the current COUNT. */
  private calls = 0

  constructor(private readonly maxCount: number) {
    this.count = Math.min(100, maxCount)
  }

  /** Records one call's round trip (ms) and sets `count` and `pauseMs` for the next call. */
  record(ms: number): void {
    // The floor is kept for the whole walk (not a recent window): under lasting contention every
    // call is late, and a recent minimum would take that for the server's normal pace.
    this.calls++
    const floor = (this.floorMs = Math.min(this.floorMs, ms))
    const maxPause = Math.max(MIN_PAUSE_MS, this.count * MAX_PAUSE_PER_KEY_MS)
    if (ms - floor > LATE_MS) this.pauseMs = Math.min(maxPause, Math.max(MIN_PAUSE_MS, this.pauseMs * 2))
    else this.pauseMs = this.pauseMs * 0.75 < 1 ? 0 : this.pauseMs * 0.75
    // COUNT follows the floor, not single calls: a call that waited behind other work says nothing
    // about how long the server takes for a step, and smaller steps would only mean more of them.
    let next = this.count
    if (floor < GROW_MS && this.count < this.maxCount) next = Math.min(this.maxCount, this.count * 2)
    else if (floor > SHRINK_MS && this.calls >= SHRINK_AFTER && this.count > MIN_COUNT)
      next = Math.max(MIN_COUNT, this.count >> 1)
    if (next !== this.count) {
      this.count = next
      this.floorMs = Infinity
      this.calls = 0
    }
  }
}
