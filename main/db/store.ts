// The console's own SQLite database (better-sqlite3, WAL): connection profiles and encrypted
// secrets. Plain Node only — Electron would need better-sqlite3 rebuilt for its ABI.

import Database from 'better-sqlite3'

export type Sqlite = Database.Database

const MIGRATIONS = [
  `CREATE TABLE connections (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     host TEXT NOT NULL,
     port INTEGER NOT NULL,
     username TEXT,
     db INTEGER NOT NULL DEFAULT 0,
     tls TEXT NOT NULL,
     separator TEXT NOT NULL DEFAULT ':',
     created_at INTEGER NOT NULL
   );
   CREATE TABLE secrets (id TEXT PRIMARY KEY, blob BLOB NOT NULL);`,
]

export function openStore(file: string): Sqlite {
  return openDatabase(file, MIGRATIONS)
}

/**
 * Opens a database in WAL mode and brings it to the latest schema: `migrations[v]` moves it from
 * version v (PRAGMA user_version) to v + 1, each in its own transaction. Other databases of the
 * console (metrics history) use the same runner with their own list.
 */
export function openDatabase(file: string, migrations: readonly string[]): Sqlite {
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  const version = db.pragma('user_version', { simple: true }) as number
  for (let v = version; v < migrations.length; v++) {
    db.transaction(() => {
      db.exec(migrations[v])
      db.pragma(`user_version = ${v + 1}`)
    })()
  }
  return db
}
