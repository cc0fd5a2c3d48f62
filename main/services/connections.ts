// The connection manager: the embedded engine (a managed connection) plus user profiles for external
// Redis-compatible servers. Profiles persist in SQLite, secrets in the SecretStore. Opens ioredis
// clients on demand (one per connection and db, plus dedicated ones for the CLI and notifications)
// and turns connection failures into messages a user can act on.

import { randomUUID } from 'node:crypto'
import { Redis, type RedisOptions } from 'ioredis'
import type { ConnectionInfo, DbCount, ProfileInput, ServerSummary } from '../api/contract.js'
import { UserError } from '../api/dispatcher.js'
import type { Profile, ProfileStore } from '../db/profiles.js'
import type { SecretStore } from './secrets.js'

export const EMBEDDED_ID = 'embedded'

export interface EngineEndpoint {
  port(): number | null
}

type Resolved = Profile & { password?: string; tlsKey?: string }

/** Maps low-level connection errors to messages naming the cause. */
export function describeConnectError(e: unknown, p: { host: string; port: number }): string {
  const err = e as NodeJS.ErrnoException & { message: string }
  const where = `${p.host}:${p.port}`
  const msg = err?.message ?? String(e)
  if (err?.code === 'ECONNREFUSED') return `Cannot reach ${where}: connection refused (is the server running?)`
  if (err?.code === 'ENOTFOUND' || err?.code === 'EAI_AGAIN') return `Cannot resolve host ${p.host}`
  if (err?.code === 'ETIMEDOUT' || /timed? ?out/i.test(msg)) return `Cannot reach ${where}: connection timed out`
  if (/WRONGPASS|invalid username-password|invalid password/i.test(msg))
    return 'Authentication failed: wrong username or password'
  if (/NOAUTH/i.test(msg)) return 'Authentication required: this server needs a password'
  if (/AUTH.*without any password configured|no password is set/i.test(msg))
    return 'Authentication failed: the server has no password set; leave the password empty'
  if (/certificate|SSL|TLS|EPROTO|self.signed|CERT_/i.test(msg) || err?.code?.startsWith?.('ERR_SSL'))
    return `TLS handshake with ${where} failed: ${msg}`
  if (err?.code === 'ECONNRESET' || /Connection is closed/i.test(msg))
    return `${where} closed the connection during the handshake (a TLS server reached without TLS, or the reverse?)`
  return `Cannot connect to ${where}: ${msg}`
}

function clientOptions(p: Resolved, db: number, timeoutMs = 5000): RedisOptions {
  const o: RedisOptions = {
    host: p.host,
    port: p.port,
    db,
    username: p.username || undefined,
    password: p.password || undefined,
    lazyConnect: true,
    // RESP2 everywhere: replies have one shape on every server (RESP3 nests ZRANGE WITHSCORES pairs,
    // turns maps into objects), and the CLI shows what redis-cli shows by default.
    protocol: 2,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    retryStrategy: (times) => (times > 3 ? null : 200 * times),
    connectionName: 'strata-console',
  }
  if (p.tls.enabled) {
    o.tls = {
      ca: p.tls.ca || undefined,
      cert: p.tls.cert || undefined,
      key: p.tlsKey || undefined,
      servername: p.tls.servername || undefined,
      rejectUnauthorized: p.tls.rejectUnauthorized,
    }
  }
  return o
}

/** Opens a client and waits until it is ready, or fails with a readable message. */
export async function connectClient(p: Resolved, db: number): Promise<Redis> {
  const client = new Redis({ ...clientOptions(p, db), retryStrategy: () => null })
  let lastError: unknown
  client.on('error', (e) => (lastError = e))
  try {
    await client.connect()
  } catch (e) {
    client.disconnect()
    throw new UserError(describeConnectError(lastError ?? e, p))
  }
  // Keep reconnecting from now on: a pooled client outlives brief hiccups.
  client.options.retryStrategy = (times) => (times > 3 ? null : 200 * times)
  return client
}

export function parseKeyspace(info: string): DbCount[] {
  const dbs: DbCount[] = []
  for (const m of info.matchAll(/^db(\d+):keys=(\d+),expires=(\d+)/gm))
    dbs.push({ db: Number(m[1]), keys: Number(m[2]), expires: Number(m[3]) })
  return dbs
}

export async function summarize(client: Redis): Promise<ServerSummary> {
  const server = await client.info('server')
  const keyspace = await client.info('keyspace')
  let databases = 16
  let notifications = false
  try {
    const [, dbs] = (await client.config('GET', 'databases')) as string[]
    if (dbs) databases = Number(dbs)
    const [, flags] = (await client.config('GET', 'notify-keyspace-events')) as string[]
    notifications = /[KE]/.test(flags ?? '') && /[Ag$lshzxe]/.test(flags ?? '')
  } catch {
    // CONFIG may be disabled or renamed on managed services: keep the defaults.
  }
  return {
    version: /redis_version:([^\r\n]+)/.exec(server)?.[1] ?? 'unknown',
    mode: /redis_mode:([^\r\n]+)/.exec(server)?.[1] ?? 'standalone',
    databases,
    dbs: parseKeyspace(keyspace),
    notifications,
  }
}

export class Connections {
  private readonly pool = new Map<string, Promise<Redis>>()
  /** Connections that live only while the console runs (read-only RDB inspection engines). */
  private readonly ephemeral = new Map<string, ConnectionInfo>()

  constructor(
    private readonly profiles: ProfileStore,
    private readonly secrets: SecretStore,
    private readonly engine: EngineEndpoint,
  ) {}

  list(): ConnectionInfo[] {
    const out: ConnectionInfo[] = []
    const port = this.engine.port()
    if (port !== null) out.push(this.embeddedInfo(port))
    for (const p of this.profiles.list()) {
      const s = this.secrets.get(p.id)
      out.push({ ...p, hasPassword: !!s.password, managed: false })
    }
    out.push(...this.ephemeral.values())
    return out
  }

  addEphemeral(info: ConnectionInfo): void {
    this.ephemeral.set(info.id, info)
  }

  removeEphemeral(id: string): void {
    this.dropClients(id)
    this.ephemeral.delete(id)
  }

  isReadOnly(id: string): boolean {
    return this.ephemeral.get(id)?.readOnly === true
  }

  save(
    input: ProfileInput & { db: number; separator: string; tls: Profile['tls'] & { key?: string } },
  ): ConnectionInfo {
    if (input.id === EMBEDDED_ID) throw new UserError('The embedded engine is managed by Strata and cannot be edited')
    const id = input.id ?? randomUUID()
    const prev = this.secrets.get(id)
    const { key: tlsKey, ...tls } = input.tls
    const profile: Profile = {
      id,
      name: input.name,
      host: input.host,
      port: input.port,
      username: input.username || undefined,
      db: input.db,
      tls,
      separator: input.separator,
    }
    this.profiles.save(profile)
    this.secrets.set(id, {
      password: input.password === undefined ? prev.password : input.password || undefined,
      tlsKey: tlsKey === undefined ? prev.tlsKey : tlsKey || undefined,
    })
    this.dropClients(id)
    return this.list().find((c) => c.id === id)!
  }

  remove(id: string): boolean {
    if (id === EMBEDDED_ID) throw new UserError('The embedded engine cannot be removed')
    this.dropClients(id)
    this.secrets.delete(id)
    return this.profiles.remove(id)
  }

  /** Connects with an unsaved profile (secrets from the form, or the stored ones when omitted). */
  async test(input: ProfileInput & { db: number; tls: Profile['tls'] & { key?: string } }): Promise<ServerSummary> {
    const stored = input.id ? this.secrets.get(input.id) : {}
    const { key: tlsKey, ...tls } = input.tls
    const p: Resolved = {
      id: input.id ?? 'test',
      name: input.name,
      host: input.host,
      port: input.port,
      username: input.username,
      db: input.db,
      tls,
      separator: ':',
      password: input.password ?? stored.password,
      tlsKey: tlsKey ?? stored.tlsKey,
    }
    const client = await connectClient(p, input.db)
    try {
      return await summarize(client)
    } finally {
      client.disconnect()
    }
  }

  resolve(id: string): Resolved {
    if (id === EMBEDDED_ID) {
      const port = this.engine.port()
      if (port === null) throw new UserError('The embedded engine is not running')
      return { ...this.embeddedInfo(port) }
    }
    const eph = this.ephemeral.get(id)
    if (eph) return { ...eph }
    const p = this.profiles.get(id)
    if (!p) throw new UserError(`No connection ${id}`)
    return { ...p, ...this.secrets.get(id) }
  }

  /** The pooled client for a connection and db. */
  client(id: string, db: number): Promise<Redis> {
    const poolKey = `${id}/${db}`
    let c = this.pool.get(poolKey)
    if (!c) {
      c = connectClient(this.resolve(id), db)
      this.pool.set(poolKey, c)
      c.then(
        (client) => client.on('end', () => this.pool.get(poolKey) === c && this.pool.delete(poolKey)),
        () => this.pool.delete(poolKey),
      )
    }
    return c
  }

  /** A client of its own (CLI sessions, subscribers), closed by the caller. */
  dedicated(id: string, db: number): Promise<Redis> {
    return connectClient(this.resolve(id), db)
  }

  async open(id: string): Promise<ServerSummary> {
    return summarize(await this.client(id, this.resolve(id).db))
  }

  /** Closes the pooled clients of a connection (also after the engine restarted). */
  dropClients(id: string): boolean {
    let dropped = false
    for (const [k, c] of this.pool) {
      if (!k.startsWith(`${id}/`)) continue
      this.pool.delete(k)
      c.then(
        (client) => client.disconnect(),
        () => {},
      )
      dropped = true
    }
    return dropped
  }

  closeAll(): void {
    for (const id of new Set([...this.pool.keys()].map((k) => k.split('/')[0]))) this.dropClients(id)
  }

  private embeddedInfo(port: number): ConnectionInfo {
    return {
      id: EMBEDDED_ID,
      name: 'Embedded engine',
      host: '127.0.0.1',
      port,
      db: 0,
      tls: { enabled: false, rejectUnauthorized: true },
      separator: ':',
      hasPassword: false,
      managed: true,
    }
  }
}
