// Persistence health from the latest INFO and the save rules: what to warn about and why, in words.

import type { LiveStatus } from '../../../main/api/contract'
import { formatDuration } from './units'

export interface SaveRule {
  seconds: number
  changes: number
}

export function parseSaveRules(save: string | null): SaveRule[] {
  const parts = (save ?? '').trim().split(/\s+/).filter(Boolean).map(Number)
  const out: SaveRule[] = []
  for (let i = 0; i + 1 < parts.length; i += 2) out.push({ seconds: parts[i], changes: parts[i + 1] })
  return out
}

export interface Health {
  level: 'ok' | 'warning' | 'error'
  text: string
}

/** The findings, worst first. `nowSec` is the wall clock in seconds. */
export function persistenceHealth(s: LiveStatus, rules: SaveRule[], nowSec: number): Health[] {
  const out: Health[] = []
  const age = Math.max(0, nowSec - s.rdb.lastSaveTime)
  if (s.rdb.lastStatus !== 'ok')
    out.push({
      level: 'error',
      text: 'The last background save failed (rdb_last_bgsave_status:err). With stop-writes-on-bgsave-error on, writes are refused (MISCONF) until a save succeeds: check free disk space and that the server can write its dir.',
    })
  if (s.aof.enabled && s.aof.lastWriteStatus !== 'ok')
    out.push({
      level: 'error',
      text: 'Writing the AOF failed (aof_last_write_status:err): recent writes may not be on disk. Check disk space and permissions.',
    })
  if (s.aof.lastRewriteStatus !== 'ok')
    out.push({ level: 'warning', text: 'The last AOF rewrite failed (aof_last_bgrewrite_status:err).' })
  if (rules.length === 0 && !s.aof.enabled && s.rdb.changes > 0)
    out.push({
      level: 'warning',
      text: `No save rules and no AOF: ${s.rdb.changes} changes exist only in memory and are lost if the server stops.`,
    })
  // The rule that should already have fired for this many changes.
  const due = rules.filter((r) => s.rdb.changes >= r.changes && r.changes > 0).sort((a, b) => a.seconds - b.seconds)[0]
  if (due && age > due.seconds * 2 + 60 && !s.rdb.inProgress)
    out.push({
      level: 'warning',
      text: `Last save ${formatDuration(age)} ago although the rule "save ${due.seconds} ${due.changes}" should have saved after ${formatDuration(due.seconds)} (${s.rdb.changes} changes pending).`,
    })
  if (out.length === 0)
    out.push({
      level: 'ok',
      text:
        s.rdb.changes === 0
          ? `Everything is saved (last save ${formatDuration(age)} ago).`
          : `${s.rdb.changes} changes since the last save ${formatDuration(age)} ago${
              due ? `; the rule "save ${due.seconds} ${due.changes}" saves them soon` : ''
            }.`,
    })
  return out
}
