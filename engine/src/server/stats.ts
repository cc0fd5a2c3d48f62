// Server statistics counters reported by INFO stats (server.stat_* in Redis), and the
// instantaneous-metric samplers (ops/sec, net in/out kbps).

const SAMPLES = 16

class InstantMetric {
  private readonly samples = new Float64Array(SAMPLES)
  private idx = 0
  private lastTime = 0
  private lastValue = 0

  track(value: number, nowMs: number): void {
    if (this.lastTime !== 0) {
      const dt = nowMs - this.lastTime
      if (dt > 0) this.samples[this.idx++ % SAMPLES] = ((value - this.lastValue) * 1000) / dt
    }
    this.lastTime = nowMs
    this.lastValue = value
  }

  get(): number {
    let sum = 0
    for (const v of this.samples) sum += v
    return sum / SAMPLES
  }

  reset(): void {
    this.samples.fill(0)
    this.lastTime = 0
  }
}

export class Stats {
  numConnections = 0
  numCommands = 0
  rejectedConns = 0
  syncFull = 0
  expiredKeys = 0
  expiredStalePerc = 0
  expiredTimeCapReached = 0
  expireCycleCpuMs = 0
  evictedKeys = 0
  evictedClients = 0
  /** ms over maxmemory: past periods plus the current one (kept by the eviction module). */
  totalEvictionExceededTime = 0
  currentEvictionExceededTime = 0
  keyspaceHits = 0
  keyspaceMisses = 0
  netInput = 0
  netOutput = 0
  totalErrorReplies = 0
  unexpectedErrorReplies = 0
  totalReadsProcessed = 0
  totalWritesProcessed = 0
  ioThreadedReads = 0
  /** errorstats: error code (first word) → count. */
  readonly errors = new Map<string, number>()
  readonly opsSec = new InstantMetric()
  readonly netInKbps = new InstantMetric()
  readonly netOutKbps = new InstantMetric()

  countError(msg: string): void {
    this.totalErrorReplies++
    const sp = msg.indexOf(' ')
    const code = sp < 0 ? msg : msg.slice(0, sp)
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1)
  }

  sample(nowMs: number): void {
    this.opsSec.track(this.numCommands, nowMs)
    this.netInKbps.track(this.netInput / 1024, nowMs)
    this.netOutKbps.track(this.netOutput / 1024, nowMs)
  }

  reset(): void {
    this.numConnections = 0
    this.numCommands = 0
    this.rejectedConns = 0
    this.expiredKeys = 0
    this.expiredStalePerc = 0
    this.expiredTimeCapReached = 0
    this.expireCycleCpuMs = 0
    this.evictedKeys = 0
    this.totalEvictionExceededTime = 0
    this.keyspaceHits = 0
    this.keyspaceMisses = 0
    this.netInput = 0
    this.netOutput = 0
    this.totalErrorReplies = 0
    this.totalReadsProcessed = 0
    this.totalWritesProcessed = 0
    this.errors.clear()
    this.opsSec.reset()
    this.netInKbps.reset()
    this.netOutKbps.reset()
  }
}
