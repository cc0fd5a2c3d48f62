// Backups: targets (with their secrets), running a backup, the catalog, rebuilding it from a
// target, and retention. A backup streams the server's point-in-time RDB over the replication
// handshake, hashes it (sha256) and validates it in the RDB worker while it is written to the
// target; the object becomes visible only after the whole RDB parsed with a good checksum, with
// its JSON sidecar right after it, and only then is the catalog row marked good.

import { createHash, randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { pipeline } from 'node:stream/promises'
import { Transform } from 'node:stream'
import type { BackupEntry, BackupTarget, Events, TargetInput } from '../../api/contract.js'
import { UserError } from '../../api/dispatcher.js'
import type { Connections } from '../connections.js'
import type { SecretStore } from '../secrets.js'
import { Catalog, targetView, type CatalogEntry, type TargetRow } from './catalog.js'
import { expired, type RetentionPolicy } from './retention.js'
import { StreamValidator, type RdbSummary } from './rdb-worker.js'
import { openRdbTransfer, type SyncEndpoint } from './sync-client.js'
import { openTarget, type TargetConfig, type TargetStore } from './targets.js'

type Emit = <E extends keyof Events>(event: E, payload: Events[E]) => void

/** The console's own folder target for the safety backups a restore takes first. */
export const SAFETY_TARGET = 'safety'
/** Safety backups (taken before each restore) kept per connection; older ones are pruned. */
export const SAFETY_KEEP = 5

/** The sidecar stored next to each backup: enough to rebuild its catalog row. */
export interface Sidecar {
  format: 'strata-backup/1'
  id: string
  conn: string
  connName: string
  key: string
  bytes: number
  sha256: string
  rdbVersion: number
  keys: Record<string, number>
  created: number
  durationMs: number
  kind: BackupEntry['kind']
  schedule: string | null
  redisVersion: string | null
}

export interface BackupOptions {
  workerScript: string
  /** Folder of the safety target. */
  safetyDir: string
  /** Page size of S3 listings (tests force pagination with a small one). */
  listPageSize?: number
  now?: () => number
}

export interface RunningBackup {
  jobId: string
  backup: string
  done: Promise<CatalogEntry>
}

const sidecarKey = (key: string) => key.replace(/\.rdb$/, '') + '.json'

function slug(s: string): string {
  return (
    s
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'server'
  )
}

function stamp(t: number): string {
  return new Date(t)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
}

function keysPerDb(s: RdbSummary): Record<string, number> {
  return Object.fromEntries(Object.entries(s.dbs).map(([db, d]) => [db, d.keys]))
}

export class BackupService {
  readonly catalog: Catalog
  private readonly jobs = new Map<string, AbortController>()
  private readonly now: () => number

  constructor(
    catalog: Catalog,
    private readonly conns: Connections,
    private readonly secrets: SecretStore,
    private readonly emit: Emit,
    private readonly opts: BackupOptions,
  ) {
    this.catalog = catalog
    this.now = opts.now ?? Date.now
    catalog.failInterrupted()
  }

  // Targets

  targets(): BackupTarget[] {
    return this.catalog.targets().map((t) => targetView(t, !!this.secrets.get(`target:${t.id}`).password))
  }

  private configOf(input: TargetInput): TargetConfig {
    if (input.kind === 'local') {
      if (!input.path?.trim()) throw new UserError('A local target needs a folder path')
      return { kind: 'local', path: input.path.trim() }
    }
    if (!input.bucket?.trim()) throw new UserError('An S3 target needs a bucket')
    return {
      kind: 's3',
      bucket: input.bucket.trim(),
      prefix: (input.prefix ?? '').trim(),
      region: (input.region ?? '').trim() || 'us-east-1',
      endpoint: input.endpoint?.trim() || undefined,
      forcePathStyle: input.forcePathStyle ?? false,
      accessKeyId: input.accessKeyId?.trim() || undefined,
    }
  }

  saveTarget(input: TargetInput): BackupTarget {
    if (input.id === SAFETY_TARGET) throw new UserError('The safety target is managed by Strata')
    const id = input.id ?? randomBytes(8).toString('hex')
    const row: TargetRow = { id, name: input.name, config: this.configOf(input) }
    this.catalog.saveTarget(row)
    if (input.secretAccessKey !== undefined)
      this.secrets.set(`target:${id}`, { password: input.secretAccessKey || undefined })
    return this.targets().find((t) => t.id === id)!
  }

  removeTarget(id: string): boolean {
    this.secrets.delete(`target:${id}`)
    return this.catalog.removeTarget(id)
  }

  async testTarget(input: TargetInput): Promise<string> {
    const cfg = this.configOf(input)
    const stored = input.id ? this.secrets.get(`target:${input.id}`).password : undefined
    const store = this.storeFor(cfg, input.secretAccessKey ?? stored)
    try {
      return await store.test()
    } catch (e) {
      throw new UserError(
        `Target test failed: ${(e as Error).name === 'Error' ? '' : `${(e as Error).name}: `}${(e as Error).message}`,
      )
    } finally {
      store.close()
    }
  }

  private storeFor(cfg: TargetConfig, secret: string | undefined): TargetStore {
    const creds =
      cfg.kind === 's3' && cfg.accessKeyId ? { accessKeyId: cfg.accessKeyId, secretAccessKey: secret ?? '' } : undefined
    return openTarget(cfg, creds, { pageSize: this.opts.listPageSize })
  }

  /** The store of a saved target (or the safety folder); the caller closes it. */
  store(targetId: string): TargetStore {
    if (targetId === SAFETY_TARGET) return openTarget({ kind: 'local', path: this.opts.safetyDir })
    const t = this.catalog.target(targetId)
    if (!t) throw new UserError(`No backup target ${targetId}`)
    return this.storeFor(t.config, this.secrets.get(`target:${targetId}`).password)
  }

  // Catalog

  list(f: { conn?: string; target?: string } = {}): BackupEntry[] {
    const names = new Map<string, TargetStore>()
    try {
      return this.catalog.backups(f).map((e) => {
        let s = names.get(e.target)
        if (!s) {
          try {
            s = this.store(e.target)
          } catch {
            return { ...e, location: e.key }
          }
          names.set(e.target, s)
        }
        return { ...e, location: s.where(e.key) }
      })
    } finally {
      for (const s of names.values()) s.close()
    }
  }

  /** Reads every sidecar on a target and adds the backups the catalog lacks. */
  async rebuild(targetId: string): Promise<{ found: number; added: number }> {
    const store = this.store(targetId)
    try {
      const objects = await store.list()
      const sizes = new Map(objects.map((o) => [o.key, o.size]))
      let found = 0
      let added = 0
      for (const o of objects) {
        if (!o.key.endsWith('.json')) continue
        let side: Sidecar
        try {
          side = JSON.parse(await readAll(await store.read(o.key))) as Sidecar
        } catch {
          continue
        }
        if (side.format !== 'strata-backup/1' || sizes.get(side.key) !== side.bytes) continue
        found++
        const entry: CatalogEntry = {
          id: side.id,
          conn: side.conn,
          connName: side.connName,
          target: targetId,
          key: side.key,
          bytes: side.bytes,
          sha256: side.sha256,
          rdbVersion: side.rdbVersion,
          keys: side.keys,
          created: side.created,
          durationMs: side.durationMs,
          status: 'good',
          error: null,
          kind: side.kind,
          schedule: side.schedule,
        }
        if (this.catalog.adopt(entry)) added++
      }
      if (added) this.emit('backups.changed', { reason: 'rebuild' })
      return { found, added }
    } finally {
      store.close()
    }
  }

  async delete(id: string): Promise<boolean> {
    const e = this.catalog.backup(id)
    if (!e) return false
    if (e.status === 'running') throw new UserError('This backup is still running; cancel it first')
    const store = this.store(e.target)
    try {
      if (e.status === 'good') await store.delete([e.key, sidecarKey(e.key)])
    } finally {
      store.close()
    }
    this.catalog.removeBackups([id])
    this.emit('backups.changed', { reason: 'deleted' })
    return true
  }

  /** Applies a retention policy to a schedule's (or a target's, for one connection) good backups; returns what was deleted. */
  async prune(
    of: { schedule: string } | { target: string; conn: string },
    p: RetentionPolicy,
  ): Promise<CatalogEntry[]> {
    const all = this.catalog.backups({ ...of, status: 'good' })
    const doomed = expired(all, p)
    if (!doomed.length) return []
    const byTarget = new Map<string, CatalogEntry[]>()
    for (const d of doomed) byTarget.set(d.target, [...(byTarget.get(d.target) ?? []), d])
    for (const [target, list] of byTarget) {
      const store = this.store(target)
      try {
        await store.delete(list.flatMap((d) => [d.key, sidecarKey(d.key)]))
      } finally {
        store.close()
      }
      this.catalog.removeBackups(list.map((d) => d.id))
    }
    this.emit('backups.changed', { reason: 'retention' })
    return doomed
  }

  // Running

  cancel(jobId: string): boolean {
    const ac = this.jobs.get(jobId)
    if (!ac) return false
    ac.abort()
    return true
  }

  endpoint(connId: string): SyncEndpoint {
    const p = this.conns.resolve(connId)
    return {
      host: p.host,
      port: p.port,
      username: p.username,
      password: p.password,
      tls: p.tls.enabled
        ? {
            ca: p.tls.ca || undefined,
            cert: p.tls.cert || undefined,
            key: p.tlsKey || undefined,
            servername: p.tls.servername || undefined,
            rejectUnauthorized: p.tls.rejectUnauthorized,
          }
        : undefined,
    }
  }

  /** Starts a backup of a connection to a target; `done` settles with the final catalog row. */
  start(connId: string, targetId: string, o: { kind?: BackupEntry['kind']; schedule?: string } = {}): RunningBackup {
    const ep = this.endpoint(connId)
    const connName = this.conns.list().find((c) => c.id === connId)?.name ?? connId
    const store = this.store(targetId)
    const created = this.now()
    const key = `${slug(connName)}/${stamp(created)}-${randomBytes(3).toString('hex')}.rdb`
    const backup = this.catalog.begin({
      conn: connId,
      connName,
      target: targetId,
      key,
      kind: o.kind ?? 'manual',
      schedule: o.schedule ?? null,
      created,
    })
    const jobId = randomBytes(8).toString('hex')
    const ac = new AbortController()
    this.jobs.set(jobId, ac)
    this.emit('backups.changed', { reason: 'started' })
    const progress = (bytes: number, rate: number, done: boolean) =>
      this.emit('backups.progress', { jobId, backup, conn: connId, target: targetId, bytes, rate, done })
    const run = async (): Promise<CatalogEntry> => {
      const t0 = performance.now()
      let bytes = 0
      let validator: StreamValidator | null = null
      let lastBytes = 0
      let lastAt = t0
      let rate = 0
      progress(0, 0, false)
      const ticker = setInterval(() => {
        const now = performance.now()
        rate = ((bytes - lastBytes) * 1000) / Math.max(1, now - lastAt)
        lastBytes = bytes
        lastAt = now
        progress(bytes, rate, false)
      }, 250)
      try {
        // The workers start while the server prepares its snapshot: one walks the stream, the other
        // hashes it, in parallel, so that this thread only moves blocks and keeps reading the
        // socket without pauses.
        const v = (validator = new StreamValidator(this.opts.workerScript, { structure: true }, true))
        const transfer = await openRdbTransfer(ep, { signal: ac.signal })
        let summary: RdbSummary | null = null
        // Chunks the target is done with, until the workers have read past them too: then their
        // blocks go back to the transfer.
        const written: { chunk: Buffer; end: number }[] = []
        async function* checked(): AsyncGenerator<Buffer> {
          for await (const c of transfer.chunks) {
            bytes += c.length
            const wait = v.push(c)
            yield c
            if (store.releasesChunks) {
              written.push({ chunk: c, end: bytes })
              while (written.length && written[0].end <= v.acknowledged) transfer.reuse(written.shift()!.chunk)
            }
            if (wait) await wait
          }
          // The object is completed only after this returns: a bad RDB never becomes visible.
          summary = await v.end()
        }
        // The sidecar is made once the RDB is validated, and lands with it: the local target
        // writes and flushes it while the RDB's last part is flushed, then renames both.
        let side: Sidecar | null = null
        await store.write(key, checked(), ac.signal, () => {
          const s = summary as RdbSummary | null
          if (!s?.sha256) throw new Error('the transfer ended without a validated RDB')
          side = {
            format: 'strata-backup/1',
            id: backup,
            conn: connId,
            connName,
            key,
            bytes,
            sha256: s.sha256,
            rdbVersion: s.version,
            keys: keysPerDb(s),
            created,
            durationMs: Math.round(performance.now() - t0),
            kind: o.kind ?? 'manual',
            schedule: o.schedule ?? null,
            redisVersion: s.aux['redis-ver'] ?? null,
          }
          return { key: sidecarKey(key), data: Buffer.from(JSON.stringify(side, null, 2)) }
        })
        const done = side as Sidecar | null
        if (!done) throw new Error('the transfer ended without a validated RDB')
        this.catalog.finish(backup, {
          status: 'good',
          bytes,
          sha256: done.sha256,
          rdbVersion: done.rdbVersion,
          keys: done.keys,
          durationMs: done.durationMs,
        })
        if (o.kind === 'safety')
          await this.prune(
            { target: SAFETY_TARGET, conn: connId },
            { keepLast: SAFETY_KEEP, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 },
          )
        return this.catalog.backup(backup)!
      } catch (e) {
        validator?.abort()
        const cancelled = ac.signal.aborted
        const message = cancelled ? 'cancelled' : (e as Error).message
        this.catalog.finish(backup, {
          status: cancelled ? 'cancelled' : 'failed',
          bytes,
          durationMs: Math.round(performance.now() - t0),
          error: message,
        })
        throw new UserError(cancelled ? 'The backup was cancelled' : `Backup of ${connName} failed: ${message}`)
      } finally {
        clearInterval(ticker)
        progress(bytes, rate, true)
        this.jobs.delete(jobId)
        store.close()
        this.emit('backups.changed', { reason: 'finished' })
      }
    }
    const done = run()
    done.catch(() => {})
    return { jobId, backup, done }
  }

  /** Copies a backup's object to a local file, returning its sha256 and size. */
  async download(
    targetId: string,
    key: string,
    file: string,
    onBytes?: (n: number) => void,
  ): Promise<{ sha256: string; bytes: number }> {
    const store = this.store(targetId)
    try {
      const hash = createHash('sha256')
      let bytes = 0
      const tap = new Transform({
        transform(chunk: Buffer, _e, cb) {
          hash.update(chunk)
          bytes += chunk.length
          onBytes?.(bytes)
          cb(null, chunk)
        },
      })
      await pipeline(await store.read(key), tap, createWriteStream(file))
      return { sha256: hash.digest('hex'), bytes }
    } finally {
      store.close()
    }
  }

  /** The catalog row and sidecar of an object, when known (for sha256 checks of S3 sources). */
  async expectedSha(targetId: string, key: string): Promise<string | null> {
    const row = this.catalog.backups({ target: targetId }).find((b) => b.key === key && b.status === 'good')
    if (row?.sha256) return row.sha256
    const store = this.store(targetId)
    try {
      const side = JSON.parse(await readAll(await store.read(sidecarKey(key)))) as Sidecar
      return side.format === 'strata-backup/1' && side.key === key ? side.sha256 : null
    } catch {
      return null
    } finally {
      store.close()
    }
  }
}

async function readAll(r: NodeJS.ReadableStream): Promise<string> {
  const parts: Buffer[] = []
  for await (const c of r) parts.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string))
  return Buffer.concat(parts).toString('utf8')
}
