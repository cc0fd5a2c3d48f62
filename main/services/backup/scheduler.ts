// Scheduled backups. croner only computes the next run of each cron expression; the scheduler keeps
// that time in SQLite and a small tick compares it with the clock. So a run missed while the machine
// slept or the console was closed is noticed at the first tick after and run once (not once per
// missed slot), then the next run is computed from now. A failed run is retried with exponential
// backoff; when every attempt failed a notice tells the user. Retention runs after each good backup.

import { randomBytes } from 'node:crypto'
import { Cron } from 'croner'
import type { BackupSchedule, Events, ScheduleInput } from '../../api/contract.js'
import { UserError } from '../../api/dispatcher.js'
import type { BackupService } from './backups.js'

type Emit = <E extends keyof Events>(event: E, payload: Events[E]) => void

export interface SchedulerOptions {
  /** How often due schedules are looked for. */
  tickMs?: number
  /** Waits before each retry of a failed run (the run is attempted once more per entry). */
  retryDelaysMs?: number[]
  now?: () => number
}

export function parseCron(expr: string): Cron {
  try {
    return new Cron(expr.trim(), { paused: true, mode: 'auto' })
  } catch (e) {
    throw new UserError(`Invalid cron expression "${expr}": ${(e as Error).message.replace(/^CronPattern: /, '')}`)
  }
}

export class Scheduler {
  private timer: NodeJS.Timeout | null = null
  private readonly running = new Set<string>()
  private readonly tickMs: number
  private readonly retries: number[]
  private readonly now: () => number
  private idle: Promise<void>[] = []

  constructor(
    private readonly backups: BackupService,
    private readonly emit: Emit,
    o: SchedulerOptions = {},
  ) {
    this.tickMs = o.tickMs ?? 1000
    this.retries = o.retryDelaysMs ?? [30_000, 120_000, 600_000]
    this.now = o.now ?? Date.now
  }

  private get catalog() {
    return this.backups.catalog
  }

  list(): BackupSchedule[] {
    return this.catalog.schedules()
  }

  save(
    input: ScheduleInput & { keepLast: number; keepDaily: number; keepWeekly: number; keepMonthly: number },
  ): BackupSchedule {
    const cron = parseCron(input.cron)
    this.backups.store(input.target).close()
    this.backups.endpoint(input.conn)
    const prev = input.id ? this.catalog.schedule(input.id) : undefined
    const s: BackupSchedule = {
      id: input.id ?? randomBytes(8).toString('hex'),
      conn: input.conn,
      target: input.target,
      cron: input.cron.trim(),
      keepLast: input.keepLast,
      keepDaily: input.keepDaily,
      keepWeekly: input.keepWeekly,
      keepMonthly: input.keepMonthly,
      enabled: input.enabled ?? true,
      nextRunAt: cron.nextRun(new Date(this.now()))?.getTime() ?? null,
      lastRunAt: prev?.lastRunAt ?? null,
      lastStatus: prev?.lastStatus ?? null,
      lastError: prev?.lastError ?? null,
    }
    this.catalog.saveSchedule(s)
    this.emit('backups.changed', { reason: 'schedule' })
    return s
  }

  remove(id: string): boolean {
    const removed = this.catalog.removeSchedule(id)
    if (removed) this.emit('backups.changed', { reason: 'schedule' })
    return removed
  }

  start(): void {
    this.timer ??= setInterval(() => this.tick(), this.tickMs)
  }

  /** Stops ticking and waits for runs in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await Promise.allSettled(this.idle)
  }

  /** Starts every due schedule (exposed for tests that drive the clock). */
  tick(): void {
    const now = this.now()
    for (const s of this.catalog.schedules()) {
      if (!s.enabled || s.nextRunAt === null || s.nextRunAt > now || this.running.has(s.id)) continue
      const missed = now - s.nextRunAt > Math.max(5_000, 3 * this.tickMs)
      const next = parseCron(s.cron).nextRun(new Date(now))?.getTime() ?? null
      this.catalog.saveSchedule({ ...s, nextRunAt: next })
      const p = this.run(s, missed)
      this.idle.push(p)
      void p.finally(() => (this.idle = this.idle.filter((x) => x !== p)))
    }
  }

  private async run(s: BackupSchedule, missed: boolean): Promise<void> {
    this.running.add(s.id)
    if (missed)
      this.emit('notice', {
        level: 'info',
        title: 'Backups',
        message: `Running a scheduled backup that was missed at ${new Date(s.nextRunAt!).toISOString()}`,
      })
    let error: string | null
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          await this.backups.start(s.conn, s.target, { kind: 'scheduled', schedule: s.id }).done
          error = null
          break
        } catch (e) {
          error = (e as Error).message
          if (attempt >= this.retries.length || !this.catalog.schedule(s.id)) break
          await new Promise((r) => setTimeout(r, this.retries[attempt]))
        }
      }
      if (error === null) await this.backups.prune({ schedule: s.id }, s)
    } catch (e) {
      error = `retention failed: ${(e as Error).message}`
    } finally {
      this.running.delete(s.id)
    }
    const cur = this.catalog.schedule(s.id)
    if (cur) {
      this.catalog.saveSchedule({
        ...cur,
        lastRunAt: this.now(),
        lastStatus: error ? 'failed' : 'good',
        lastError: error,
      })
    }
    if (error) this.emit('notice', { level: 'error', title: 'Backups', message: `Scheduled backup failed: ${error}` })
    this.emit('backups.changed', { reason: 'schedule-run' })
  }
}
