// CLI console sessions, one per connection: the transcript, the command history (kept in
// localStorage, newest last) and the db the session is in.

import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { CliReply } from '../../../main/api/contract'
import { api } from '../api/client'
import { formatReply } from '../lib/cli-format'

export interface Entry {
  line: string
  db: number
  output: string
  error: boolean
  ms: number
}

interface Session {
  entries: Entry[]
  history: string[]
  db: number
}

const HISTORY_MAX = 500

function loadHistory(conn: string): string[] {
  try {
    return JSON.parse(localStorage.getItem(`strata.cli.${conn}`) ?? '[]') as string[]
  } catch {
    return []
  }
}

export const useCliStore = defineStore('cli', () => {
  const sessions = ref<Record<string, Session>>({})

  function session(conn: string): Session {
    sessions.value[conn] ??= { entries: [], history: loadHistory(conn), db: 0 }
    return sessions.value[conn]
  }

  function remember(conn: string, line: string) {
    const s = session(conn)
    if (s.history[s.history.length - 1] !== line) s.history.push(line)
    if (s.history.length > HISTORY_MAX) s.history.splice(0, s.history.length - HISTORY_MAX)
    localStorage.setItem(`strata.cli.${conn}`, JSON.stringify(s.history))
  }

  /**
   * Runs a line. When the command is dangerous, `confirm` is called with the reason; the command
   * runs only if it resolves true.
   */
  async function run(conn: string, line: string, confirm: (reason: string) => Promise<boolean>): Promise<Entry | null> {
    const s = session(conn)
    remember(conn, line)
    const push = (output: string, error: boolean, ms = 0, db = s.db) => {
      const e = { line, db, output, error, ms }
      s.entries.push(e)
      return e
    }
    try {
      let r = await api().call('cli.exec', { conn, db: s.db, line })
      if (r.confirm) {
        if (!(await confirm(r.confirm))) return push('(cancelled)', true)
        r = await api().call('cli.exec', { conn, db: s.db, line, confirmed: true })
      }
      const reply = r.reply as CliReply
      const e = push(formatReply(reply), reply.t === 'err', r.ms, s.db)
      s.db = r.db
      return e
    } catch (err) {
      return push(`(error) ${(err as Error).message}`, true)
    }
  }

  function clear(conn: string) {
    session(conn).entries = []
  }

  return { sessions, session, run, clear }
})
