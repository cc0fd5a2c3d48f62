// Offline RDB inspection: any .rdb (Strata's or real Redis's) is validated and measured by the RDB
// worker (keys per db and type, the memory report over the whole file), then loaded into a private
// engine process on a copy of the file, with no save points and no AOF, so the key browser and
// value viewers work unchanged. The connection is registered as read-only: the API refuses every
// write to it, and the engine never writes the original file.

import { randomBytes } from 'node:crypto'
import { copyFileSync, linkSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { UserError } from '../../api/dispatcher.js'
import type { RdbReport } from '../../api/contract.js'
import type { Connections } from '../connections.js'
import type { EngineHost } from '../engine-host.js'
import { RdbInvalid, inspectFile } from './rdb-worker.js'

export type HostFactory = (dataDir: string) => EngineHost

interface Session {
  dir: string
  engine: EngineHost
  summary: RdbReport
}

export class OfflineService {
  private readonly sessions = new Map<string, Session>()

  constructor(
    private readonly conns: Connections,
    private readonly newHost: HostFactory,
    private readonly workerScript: string,
    private readonly tmpRoot: string,
  ) {}

  async open(path: string, name = basename(path)): Promise<{ conn: string; summary: RdbReport }> {
    let summary: RdbReport
    try {
      summary = await inspectFile(this.workerScript, path, { report: true })
    } catch (e) {
      if (e instanceof RdbInvalid) throw new UserError(`${name} cannot be opened: ${e.message}`)
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new UserError(`No such file: ${path}`)
      throw e
    }
    const id = `rdb-${randomBytes(6).toString('hex')}`
    const dir = join(this.tmpRoot, id)
    mkdirSync(join(dir, 'data'), { recursive: true })
    const copy = join(dir, 'data', 'dump.rdb')
    try {
      // A hard link costs nothing; the engine only ever replaces files by rename, never edits them.
      linkSync(path, copy)
    } catch {
      copyFileSync(path, copy)
    }
    const maxDb = Math.max(0, ...Object.keys(summary.dbs).map(Number))
    writeFileSync(
      join(dir, 'strata.conf'),
      [
        '# Read-only inspection of an RDB file: nothing is ever saved.',
        'bind 127.0.0.1',
        'save ""',
        'appendonly no',
        'dbfilename dump.rdb',
        `databases ${Math.max(16, maxDb + 1)}`,
        '',
      ].join('\n'),
    )
    const engine = this.newHost(dir)
    try {
      await engine.start()
    } catch (e) {
      rmSync(dir, { recursive: true, force: true })
      throw new UserError(`The inspection engine did not load ${name}: ${(e as Error).message}`)
    }
    this.sessions.set(id, { dir, engine, summary })
    this.conns.addEphemeral({
      id,
      name: `${name} (read-only)`,
      host: '127.0.0.1',
      port: engine.status().port!,
      db: Number(Object.keys(summary.dbs)[0] ?? 0),
      tls: { enabled: false, rejectUnauthorized: true },
      separator: ':',
      hasPassword: false,
      managed: true,
      readOnly: true,
      file: path,
    })
    return { conn: id, summary }
  }

  async close(conn: string): Promise<boolean> {
    const s = this.sessions.get(conn)
    if (!s) return false
    this.sessions.delete(conn)
    this.conns.removeEphemeral(conn)
    await s.engine.stop()
    rmSync(s.dir, { recursive: true, force: true })
    return true
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.sessions.keys()].map((c) => this.close(c)))
  }
}
