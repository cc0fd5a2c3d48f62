// The audit log of admin actions (save, rewrite, config change, flush, delete, restore): one row per
// action with its outcome, in the history database. Other services record through `record`; values
// that may be secrets are redacted before they get here (see `redactCommand`).

import type { AuditEntry } from '../api/contract.js'
import type { AuditInput, HistoryStore } from '../db/history.js'

export type { AuditInput }

export class AuditLog {
  constructor(private readonly store: HistoryStore) {}

  /** Writes one entry; never throws (an audit failure must not turn a done action into an error). */
  record(a: AuditInput): AuditEntry | null {
    try {
      return this.store.recordAudit(a)
    } catch {
      return null
    }
  }

  list(conn: string | undefined, limit: number): AuditEntry[] {
    return this.store.audit(conn, limit)
  }
}

const SENSITIVE = /pass|auth|secret|key|token|cert/i

/**
 * A command line safe to keep: CONFIG SET values of password-like parameters and everything after
 * the user name in ACL commands become ***.
 */
export function redactCommand(args: string[]): string {
  const name = args[0]?.toLowerCase()
  const sub = args[1]?.toLowerCase()
  const out = args.slice()
  if (name === 'config' && sub === 'set') {
    for (let i = 2; i + 1 < out.length; i += 2) if (SENSITIVE.test(out[i])) out[i + 1] = '***'
  } else if (name === 'acl' || name === 'auth' || name === 'migrate') {
    for (let i = name === 'acl' ? 3 : 1; i < out.length; i++) out[i] = '***'
  }
  return out.map((a) => (/[\s"]/.test(a) || a === '' ? JSON.stringify(a) : a)).join(' ')
}
