// The active expire cycle (expire.c, Redis 7.0): a slow cycle from cron at `hz` with a 25 % CPU
// budget, and a fast 1 ms cycle from beforeSleep after a slow cycle ran out of time. Each db is
// sampled from its TTL list; a db is revisited while more than 10 % of sampled keys were stale.

import type { Server } from '../server/server.js'

const KEYS_PER_LOOP = 20
const FAST_DURATION_US = 1000
const SLOW_TIME_PERC = 25
const ACCEPTABLE_STALE = 10

export class ActiveExpire {
  private nextDb = 0
  private timedOut = false
  private lastFastEnd = 0
  /** Per db, where in its TTL list the last cycle stopped. */
  private cursors: number[] = []

  constructor(private readonly srv: Server) {}

  slowCycle(): void {
    const effort = this.srv.config.getInt('active-expire-effort') - 1
    const hz = this.srv.config.getInt('hz')
    const budgetMs = ((SLOW_TIME_PERC + 2 * effort) * 1000) / hz / 100
    this.run(budgetMs, effort)
  }

  fastCycle(): void {
    if (!this.timedOut) return
    const now = performance.now()
    if (now < this.lastFastEnd + 2) return
    const effort = this.srv.config.getInt('active-expire-effort') - 1
    this.run((FAST_DURATION_US + 250 * effort) / 1000, effort)
    this.lastFastEnd = performance.now()
  }

  private run(budgetMs: number, effort: number): void {
    const srv = this.srv
    if (srv.expiryPaused()) return
    const perLoop = KEYS_PER_LOOP + 5 * effort
    const acceptable = ACCEPTABLE_STALE - effort
    const dbs = srv.keyspace.dbs
    const start = performance.now()
    const deadline = start + budgetMs
    this.timedOut = false
    srv.updateTime()
    let sampledTotal = 0
    let expiredTotal = 0
    for (let n = 0; n < dbs.length && !this.timedOut; n++) {
      const db = dbs[this.nextDb]
      this.nextDb = (this.nextDb + 1) % dbs.length
      let iterations = 0
      for (;;) {
        const d = db.dict
        const count = d.volatileCount
        if (count === 0) {
          d.avgTtl = 0
          break
        }
        let cursor = this.cursors[db.id] ?? 0
        let sampled = 0
        let expired = 0
        let ttlSum = 0
        let ttlSamples = 0
        const now = srv.now()
        for (let i = 0; i < perLoop && i < count; i++) {
          if (cursor >= d.volatileCount) cursor = 0
          if (d.volatileCount === 0) break
          const slot = d.volatileAt(cursor)
          sampled++
          if (now > d.expires[slot]) {
            // The last entry moves into this position: stay on the same cursor.
            db.expireSlot(slot)
            expired++
          } else {
            const ttl = d.expires[slot] - now
            if (ttl > 0) {
              ttlSum += ttl
              ttlSamples++
            }
            cursor++
          }
        }
        this.cursors[db.id] = cursor
        if (ttlSamples > 0) {
          // Redis's running average: 2 % weight for this sample, in integer ms.
          const avg = Math.floor(ttlSum / ttlSamples)
          if (d.avgTtl === 0) d.avgTtl = avg
          d.avgTtl = Math.floor(d.avgTtl / 50) * 49 + Math.floor(avg / 50)
        }
        sampledTotal += sampled
        expiredTotal += expired
        if ((++iterations & 15) === 0 && performance.now() > deadline) {
          this.timedOut = true
          srv.stats.expiredTimeCapReached++
          break
        }
        if (sampled === 0 || (expired * 100) / sampled <= acceptable) break
      }
    }
    const elapsed = performance.now() - start
    srv.stats.expireCycleCpuMs += elapsed
    const perc = sampledTotal ? expiredTotal / sampledTotal : 0
    srv.stats.expiredStalePerc = perc * 0.05 + srv.stats.expiredStalePerc * 0.95
  }
}
