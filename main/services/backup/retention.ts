// Retention: which backups a schedule keeps. The newest `keepLast` are kept, plus the newest backup
// of each of the last `keepDaily` days, `keepWeekly` ISO weeks and `keepMonthly` months that have
// one (calendar periods in UTC, as restic's forget policy counts them). A policy of all zeros keeps
// everything.

export interface RetentionPolicy {
  keepLast: number
  keepDaily: number
  keepWeekly: number
  keepMonthly: number
}

export interface Dated {
  id: string
  created: number
}

const day = (t: number) => new Date(t).toISOString().slice(0, 10)
const month = (t: number) => new Date(t).toISOString().slice(0, 7)

/** ISO 8601 week (weeks start on Monday; week 1 holds the year's first Thursday). */
export function isoWeek(t: number): string {
  const d = new Date(t)
  const date = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())
  const dow = (d.getUTCDay() + 6) % 7
  const thursday = new Date(date - dow * 86_400_000 + 3 * 86_400_000)
  const year = thursday.getUTCFullYear()
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * 86_400_000)) + 1
  return `${year}-W${String(week).padStart(2, '0')}`
}

/** The ids to delete, newest first. */
export function expired<T extends Dated>(backups: T[], p: RetentionPolicy): T[] {
  if (p.keepLast + p.keepDaily + p.keepWeekly + p.keepMonthly === 0) return []
  const sorted = [...backups].sort((a, b) => b.created - a.created || (a.id < b.id ? -1 : 1))
  const keep = new Set<string>()
  sorted.slice(0, p.keepLast).forEach((b) => keep.add(b.id))
  const periods: [number, (t: number) => string][] = [
    [p.keepDaily, day],
    [p.keepWeekly, isoWeek],
    [p.keepMonthly, month],
  ]
  for (const [n, bucket] of periods) {
    let last: string | null = null
    let kept = 0
    for (const b of sorted) {
      if (kept >= n) break
      const k = bucket(b.created)
      if (k === last) continue
      last = k
      keep.add(b.id)
      kept++
    }
  }
  return sorted.filter((b) => !keep.has(b.id))
}
