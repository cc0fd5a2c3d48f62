// The key browser's server side: SCAN streaming, per-key info (TYPE, PTTL, OBJECT ENCODING, MEMORY
// USAGE, length), paged reads of values (GETRANGE, HSCAN, LRANGE, SSCAN, ZRANGE WITHSCORES), edits,
// TTL, rename, delete, bulk delete (UNLINK per SCAN batch) and live updates from keyspace
// notifications. Everything goes over RESP, so it behaves the same on the engine and on real Redis.

import type { Redis } from 'ioredis'
import type { EditOp, Events, ItemsPage, KeyInfo, ParsedArgs, StringChunk } from '../api/contract.js'
import { UserError } from '../api/dispatcher.js'
import { parseKeyspace, type Connections } from './connections.js'
import { Jobs, walk } from './scanner.js'
import type { AuditLog } from './audit.js'

type Emit = <E extends keyof Events>(event: E, payload: Events[E]) => void

const LENGTH_COMMAND: Record<string, string> = {
  string: 'STRLEN',
  hash: 'HLEN',
  list: 'LLEN',
  set: 'SCARD',
  zset: 'ZCARD',
  stream: 'XLEN',
}

/** Runs a command; null when the server doesn't know it or refuses it. */
async function optional<T>(p: Promise<unknown>): Promise<T | null> {
  try {
    return (await p) as T
  } catch {
    return null
  }
}

/** DBSIZE, or the db's line of INFO keyspace on servers without it. */
async function dbSize(c: Redis): Promise<number> {
  try {
    return await c.dbsize()
  } catch (e) {
    if (!isUnknownCommand(e)) throw e
    const db = c.options.db ?? 0
    return parseKeyspace(await c.info('keyspace')).find((d) => d.db === db)?.keys ?? 0
  }
}

const isUnknownCommand = (e: unknown) => /unknown command|unknown subcommand/i.test((e as Error).message)

export class KeyService {
  private readonly jobs = new Jobs()
  private readonly watchers = new Map<string, { client: Redis; db: number }>()

  constructor(
    private readonly conns: Connections,
    private readonly emit: Emit,
    private readonly audit?: AuditLog,
  ) {}

  async dbs(conn: string) {
    const client = await this.conns.client(conn, 0)
    return parseKeyspace(await client.info('keyspace'))
  }

  async scanStart(a: ParsedArgs<'keys.scanStart'>): Promise<{ scanId: string; total: number }> {
    const client = await this.conns.client(a.conn, a.db)
    const total = await dbSize(client)
    const [scanId, job] = this.jobs.create()
    const run = async () => {
      // Batches are sent at most every 50 ms (the first at once) so a million keys are a few
      // hundred messages, not thousands.
      let pending: string[] = []
      let lastSent = 0
      let first = true
      try {
        for await (const step of walk(client, total, { pattern: a.pattern, type: a.type, maxCount: a.count })) {
          if (job.cancelled) break
          pending = pending.length ? pending.concat(step.keys) : step.keys
          const now = performance.now()
          if (step.done || (first && pending.length > 0) || now - lastSent > 50) {
            this.emit('keys.scanBatch', { scanId, keys: pending, scanned: step.scanned, total, done: step.done })
            if (pending.length > 0) first = false
            pending = []
            lastSent = now
          }
        }
        if (job.cancelled)
          this.emit('keys.scanBatch', { scanId, keys: pending, scanned: 0, total, done: true, error: 'cancelled' })
      } catch (e) {
        this.emit('keys.scanBatch', {
          scanId,
          keys: pending,
          scanned: 0,
          total,
          done: true,
          error: (e as Error).message,
        })
      } finally {
        this.jobs.finish(scanId)
      }
    }
    void run()
    return { scanId, total }
  }

  cancel(id: string): boolean {
    return this.jobs.cancel(id)
  }

  async info(a: { conn: string; db: number; key: string }): Promise<KeyInfo> {
    const c = await this.conns.client(a.conn, a.db)
    const type = (await c.type(a.key)) as string
    if (type === 'none') return { key: a.key, exists: false, type, ttlMs: -2, encoding: null, memory: null, length: 0 }
    const [ttl, encoding, memory, length] = await Promise.all([
      c.pttl(a.key),
      optional<string>(c.call('OBJECT', 'ENCODING', a.key)),
      optional<number>(c.call('MEMORY', 'USAGE', a.key, 'SAMPLES', '0')),
      LENGTH_COMMAND[type] ? optional<number>(c.call(LENGTH_COMMAND[type], a.key)) : Promise.resolve(null),
    ])
    return { key: a.key, exists: true, type, ttlMs: ttl, encoding, memory, length: length ?? 0 }
  }

  async types(a: ParsedArgs<'keys.types'>): Promise<string[]> {
    const c = await this.conns.client(a.conn, a.db)
    const p = c.pipeline()
    for (const k of a.keys) p.type(k)
    const res = (await p.exec()) ?? []
    return res.map(([err, t]) => (err ? 'unknown' : String(t)))
  }

  async string(a: ParsedArgs<'keys.string'>): Promise<StringChunk> {
    const c = await this.conns.client(a.conn, a.db)
    try {
      const total = Number(await c.call('STRLEN', a.key))
      const buf = a.offset >= total ? Buffer.alloc(0) : await c.getrangeBuffer(a.key, a.offset, a.offset + a.limit - 1)
      return { base64: buf.toString('base64'), offset: a.offset, total }
    } catch (e) {
      if (!isUnknownCommand(e)) throw e
      // Servers without STRLEN/GETRANGE: read the whole value once and slice it here.
      const whole = (await c.getBuffer(a.key)) ?? Buffer.alloc(0)
      return {
        base64: whole.subarray(a.offset, a.offset + a.limit).toString('base64'),
        offset: a.offset,
        total: whole.length,
      }
    }
  }

  async items(a: ParsedArgs<'keys.items'>): Promise<ItemsPage> {
    const c = await this.conns.client(a.conn, a.db)
    const type = await c.type(a.key)
    const match = a.match && a.match !== '*' ? ['MATCH', a.match] : []
    switch (type) {
      case 'hash': {
        const [cursor, flat] = (await c.call('HSCAN', a.key, a.cursor, ...match, 'COUNT', a.count)) as [
          string,
          string[],
        ]
        const items = []
        for (let i = 0; i < flat.length; i += 2) items.push({ field: flat[i], value: flat[i + 1] })
        return { items, cursor, total: await c.hlen(a.key) }
      }
      case 'set': {
        const [cursor, members] = (await c.call('SSCAN', a.key, a.cursor, ...match, 'COUNT', a.count)) as [
          string,
          string[],
        ]
        return { items: members.map((m) => ({ field: m })), cursor, total: await c.scard(a.key) }
      }
      case 'zset': {
        const total = await c.zcard(a.key)
        if (match.length) {
          const [cursor, flat] = (await c.call('ZSCAN', a.key, a.cursor, ...match, 'COUNT', a.count)) as [
            string,
            string[],
          ]
          const items = []
          for (let i = 0; i < flat.length; i += 2) items.push({ field: flat[i], score: Number(flat[i + 1]) })
          return { items, cursor, total }
        }
        const start = Number(a.cursor)
        const flat = (await c.call('ZRANGE', a.key, start, start + a.count - 1, 'WITHSCORES')) as string[]
        const items = []
        for (let i = 0; i < flat.length; i += 2) items.push({ field: flat[i], score: Number(flat[i + 1]) })
        const next = start + items.length
        return { items, cursor: next >= total ? '0' : String(next), total }
      }
      case 'list': {
        const total = await c.llen(a.key)
        const start = Number(a.cursor)
        const values = await c.lrange(a.key, start, start + a.count - 1)
        const items = values.map((v, i) => ({ field: String(start + i), value: v }))
        const next = start + values.length
        return { items, cursor: next >= total ? '0' : String(next), total }
      }
      case 'none':
        throw new UserError(`Key ${a.key} no longer exists`)
      default:
        throw new UserError(`Viewing ${type} values is not supported yet`)
    }
  }

  async edit(a: ParsedArgs<'keys.edit'>): Promise<KeyInfo> {
    const c = await this.conns.client(a.conn, a.db)
    await applyEdit(c, a.key, a.edit)
    return this.info(a)
  }

  async create(a: ParsedArgs<'keys.create'>): Promise<KeyInfo> {
    const c = await this.conns.client(a.conn, a.db)
    if ((await c.exists(a.key)) > 0) throw new UserError(`Key ${a.key} already exists`)
    switch (a.type) {
      case 'string':
        await c.set(a.key, a.value)
        break
      case 'hash':
        await c.hset(a.key, a.field ?? 'field', a.value)
        break
      case 'list':
        await c.rpush(a.key, a.value)
        break
      case 'set':
        await c.sadd(a.key, a.value)
        break
      case 'zset':
        await c.zadd(a.key, Number(a.field ?? 0), a.value)
        break
    }
    return this.info(a)
  }

  async ttl(a: ParsedArgs<'keys.ttl'>): Promise<KeyInfo> {
    const c = await this.conns.client(a.conn, a.db)
    const changed = a.ttlMs === null ? await c.persist(a.key) : await c.pexpire(a.key, a.ttlMs)
    if (a.ttlMs !== null && changed === 0) throw new UserError(`Key ${a.key} does not exist`)
    return this.info(a)
  }

  async rename(a: ParsedArgs<'keys.rename'>): Promise<KeyInfo> {
    const c = await this.conns.client(a.conn, a.db)
    if (a.overwrite) await c.rename(a.key, a.newKey)
    else if ((await c.renamenx(a.key, a.newKey)) === 0) throw new UserError(`Key ${a.newKey} already exists`)
    return this.info({ ...a, key: a.newKey })
  }

  async delete(a: ParsedArgs<'keys.delete'>): Promise<number> {
    const c = await this.conns.client(a.conn, a.db)
    const target = `db${a.db}`
    const detail = a.keys.length > 20 ? `${a.keys.slice(0, 20).join(' ')} … (${a.keys.length} keys)` : a.keys.join(' ')
    try {
      const n = await unlink(c, a.keys)
      this.audit?.record({ conn: a.conn, action: 'delete', target, detail: `${n} deleted: ${detail}`, outcome: 'ok' })
      return n
    } catch (e) {
      this.audit?.record({
        conn: a.conn,
        action: 'delete',
        target,
        detail,
        outcome: 'error',
        error: (e as Error).message,
      })
      throw e
    }
  }

  async bulkDelete(a: ParsedArgs<'keys.bulkDelete'>): Promise<string> {
    const client = await this.conns.client(a.conn, a.db)
    const total = await dbSize(client)
    const [jobId, job] = this.jobs.create()
    const run = async () => {
      let deleted = 0
      let scanned = 0
      let error: string | null = null
      try {
        for await (const step of walk(client, total, { pattern: a.pattern, type: a.type, maxCount: 500 })) {
          if (job.cancelled) break
          if (step.keys.length) deleted += await unlink(client, step.keys)
          scanned = step.scanned
          this.emit('keys.bulkProgress', { jobId, deleted, scanned, total, done: step.done, cancelled: false })
        }
        if (job.cancelled)
          this.emit('keys.bulkProgress', { jobId, deleted, scanned, total, done: true, cancelled: true })
      } catch (e) {
        error = (e as Error).message
        this.emit('keys.bulkProgress', {
          jobId,
          deleted,
          scanned,
          total,
          done: true,
          cancelled: false,
          error: (e as Error).message,
        })
      } finally {
        this.jobs.finish(jobId)
        this.audit?.record({
          conn: a.conn,
          action: 'bulk-delete',
          target: `db${a.db}`,
          detail: `pattern ${a.pattern}${a.type ? ` type ${a.type}` : ''}: ${deleted} deleted${job.cancelled ? ' (cancelled)' : ''}`,
          outcome: error ? 'error' : 'ok',
          error,
        })
      }
    }
    void run()
    return jobId
  }

  /** Follows keyspace notifications of one db, when the server has them on. */
  async watch(conn: string, db: number): Promise<{ live: boolean; reason?: string }> {
    await this.unwatch(conn)
    const summaryClient = await this.conns.client(conn, db)
    let flags: string
    try {
      flags = ((await summaryClient.config('GET', 'notify-keyspace-events')) as string[])[1] ?? ''
    } catch {
      return { live: false, reason: 'CONFIG GET is not available: cannot tell whether notifications are on' }
    }
    if (!/K/.test(flags) || !/[Ag$lshzxe]/.test(flags))
      return {
        live: false,
        reason: `Keyspace notifications are off (notify-keyspace-events "${flags}"); the list refreshes on rescan`,
      }
    const sub = await this.conns.dedicated(conn, db)
    this.watchers.set(conn, { client: sub, db })
    let changes: { key: string; event: string }[] = []
    let overflow = false
    let timer: NodeJS.Timeout | null = null
    const prefix = `__keyspace@${db}__:`
    sub.on('pmessage', (_p: string, channel: string, event: string) => {
      if (changes.length < 5000) changes.push({ key: channel.slice(prefix.length), event })
      else overflow = true
      timer ??= setTimeout(() => {
        this.emit('keys.changed', { conn, db, changes, overflow })
        changes = []
        overflow = false
        timer = null
      }, 100)
    })
    try {
      await sub.psubscribe(`${prefix}*`)
    } catch (e) {
      await this.unwatch(conn)
      return { live: false, reason: `PSUBSCRIBE failed: ${(e as Error).message}` }
    }
    return { live: true }
  }

  async unwatch(conn: string): Promise<boolean> {
    const w = this.watchers.get(conn)
    if (!w) return false
    this.watchers.delete(conn)
    w.client.disconnect()
    return true
  }

  stopAll(): void {
    for (const conn of [...this.watchers.keys()]) void this.unwatch(conn)
  }
}

/** UNLINK (non-blocking delete); DEL on servers without it. */
async function unlink(c: Redis, keys: string[]): Promise<number> {
  try {
    return Number(await c.call('UNLINK', ...keys))
  } catch (e) {
    if (!isUnknownCommand(e)) throw e
    return c.del(...keys)
  }
}

async function applyEdit(c: Redis, key: string, e: EditOp): Promise<void> {
  switch (e.op) {
    case 'set':
      // KEEPTTL: editing a value must not drop its expiry.
      await c.call('SET', key, e.value, 'KEEPTTL')
      return
    case 'hset':
      await c.hset(key, e.field, e.value)
      return
    case 'hdel':
      await c.hdel(key, e.field)
      return
    case 'lset':
      await c.lset(key, e.index, e.value)
      return
    case 'lpush':
      await c.lpush(key, e.value)
      return
    case 'rpush':
      await c.rpush(key, e.value)
      return
    case 'lremAt': {
      // Lists have no delete-by-index: mark the element with a unique value, then LREM it, in one
      // transaction so no other client sees the marker.
      const marker = `__strata_removed_${Date.now()}_${Math.random()}`
      const res = await c.multi().lset(key, e.index, marker).lrem(key, 1, marker).exec()
      const err = res?.find(([er]) => er)?.[0]
      if (err) throw err
      return
    }
    case 'sadd':
      await c.sadd(key, e.member)
      return
    case 'srem':
      await c.srem(key, e.member)
      return
    case 'zadd':
      await c.zadd(key, e.score, e.member)
      return
    case 'zrem':
      await c.zrem(key, e.member)
      return
  }
}
