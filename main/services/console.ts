// Assembles the console's services for either shell (Electron or the web host): the SQLite store,
// secrets, the engine host, connections, key browser and CLI, the event hub and the dispatcher.

import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { createDispatcher } from '../api/dispatcher.js'
import { EventHub } from '../api/events.js'
import { createHandlers } from '../api/handlers.js'
import { ProfileStore } from '../db/profiles.js'
import { openStore } from '../db/store.js'
import { CliService } from './cli.js'
import { Connections, EMBEDDED_ID } from './connections.js'
import { EngineHost, type Launcher } from './engine-host.js'
import { KeyService } from './keys.js'
import { SecretStore, type Cipher } from './secrets.js'
import { HistoryStore } from '../db/history.js'
import { AuditLog } from './audit.js'
import { Collector } from './metrics/collector.js'
import { PersistenceService } from './persistence.js'
import { BackupService } from './backup/backups.js'
import { Catalog } from './backup/catalog.js'
import { recover, type Step } from './backup/engine-files.js'
import { OfflineService } from './backup/offline.js'
import { RestoreService } from './backup/restore.js'
import { Scheduler } from './backup/scheduler.js'

export interface ConsoleOptions {
  dataDir: string
  transport: 'ipc' | 'web'
  version: string
  serverScript: string
  launcher: Launcher
  /** Builds the secrets cipher once the data folder exists. */
  cipher: (dataDir: string) => Cipher
  /** Start the embedded engine (tests against external servers may skip it). */
  engine?: boolean
  log?: (line: string) => void
  /** INFO poll interval of the metrics collector (ms). */
  metricsIntervalMs?: number
  /** The RDB worker script (projectPaths().rdbWorker). */
  rdbWorker: string
  /** Between the steps of a restore's file swap (crash tests slow it down to kill it mid-way). */
  swapStep?: Step
}

export function createConsole(o: ConsoleOptions) {
  mkdirSync(o.dataDir, { recursive: true, mode: 0o700 })
  const log = o.log ?? ((l: string) => process.stderr.write(`[strata] ${l}\n`))
  const hub = new EventHub()
  const sqlite = openStore(join(o.dataDir, 'console.sqlite'))
  const cipher = o.cipher(o.dataDir)
  const engineDir = join(o.dataDir, 'engine')
  mkdirSync(engineDir, { recursive: true })
  const engine = new EngineHost({
    dataDir: engineDir,
    serverScript: o.serverScript,
    launcher: o.launcher,
    onStatus: (s) => {
      // After a crash the old sockets are dead: pooled clients reconnect lazily on next use.
      if (s.state !== 'running') {
        conns.dropClients(EMBEDDED_ID)
        collector.reconnect(EMBEDDED_ID)
      }
      hub.emit('engine.status', s)
    },
    onNotice: (level, message) => {
      log(`engine: ${message}`)
      hub.emit('notice', { level, title: 'Embedded engine', message })
    },
  })
  const conns = new Connections(new ProfileStore(sqlite), new SecretStore(sqlite, cipher), {
    port: () => (o.engine === false ? null : engine.status().port),
  })
  const history = new HistoryStore(join(o.dataDir, 'history.sqlite'))
  const audit = new AuditLog(history)
  const collector = new Collector({
    store: history,
    open: (id) => conns.dedicated(id, 0),
    emit: (e, p) => hub.emit(e, p),
    intervalMs: o.metricsIntervalMs,
    always: o.engine === false ? [] : [EMBEDDED_ID],
  })
  const persistence = new PersistenceService({
    client: (id) => conns.client(id, 0),
    collector,
    audit,
    emit: (e, p) => hub.emit(e, p),
    isLocal: (id) => /^(127\.|localhost$|::1$)/.test(conns.resolve(id).host),
  })
  const keys = new KeyService(conns, (e, p) => hub.emit(e, p), audit)
  const cli = new CliService(conns, audit)
  const emit = hub.emit.bind(hub)
  const backups = new BackupService(new Catalog(sqlite), conns, new SecretStore(sqlite, cipher), emit, {
    workerScript: o.rdbWorker,
    safetyDir: join(o.dataDir, 'safety-backups'),
  })
  const scheduler = new Scheduler(backups, emit)
  const offline = new OfflineService(
    conns,
    (dir) =>
      new EngineHost({
        dataDir: dir,
        serverScript: o.serverScript,
        launcher: o.launcher,
        onStatus: () => {},
        onNotice: (level, message) => hub.emit('notice', { level, title: 'Inspection engine', message }),
      }),
    o.rdbWorker,
    join(o.dataDir, 'tmp', 'offline'),
  )
  const restore = new RestoreService({
    backups,
    conns,
    engine,
    offline,
    workerScript: o.rdbWorker,
    tmpDir: join(o.dataDir, 'tmp', 'restore'),
    emit,
    releaseEngine: () => {
      void keys.unwatch(EMBEDDED_ID)
      cli.close(EMBEDDED_ID)
      conns.dropClients(EMBEDDED_ID)
    },
    swapStep: o.swapStep,
    audit,
  })
  const dispatch = createDispatcher(
    createHandlers({
      version: o.version,
      transport: o.transport,
      embedded: o.engine !== false,
      cipher,
      engine,
      conns,
      keys,
      cli,
      collector,
      history,
      persistence,
      audit,
      backups,
      scheduler,
      restore,
      offline,
    }),
    log,
  )
  return {
    hub,
    dispatch,
    cipher,
    engine,
    conns,
    audit,
    collector,
    backups,
    scheduler,
    async start() {
      // A restore killed mid-swap is finished (old or new files, never a mix) before the engine loads.
      const recovered = recover(join(engineDir, 'data'))
      if (recovered !== 'none') log(`restore recovery: ${recovered}`)
      try {
        if (o.engine !== false) await engine.start()
      } finally {
        // External connections are watched and backed up even when the engine fails to start.
        collector.start()
        scheduler.start()
      }
    },
    async stop() {
      await collector.stop()
      await scheduler.stop()
      await restore.closeAll()
      await offline.closeAll()
      keys.stopAll()
      cli.closeAll()
      conns.closeAll()
      await engine.stop()
      sqlite.close()
      history.close()
    },
  }
}

export type ConsoleApp = ReturnType<typeof createConsole>
