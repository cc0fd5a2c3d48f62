// Connection profiles in SQLite. Secrets (password, TLS private key) never land here: they go
// through the SecretStore, keyed by the profile id.

import type { Sqlite } from './store.js'

export interface TlsSettings {
  enabled: boolean
  ca?: string
  cert?: string
  servername?: string
  rejectUnauthorized: boolean
}

export interface Profile {
  id: string
  name: string
  host: string
  port: number
  username?: string
  db: number
  tls: TlsSettings
  separator: string
}

interface Row {
  id: string
  name: string
  host: string
  port: number
  username: string | null
  db: number
  tls: string
  separator: string
}

function fromRow(r: Row): Profile {
  return {
    id: r.id,
    name: r.name,
    host: r.host,
    port: r.port,
    username: r.username ?? undefined,
    db: r.db,
    tls: JSON.parse(r.tls) as TlsSettings,
    separator: r.separator,
  }
}

export class ProfileStore {
  constructor(private readonly db: Sqlite) {}

  list(): Profile[] {
    return (this.db.prepare('SELECT * FROM connections ORDER BY created_at, id').all() as Row[]).map(fromRow)
  }

  get(id: string): Profile | undefined {
    const r = this.db.prepare('SELECT * FROM connections WHERE id = ?').get(id) as Row | undefined
    return r && fromRow(r)
  }

  save(p: Profile): void {
    this.db
      .prepare(
        `INSERT INTO connections (id, name, host, port, username, db, tls, separator, created_at)
         VALUES (@id, @name, @host, @port, @username, @db, @tls, @separator, @created)
         ON CONFLICT(id) DO UPDATE SET name=@name, host=@host, port=@port, username=@username, db=@db,
           tls=@tls, separator=@separator`,
      )
      .run({ ...p, username: p.username ?? null, tls: JSON.stringify(p.tls), created: Date.now() })
  }

  remove(id: string): boolean {
    return this.db.prepare('DELETE FROM connections WHERE id = ?').run(id).changes > 0
  }
}
