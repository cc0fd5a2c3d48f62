// The metrics collector: polls INFO on every watched connection (the embedded engine always) once
// per interval, derives samples and timeline events, writes each tick in one SQLite transaction and
// pushes the points live to the renderer. A poll that does not answer within the timeout is
// abandoned (its client dropped) and shows as a gap; ticks never overlap, so a slow or dead server
// can't pile up requests or stall the others.

import type { Redis } from 'ioredis'
import type { Events, LiveStatus, TimelineEvent, TimelineEventInput } from '../../api/contract.js'
import type { HistoryStore, TickRow } from '../../db/history.js'
import { Deriver, parseInfo, type Sample } from './derive.js'

type Emit = <E extends keyof Events>(event: E, payload: Events[E]) => void

export interface CollectorOptions {
  store: HistoryStore
  /** A client of the collector's own for a connection (closed by the collector). */
  open: (conn: string) => Promise<Redis>
  emit: Emit
  intervalMs?: number
  /** Longest a poll may take before it counts as a gap (defaults to 80 % of the interval). */
  timeoutMs?: number
  /** Connections watched whatever the user chose (the embedded engine). */
  always?: string[]
  /** Wall clock in ms; tests inject their own. */
  clock?: () => number
}

class Poller {
  readonly deriver = new Deriver()
  private client: Promise<Redis> | null = null
  /** Set once `client` settled; a connect still pending is reused, never stacked. */
  private connected = false
  down = false
  status: LiveStatus | null = null

  constructor(
    readonly conn: string,
    private readonly open: (conn: string) => Promise<Redis>,
  ) {}

  /** One INFO round trip, bounded by timeoutMs; the error text instead when it fails. */
  async poll(timeoutMs: number, clock: () => number): Promise<{ sample: Sample } | { error: string }> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`INFO took longer than ${timeoutMs} ms`)), timeoutMs)
    })
    try {
      if (!this.client) {
        const p = this.open(this.conn)
        this.client = p
        this.connected = false
        p.then(
          () => this.client === p && (this.connected = true),
          () => this.client === p && (this.connected = true),
        )
      }
      const work = this.client.then((c) => c.info())
      work.catch(() => {}) // abandoned on timeout: its rejection is expected
      const text = await Promise.race([work, timeout])
      const sample = this.deriver.next(parseInfo(text), clock())
      this.status = sample.status
      return { sample }
    } catch (e) {
      // A connection that hangs in its handshake stays the one attempt; anything else starts over.
      if (this.connected) this.drop()
      this.deriver.gap()
      return { error: (e as Error).message }
    } finally {
      clearTimeout(timer)
    }
  }

  drop(): void {
    const c = this.client
    this.client = null
    c?.then(
      (x) => x.disconnect(),
      () => {},
    )
  }
}

export class Collector {
  readonly intervalMs: number
  private readonly timeoutMs: number
  private readonly clock: () => number
  private readonly pollers = new Map<string, Poller>()
  private readonly always: Set<string>
  private timer: NodeJS.Timeout | null = null
  private ticking: Promise<void> | null = null
  private readonly listeners = new Set<(e: TimelineEvent) => void>()

  constructor(private readonly o: CollectorOptions) {
    this.intervalMs = o.intervalMs ?? 1000
    this.timeoutMs = o.timeoutMs ?? Math.max(200, Math.round(this.intervalMs * 0.8))
    this.clock = o.clock ?? Date.now
    this.always = new Set(o.always ?? [])
  }

  /** Watches the always-on and the saved connections and starts ticking. */
  start(): void {
    for (const c of [...this.always, ...this.o.store.watched()]) this.ensure(c)
    const loop = () => {
      const started = this.clock()
      void this.tick().finally(() => {
        if (!this.timer) return
        const spent = this.clock() - started
        this.timer = setTimeout(loop, Math.max(0, this.intervalMs - spent))
      })
    }
    this.timer = setTimeout(loop, 0)
  }

  async stop(): Promise<void> {
    const t = this.timer
    this.timer = null
    if (t) clearTimeout(t)
    await this.ticking
    for (const p of this.pollers.values()) p.drop()
    this.pollers.clear()
  }

  watch(conn: string): boolean {
    this.o.store.setWatched(conn, true)
    this.ensure(conn)
    return true
  }

  unwatch(conn: string): boolean {
    if (this.always.has(conn)) return true
    this.o.store.setWatched(conn, false)
    this.pollers.get(conn)?.drop()
    this.pollers.delete(conn)
    return false
  }

  watching(): string[] {
    return [...this.pollers.keys()]
  }

  status(conn: string): LiveStatus | null {
    return this.pollers.get(conn)?.status ?? null
  }

  /** Timeline events as they are stored (the persistence service follows job ends here). */
  onEvent(listener: (e: TimelineEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** A connection's clients changed (engine restarted, profile edited): reconnect on the next poll. */
  reconnect(conn: string): void {
    this.pollers.get(conn)?.drop()
  }

  /** Events the console itself causes (admin config changes), stored and pushed like detected ones. */
  record(conn: string, e: TimelineEventInput): void {
    const ev = this.o.store.addEvent(conn, e)
    if (ev) this.publish(ev)
  }

  /** One round: every watched connection polled in parallel, then one transaction. Never overlaps. */
  tick(): Promise<void> {
    if (this.ticking) return this.ticking
    this.ticking = this.runTick().finally(() => (this.ticking = null))
    return this.ticking
  }

  private async runTick(): Promise<void> {
    const pollers = [...this.pollers.values()]
    const results = await Promise.all(pollers.map((p) => p.poll(this.timeoutMs, this.clock)))
    const rows: TickRow[] = []
    const events: { conn: string; event: TimelineEventInput }[] = []
    const now = this.clock()
    const ticks: Events['metrics.tick'][] = []
    pollers.forEach((p, i) => {
      const r = results[i]
      if ('error' in r) {
        if (!p.down) events.push({ conn: p.conn, event: { ts: now, kind: 'unreachable', detail: { error: r.error } } })
        p.down = true
        ticks.push({ conn: p.conn, point: null, status: null, error: r.error })
        return
      }
      const s = r.sample
      if (p.down) events.push({ conn: p.conn, event: { ts: s.ts, kind: 'reachable', detail: {} } })
      p.down = false
      rows.push({ conn: p.conn, ts: s.ts, values: s.values, dbs: s.dbs })
      for (const e of s.events) events.push({ conn: p.conn, event: e })
      const dbKeys: Record<number, number> = {}
      for (const [db, d] of Object.entries(s.dbs)) dbKeys[Number(db)] = d.keys
      ticks.push({ conn: p.conn, point: { ts: s.ts, values: s.values, dbKeys }, status: s.status })
    })
    // A watch removed while polling: its result is dropped.
    const live = (conn: string) => this.pollers.has(conn)
    const stored = this.o.store.writeTick(
      rows.filter((r) => live(r.conn)),
      events.filter((e) => live(e.conn)),
      now,
    )
    for (const t of ticks) if (live(t.conn)) this.o.emit('metrics.tick', t)
    for (const e of stored) this.publish(e)
  }

  private publish(e: TimelineEvent): void {
    this.o.emit('metrics.event', e)
    for (const l of this.listeners) l(e)
  }

  private ensure(conn: string): void {
    if (!this.pollers.has(conn)) this.pollers.set(conn, new Poller(conn, this.o.open))
  }
}
