// The server (server.c + networking.c): accepts connections, turns query bytes into commands,
// runs each through processCommand/call on the one JS thread, and once per loop turn runs
// beforeSleep (AOF flush, fast expire cycle, snapshot slices) before writing every reply.

import { createServer, type Server as NetServer, type Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import { randomBytes } from 'node:crypto'
import { Config, type EvictionPolicy } from './config.js'
import { Client } from './client.js'
import { Stats } from './stats.js'
import { Logger } from './log.js'
import { SlowLog } from './slowlog.js'
import { ProtocolError } from '../protocol/parser.js'
import { Keyspace } from '../keyspace/keyspace.js'
import type { Db, KeyspaceContext } from '../keyspace/db.js'
import type { Dict } from '../keyspace/dict.js'
import { ActiveExpire } from '../keyspace/expire.js'
import { installEviction, lruStamp } from '../keyspace/evict.js'
import { CommandTable, type Command } from '../commands/table.js'
import { registerAll } from '../commands/index.js'
import { CORE_SECTIONS, type InfoProvider } from './info.js'
import { eventClassBit, parseKeyspaceEvents } from './notify.js'

/** Returns true when it took over the command (queued it, blocked it, rejected it). */
export type CommandInterceptor = (c: Client, cmd: Command, argv: string[]) => boolean

export type PauseMode = 'all' | 'write'

export class Server implements KeyspaceContext {
  readonly config: Config
  readonly keyspace: Keyspace
  readonly commands = new CommandTable()
  readonly stats = new Stats()
  readonly log = new Logger()
  readonly slowlog = new SlowLog()
  readonly clients = new Map<number, Client>()
  readonly startTime = Date.now()
  readonly runId = randomBytes(20).toString('hex')
  /** INFO sections by lower-case name; subsystems replace a section with their own provider. */
  readonly infoSections = new Map<string, InfoProvider>(Object.entries(CORE_SECTIONS))
  /** Pub/sub channel and pattern counts for INFO stats (the pub/sub module installs its own). */
  pubsubCounts: () => { channels: number; patterns: number } = () => ({ channels: 0, patterns: 0 })
  /** Memory right after start-up (used_memory_startup) and the highest seen (used_memory_peak). */
  readonly baselineMemory = process.memoryUsage().heapUsed
  peakMemory = 0
  /** Changes since the last successful save (server.dirty). */
  dirty = 0
  /** Set while loading a dataset at start (no expiry, -LOADING for clients). */
  loading = false
  /** Hooks later subsystems attach to (AOF, snapshots, transactions, pub/sub, eviction). */
  readonly hooks = {
    /** Run once per loop turn before replies are written; AOF flush and fsync go here. */
    beforeSleep: [] as (() => void)[],
    /** Run `hz` times per second. */
    cron: [] as (() => void)[],
    /** Consulted in order before a command executes. */
    interceptors: [] as CommandInterceptor[],
    /**
     * Receives every change to be replicated or appended (write-after-execute feed), with the
     * client whose command caused it (null for expiry, eviction and other server-side changes).
     */
    propagate: [] as ((dbId: number, argv: string[], c: Client | null) => void)[],
    /** Keyspace notifications (type class char, event, key, db). */
    notify: [] as ((cls: string, event: string, key: string, dbId: number) => void)[],
    /** A key changed (WATCH invalidation). */
    keyModified: [] as ((db: Db, key: string) => void)[],
    /**
     * A db's whole table was replaced (FLUSHDB, FLUSHALL, SWAPDB): `old` is the table it held, so
     * WATCH can dirty every watched key present in `old` or in the new `db.dict` without a per-key walk.
     */
    dbReplaced: [] as ((db: Db, old: Dict) => void)[],
    /** Run at SHUTDOWN before the process exits; may throw to refuse it. */
    shutdown: [] as ((save: boolean | null) => void)[],
    /** A client is being freed. */
    clientClosed: [] as ((c: Client) => void)[],
    /** Eviction entry point before denyoom commands; returns false for -OOM. */
    performEvictions: null as (() => boolean) | null,
    /**
     * flushAppendOnlyFile: runs in beforeSleep after every other beforeSleep hook (blocked clients
     * served, expired keys deleted) and before any reply is written, so no reply of the turn leaves
     * before the AOF write (and fsync, with appendfsync always) of what it acknowledges.
     */
    flushAppendOnly: null as (() => void) | null,
  }
  /** Clients with replies to write at the end of this loop turn. */
  private readonly pending = new Set<Client>()
  private beforeSleepScheduled = false
  private netServers: NetServer[] = []
  private nextClientId = 1
  private cronTimer: NodeJS.Timeout | null = null
  private cmdTime = Date.now()
  /**
   * Wall clock minus the monotonic clock, refreshed every loop turn with cmdTime: call() advances
   * each command's time from the performance.now() it takes anyway instead of a second clock read.
   */
  private clockOffset = this.cmdTime - performance.now()
  /** LRU clock in seconds, 24 bits, as server.lruclock. */
  lruClock = Math.floor(Date.now() / 1000) & 0xffffff
  /** Unix ms at which the LRU clock's second began: access stamps refine the clock from it (evict.ts). */
  lruSecondMs = Math.floor(Date.now() / 1000) * 1000
  /** Under an LFU policy, the eviction module's updateLFU (the access stamp is then a counter). */
  lfu: ((dict: Dict, slot: number) => number) | null = null
  readonly monitors = new Set<Client>()
  /** DEBUG SET-ACTIVE-EXPIRE: tests turn the background expire cycle off. */
  activeExpireEnabled = true
  private readonly activeExpire: ActiveExpire
  pause: { mode: PauseMode; until: number } | null = null
  private readonly pausedClients = new Set<Client>()
  private pauseTimer: NodeJS.Timeout | null = null
  /** Cached hot config values. */
  private requirePass = ''
  maxmemory = 0
  policy: EvictionPolicy = 'noeviction'
  private timeoutSecs = 0
  /** notify-keyspace-events as a bit set: Server.notify drops events of classes that are off. */
  private notifyMask = 0
  port = 0
  shuttingDown = false
  /** Called after a clean SHUTDOWN closes everything (the standalone binary exits then). */
  onShutdown: (() => void) | null = null
  private readonly boundBeforeSleep = (): void => this.beforeSleep()
  /** call() nesting depth (EXEC runs its queue through call()). */
  private callDepth = 0
  /**
   * server.also_propagate: what the outermost call() has propagated so far. Handed on when it
   * returns, wrapped in MULTI/EXEC when there is more than one op (a lazy-expire DEL plus the
   * write, or an EXEC body), as Redis 7.0's propagatePendingCommands.
   */
  private alsoPropagate: [number, string[]][] = []

  constructor(config: Config = new Config()) {
    this.config = config
    this.keyspace = new Keyspace(config.getInt('databases'), this)
    this.activeExpire = new ActiveExpire(this)
    registerAll(this.commands)
    for (const name of [
      'requirepass',
      'maxmemory',
      'maxmemory-policy',
      'timeout',
      'notify-keyspace-events',
      'loglevel',
      'logfile',
      'slowlog-max-len',
      'slowlog-log-slower-than',
    ]) {
      this.configChanged(name, config.get(name))
    }
    config.onChange((n, v) => this.configChanged(n, v))
    // After the server's own config handler, so eviction sees maxmemory and the policy updated.
    installEviction(this)
  }

  private configChanged(name: string, v: string): void {
    switch (name) {
      case 'requirepass':
        this.requirePass = v
        break
      case 'maxmemory':
        this.maxmemory = Number(v)
        break
      case 'maxmemory-policy':
        this.policy = v as EvictionPolicy
        break
      case 'timeout':
        this.timeoutSecs = Number(v)
        break
      case 'notify-keyspace-events':
        this.notifyMask = parseKeyspaceEvents(v) ?? 0
        break
      case 'loglevel':
        this.log.level = v as Logger['level']
        break
      case 'logfile':
        this.log.file = v
        break
      case 'slowlog-max-len':
        this.slowlog.maxLen = Number(v)
        break
      case 'slowlog-log-slower-than':
        this.slowlog.slowerThan = Number(v)
        break
      case 'hz':
        if (this.cronTimer) this.startCron()
        break
    }
  }

  get requiresAuth(): boolean {
    return this.requirePass !== ''
  }

  checkPassword(pass: string): boolean {
    return this.requirePass !== '' && pass === this.requirePass
  }

  // ---- KeyspaceContext ----

  now(): number {
    return this.cmdTime
  }

  accessStamp(dict: Dict, slot: number): number {
    return this.lfu === null ? lruStamp(this.lruClock, this.cmdTime - this.lruSecondMs) : this.lfu(dict, slot)
  }

  expiryPaused(): boolean {
    return this.loading || (this.pause !== null && this.pause.until > Date.now())
  }

  keyExpired(db: Db, key: string): void {
    this.stats.expiredKeys++
    this.notify('x', 'expired', key, db.id)
    this.propagate(db.id, ['DEL', key])
  }

  keyModified(db: Db, key: string): void {
    for (const h of this.hooks.keyModified) h(db, key)
  }

  countLookup(hit: boolean): void {
    if (hit) this.stats.keyspaceHits++
    else this.stats.keyspaceMisses++
  }

  // ---- Events out ----

  /** notifyKeyspaceEvent: `cls` is the event's class character (g $ l s h z x e n m). */
  notify(cls: string, event: string, key: string, dbId: number): void {
    if ((this.notifyMask & eventClassBit(cls)) === 0 || this.hooks.notify.length === 0) return
    for (const h of this.hooks.notify) h(cls, event, key, dbId)
  }

  propagate(dbId: number, argv: string[]): void {
    // Replaying a dataset (AOF load, DEBUG LOADAOF) must not feed it back (alsoPropagate's check).
    if (this.loading) return
    if (this.callDepth > 0) this.alsoPropagate.push([dbId, argv])
    else for (const h of this.hooks.propagate) h(dbId, argv, null)
  }

  private propagatePending(c: Client): void {
    const ops = this.alsoPropagate
    this.alsoPropagate = []
    const hooks = this.hooks.propagate
    const wrap = ops.length > 1
    if (wrap) for (const h of hooks) h(ops[0][0], ['MULTI'], c)
    for (const [dbId, argv] of ops) for (const h of hooks) h(dbId, argv, c)
    if (wrap) for (const h of hooks) h(ops[ops.length - 1][0], ['EXEC'], c)
  }

  updateTime(): void {
    this.cmdTime = Date.now()
    this.clockOffset = this.cmdTime - performance.now()
  }

  // ---- Networking ----

  /** Binds every address in `bind` on `port` (0 picks a free one); resolves with the port. */
  async listen(): Promise<number> {
    const addrs = this.config.get('bind').split(/\s+/).filter(Boolean)
    let port = this.config.getInt('port')
    for (const addr of addrs) {
      const host = addr.startsWith('-') ? addr.slice(1) : addr
      const ns = createServer({ noDelay: true }, (s) => this.accept(s))
      ns.maxConnections = Number.MAX_SAFE_INTEGER
      await new Promise<void>((resolve, reject) => {
        ns.once('error', reject)
        ns.listen({ host: host === '*' ? '0.0.0.0' : host, port, backlog: this.config.getInt('tcp-backlog') }, () => {
          ns.off('error', reject)
          resolve()
        })
      })
      const a = ns.address()
      if (a && typeof a === 'object') port = a.port
      this.netServers.push(ns)
    }
    this.port = port
    this.startCron()
    this.log.notice(`Ready to accept connections tcp (bind ${addrs.join(' ')}, port ${port})`)
    return port
  }

  private startCron(): void {
    if (this.cronTimer) clearInterval(this.cronTimer)
    this.cronTimer = setInterval(() => this.cron(), Math.max(1, Math.floor(1000 / this.config.getInt('hz'))))
    this.cronTimer.unref()
  }

  private accept(socket: Socket): void {
    socket.setNoDelay(true)
    const keepalive = this.config.getInt('tcp-keepalive')
    if (keepalive > 0) socket.setKeepAlive(true, keepalive * 1000)
    this.stats.numConnections++
    if (this.clients.size >= this.config.getInt('maxclients')) {
      this.stats.rejectedConns++
      socket.end('-ERR max number of clients reached\r\n')
      return
    }
    if (this.config.getBool('protected-mode') && !this.requiresAuth && !isLoopback(socket.remoteAddress)) {
      this.stats.rejectedConns++
      socket.end(
        '-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. ' +
          'In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you ' +
          "may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback " +
          'interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. ' +
          "2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', " +
          "and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. " +
          '4) Set up an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start ' +
          'accepting connections from the outside.\r\n',
      )
      return
    }
    const c = new Client(
      this.nextClientId++,
      socket,
      this.keyspace.dbs[0],
      {
        maxBulkLen: this.config.getInt('proto-max-bulk-len'),
        maxQueryBuffer: this.config.getInt('client-query-buffer-limit'),
      },
      this.requiresAuth,
    )
    this.clients.set(c.id, c)
    socket.on('data', (chunk: Buffer) => this.onData(c, chunk))
    socket.on('error', () => this.freeClient(c))
    socket.on('close', () => this.freeClient(c))
  }

  private onData(c: Client, chunk: Buffer): void {
    if (c.closed) return
    const now = Date.now()
    c.lastInteraction = now
    // Commands in this chunk were sent after any clock reading their client took before sending
    // them: their time starts here at the earliest (call() advances it from the monotonic clock,
    // whose offset from a floored Date.now() may run up to 1 ms behind).
    if (now > this.cmdTime) this.cmdTime = now
    c.netIn += chunk.length
    this.stats.netInput += chunk.length
    this.stats.totalReadsProcessed++
    try {
      c.parser.feed(chunk)
    } catch (e) {
      this.protocolError(c, e)
      return
    }
    this.processInput(c)
  }

  /** Runs every complete command in c's query buffer, unless c blocks or closes meanwhile. */
  processInput(c: Client): void {
    while (!c.blocked && !c.closeAfterReply && !c.closed) {
      let argv: string[] | null
      try {
        argv = c.parser.next()
      } catch (e) {
        this.protocolError(c, e)
        return
      }
      if (argv === null) break
      if (argv.length === 0) continue
      this.processCommand(c, argv)
    }
    this.queueReply(c)
  }

  private protocolError(c: Client, e: unknown): void {
    if (!(e instanceof ProtocolError)) throw e
    this.log.verbose(`Protocol error (${e.message}) from client: id=${c.id} addr=${c.addr}`)
    c.error('ERR ' + e.message)
    this.stats.countError('ERR')
    c.closeAfterReply = true
    this.queueReply(c)
  }

  queueReply(c: Client): void {
    if (c.out.length === 0 && !c.closeAfterReply) return
    this.pending.add(c)
    if (!this.beforeSleepScheduled) {
      this.beforeSleepScheduled = true
      setImmediate(this.boundBeforeSleep)
    }
  }

  /** Schedules a beforeSleep turn even without replies (a subsystem has work for it). */
  wakeUp(): void {
    if (!this.beforeSleepScheduled) {
      this.beforeSleepScheduled = true
      setImmediate(this.boundBeforeSleep)
    }
  }

  private beforeSleep(): void {
    this.beforeSleepScheduled = false
    this.updateTime()
    if (this.activeExpireEnabled) this.activeExpire.fastCycle()
    for (const h of this.hooks.beforeSleep) h()
    this.hooks.flushAppendOnly?.()
    for (const c of this.pending) {
      if (c.out.length > 0 && !c.closed) {
        const out = c.out
        c.out = ''
        c.netOut += out.length
        this.stats.netOutput += out.length
        this.stats.totalWritesProcessed++
        c.socket.write(out, 'latin1')
      }
      if (c.closeAfterReply && !c.closed) {
        c.socket.end()
        this.freeClient(c)
      }
    }
    this.pending.clear()
  }

  freeClient(c: Client): void {
    if (c.closed) return
    c.closed = true
    this.clients.delete(c.id)
    this.monitors.delete(c)
    this.pausedClients.delete(c)
    this.pending.delete(c)
    for (const h of this.hooks.clientClosed) h(c)
    if (!c.socket.destroyed && !c.closeAfterReply) c.socket.destroy()
  }

  // ---- Command execution ----

  /** processCommand: lookup, arity, auth, pause, interceptors (MULTI, blocking, OOM), then call. */
  processCommand(c: Client, argv: string[]): void {
    const name = argv[0]
    let cmd = this.commands.lookup(name)
    if (cmd === undefined) {
      this.reject(
        c,
        null,
        `ERR unknown command '${sanitize(name).slice(0, 128)}', with args beginning with: ${argsPreview(argv)}`,
      )
      return
    }
    if (cmd.spec.subcommands && argv.length >= 2) {
      const sub = cmd.spec.subcommands.get(argv[1].toLowerCase())
      if (sub === undefined) {
        this.reject(
          c,
          cmd,
          `ERR unknown subcommand '${sanitize(argv[1]).slice(0, 128)}'. Try ${cmd.name.toUpperCase()} HELP.`,
        )
        return
      }
      cmd = sub
    }
    if (!cmd.arityOk(argv.length)) {
      this.reject(c, cmd, `ERR wrong number of arguments for '${cmd.name}' command`)
      return
    }
    if (!c.authenticated && !cmd.noAuth) {
      this.reject(c, cmd, 'NOAUTH Authentication required.')
      return
    }
    if (this.loading && !cmd.allowLoading) {
      this.reject(c, cmd, 'LOADING Redis is loading the dataset in memory')
      return
    }
    if (this.pause !== null && this.shouldPause(cmd)) {
      // Put the command back: it runs when the pause ends.
      c.blocked = true
      this.pausedClients.add(c)
      c.ext.pausedArgv = argv
      return
    }
    for (const ic of this.hooks.interceptors) if (ic(c, cmd, argv)) return
    if (cmd.denyOom && this.maxmemory > 0 && this.hooks.performEvictions) {
      if (!this.hooks.performEvictions()) {
        this.reject(c, cmd, "OOM command not allowed when used memory > 'maxmemory'.")
        return
      }
    }
    this.call(c, cmd, argv)
  }

  /** An error reply for a command that did not run (counted as rejected, as in Redis 7). */
  reject(c: Client, cmd: Command | null, msg: string): void {
    if (cmd) cmd.rejectedCalls++
    this.stats.countError(msg)
    c.error(msg)
  }

  /** call(): runs the handler, measures it, feeds monitors, slowlog, stats and propagation. */
  call(c: Client, cmd: Command, argv: string[]): void {
    const t0 = performance.now()
    // Never below the wall-clock reading taken when the command's bytes arrived (onData), so an
    // EXPIRE is never based on a time before it was sent.
    const t = Math.floor(this.clockOffset + t0)
    if (t > this.cmdTime) this.cmdTime = t
    if (this.monitors.size > 0 && !cmd.skipMonitor && !cmd.isAdmin) this.feedMonitors(c, argv)
    const dirtyBefore = this.dirty
    const errsBefore = c.errorCount
    const outBefore = c.out.length
    c.cmd = cmd
    c.propagateArgv = null
    const handler = cmd.spec.handler as NonNullable<typeof cmd.spec.handler>
    this.callDepth++
    try {
      handler(c, argv, this)
    } catch (e) {
      this.log.warning(`Error running ${cmd.name}: ${(e as Error).stack ?? e}`)
      c.error(`ERR internal error while running '${cmd.name}': ${(e as Error).message}`)
    }
    const usec = Math.round((performance.now() - t0) * 1000)
    cmd.calls++
    cmd.usec += usec
    if (c.errorCount !== errsBefore) {
      cmd.failedCalls++
      this.stats.countError(c.lastError)
    }
    this.stats.numCommands++
    c.lastCmd = cmd.name
    if (this.slowlog.slowerThan >= 0 && usec >= this.slowlog.slowerThan) this.slowlog.add(c, argv, usec)
    if (this.dirty !== dirtyBefore && cmd.isWrite) this.propagate(c.db.id, c.propagateArgv ?? argv)
    if (--this.callDepth === 0 && this.alsoPropagate.length > 0) this.propagatePending(c)
    c.cmd = null
    // CLIENT REPLY OFF|SKIP: drop only this command's reply (CLIENT REPLY's own is handled there).
    if ((c.replyMode === 'off' || c.skipNext) && cmd.name !== 'client|reply') {
      c.out = c.out.slice(0, outBefore)
      c.skipNext = false
    }
  }

  private feedMonitors(c: Client, argv: string[]): void {
    const t = Date.now() / 1000
    let line = `+${t.toFixed(6)} [${c.db.id} ${c.addr}]`
    for (const a of argv) line += ' ' + quoteMonitor(a)
    line += '\r\n'
    for (const m of this.monitors) {
      if (m === c) continue
      m.out += line
      this.queueReply(m)
    }
  }

  // ---- CLIENT PAUSE ----

  private shouldPause(cmd: Command): boolean {
    const p = this.pause as NonNullable<typeof this.pause>
    if (Date.now() >= p.until) {
      this.unpause()
      return false
    }
    if (cmd.name === 'client|unpause') return false
    if (p.mode === 'all') return true
    return cmd.isWrite || cmd.name === 'publish' || cmd.name === 'eval' || cmd.name === 'evalsha'
  }

  pauseClients(mode: PauseMode, ms: number): void {
    const until = Date.now() + ms
    if (this.pause && this.pause.until > until && this.pause.mode === 'all') return
    this.pause = { mode, until }
    if (this.pauseTimer) clearTimeout(this.pauseTimer)
    this.pauseTimer = setTimeout(() => this.unpause(), ms)
  }

  unpause(): void {
    this.pause = null
    if (this.pauseTimer) clearTimeout(this.pauseTimer)
    this.pauseTimer = null
    const list = [...this.pausedClients]
    this.pausedClients.clear()
    for (const c of list) {
      c.blocked = false
      const argv = c.ext.pausedArgv as string[]
      delete c.ext.pausedArgv
      this.processCommand(c, argv)
      this.processInput(c)
    }
  }

  // ---- Cron ----

  private cron(): void {
    const now = Date.now()
    this.cmdTime = now
    this.lruClock = Math.floor(now / 1000) & 0xffffff
    this.lruSecondMs = Math.floor(now / 1000) * 1000
    this.stats.sample(now)
    if (this.activeExpireEnabled) this.activeExpire.slowCycle()
    if (this.timeoutSecs > 0) {
      for (const c of this.clients.values()) {
        if (c.blocked || c.ext.pubsub || c.monitor) continue
        if (now - c.lastInteraction > this.timeoutSecs * 1000) {
          this.log.verbose(`Closing idle client id=${c.id}`)
          c.socket.end()
          this.freeClient(c)
        }
      }
    }
    for (const h of this.hooks.cron) h()
  }

  // ---- Shutdown ----

  /** Stops listening, runs shutdown hooks (may throw to refuse), closes every client. */
  async shutdown(save: boolean | null = null): Promise<void> {
    if (this.shuttingDown) return
    for (const h of this.hooks.shutdown) h(save)
    this.shuttingDown = true
    this.log.notice('User requested shutdown...')
    if (this.cronTimer) clearInterval(this.cronTimer)
    if (this.pauseTimer) clearTimeout(this.pauseTimer)
    this.beforeSleep()
    for (const c of [...this.clients.values()]) {
      c.socket.end()
      this.freeClient(c)
    }
    await Promise.all(this.netServers.map((s) => new Promise<void>((r) => s.close(() => r()))))
    this.log.notice('Redis is now ready to exit, bye bye...')
    this.onShutdown?.()
  }

  /** Closes everything without shutdown hooks (tests). */
  async close(): Promise<void> {
    if (this.shuttingDown) return
    this.shuttingDown = true
    if (this.cronTimer) clearInterval(this.cronTimer)
    for (const c of [...this.clients.values()]) this.freeClient(c)
    await Promise.all(this.netServers.map((s) => new Promise<void>((r) => s.close(() => r()))))
  }
}

function isLoopback(addr: string | undefined): boolean {
  if (!addr) return false
  return addr === '::1' || addr.startsWith('127.') || addr.startsWith('::ffff:127.')
}

function sanitize(s: string): string {
  return s.replace(/[\r\n]/g, ' ')
}

/** "'a' 'b' " as Redis 7 lists the first arguments of an unknown command (up to 128 chars). */
function argsPreview(argv: string[]): string {
  let out = ''
  for (let i = 1; i < argv.length && out.length < 128; i++) {
    out += `'${sanitize(argv[i]).slice(0, 128 - out.length)}' `
  }
  return out
}

/** sdscatrepr: the quoted form MONITOR shows for each argument. */
export function quoteMonitor(s: string): string {
  let out = '"'
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]
    const c = s.charCodeAt(i)
    if (ch === '\\' || ch === '"') out += '\\' + ch
    else if (ch === '\n') out += '\\n'
    else if (ch === '\r') out += '\\r'
    else if (ch === '\t') out += '\\t'
    else if (ch === '\x07') out += '\\a'
    else if (ch === '\b') out += '\\b'
    else if (c < 32 || c > 126) out += '\\x' + c.toString(16).padStart(2, '0')
    else out += ch
  }
  return out + '"'
}
