// One handler per contract method, wired to the services. Both transports dispatch to these.

import type { Handlers } from './dispatcher.js'
import type { Connections } from '../services/connections.js'
import { EMBEDDED_ID } from '../services/connections.js'
import type { EngineHost } from '../services/engine-host.js'
import type { KeyService } from '../services/keys.js'
import type { CliService } from '../services/cli.js'
import type { Cipher } from '../services/secrets.js'
import type { Collector } from '../services/metrics/collector.js'
import type { HistoryStore } from '../db/history.js'
import type { PersistenceService } from '../services/persistence.js'
import type { AuditLog } from '../services/audit.js'
import { UserError } from './dispatcher.js'
import type { BackupService } from '../services/backup/backups.js'
import type { Scheduler } from '../services/backup/scheduler.js'
import type { RestoreService } from '../services/backup/restore.js'
import type { OfflineService } from '../services/backup/offline.js'

export interface Services {
  version: string
  transport: 'ipc' | 'web'
  embedded: boolean
  cipher: Cipher
  engine: EngineHost
  conns: Connections
  keys: KeyService
  cli: CliService
  collector: Collector
  history: HistoryStore
  persistence: PersistenceService
  audit: AuditLog
  backups: BackupService
  scheduler: Scheduler
  restore: RestoreService
  offline: OfflineService
}

/** Read-only inspection connections refuse every method that could write. */
function writable<T>(s: Services, conn: string, run: () => T): T {
  if (s.conns.isReadOnly(conn)) throw new UserError('This is a read-only inspection of an RDB file')
  return run()
}

export function createHandlers(s: Services): Handlers {
  return {
    'app.info': () => ({
      version: s.version,
      transport: s.transport,
      embedded: s.embedded,
      secretStorage: s.cipher.kind,
      secretWarning: s.cipher.warning,
    }),
    'engine.status': () => s.engine.status(),
    'engine.restart': async () => {
      s.conns.dropClients(EMBEDDED_ID)
      s.cli.close(EMBEDDED_ID)
      return s.engine.restart()
    },
    'connections.list': () => s.conns.list(),
    'connections.save': (a) => {
      if (a.id) s.collector.reconnect(a.id)
      return s.conns.save(a)
    },
    'connections.remove': (a) => {
      s.cli.close(a.id)
      void s.keys.unwatch(a.id)
      s.collector.unwatch(a.id)
      return { removed: s.conns.remove(a.id) }
    },
    'connections.test': (a) => s.conns.test(a),
    'connections.open': (a) => s.conns.open(a.id),
    'connections.close': async (a) => {
      s.cli.close(a.id)
      await s.keys.unwatch(a.id)
      return { closed: s.conns.dropClients(a.id) }
    },
    'keys.dbs': (a) => s.keys.dbs(a.conn),
    'keys.scanStart': (a) => s.keys.scanStart(a),
    'keys.scanCancel': (a) => ({ cancelled: s.keys.cancel(a.scanId) }),
    'keys.info': (a) => s.keys.info(a),
    'keys.types': (a) => s.keys.types(a),
    'keys.string': (a) => s.keys.string(a),
    'keys.items': (a) => s.keys.items(a),
    'keys.edit': (a) => writable(s, a.conn, () => s.keys.edit(a)),
    'keys.create': (a) => writable(s, a.conn, () => s.keys.create(a)),
    'keys.ttl': (a) => writable(s, a.conn, () => s.keys.ttl(a)),
    'keys.rename': (a) => writable(s, a.conn, () => s.keys.rename(a)),
    'keys.delete': (a) => writable(s, a.conn, async () => ({ deleted: await s.keys.delete(a) })),
    'keys.bulkDelete': (a) => writable(s, a.conn, async () => ({ jobId: await s.keys.bulkDelete(a) })),
    'keys.bulkCancel': (a) => ({ cancelled: s.keys.cancel(a.jobId) }),
    'keys.watch': (a) => s.keys.watch(a.conn, a.db),
    'keys.unwatch': async (a) => ({ stopped: await s.keys.unwatch(a.conn) }),
    'metrics.history': (a) => ({
      ...s.history.history(a.conn, a.from, a.to, a.maxPoints, Date.now(), {
        rawInterval: s.collector.intervalMs,
        bands: a.bands,
      }),
      status: s.collector.status(a.conn),
    }),
    'metrics.watch': (a) => {
      s.conns.resolve(a.conn)
      return { watching: s.collector.watch(a.conn) }
    },
    'metrics.unwatch': (a) => ({ watching: s.collector.unwatch(a.conn) }),
    'metrics.watched': () => s.collector.watching(),
    'persistence.run': (a) => writable(s, a.conn, () => s.persistence.run(a.conn, a.action)),
    'persistence.config': (a) => s.persistence.config(a.conn),
    'persistence.setConfig': (a) => writable(s, a.conn, () => s.persistence.setConfig(a)),
    'audit.list': (a) => s.audit.list(a.conn, a.limit),
    'cli.exec': (a) => writable(s, a.conn, () => s.cli.exec(a)),
    'backups.targets': () => s.backups.targets(),
    'backups.saveTarget': (a) => s.backups.saveTarget(a),
    'backups.removeTarget': (a) => ({ removed: s.backups.removeTarget(a.id) }),
    'backups.testTarget': async (a) => ({ message: await s.backups.testTarget(a) }),
    'backups.schedules': () => s.scheduler.list(),
    'backups.saveSchedule': (a) => s.scheduler.save(a),
    'backups.removeSchedule': (a) => ({ removed: s.scheduler.remove(a.id) }),
    'backups.list': (a) => s.backups.list(a),
    'backups.run': (a) => {
      const r = s.backups.start(a.conn, a.target)
      return { jobId: r.jobId, backup: r.backup }
    },
    'backups.cancel': (a) => ({ cancelled: s.backups.cancel(a.jobId) }),
    'backups.delete': async (a) => ({ deleted: await s.backups.delete(a.id) }),
    'backups.rebuild': (a) => s.backups.rebuild(a.target),
    'backups.objects': async (a) => {
      const store = s.backups.store(a.target)
      try {
        return (await store.list()).filter((o) => o.key.endsWith('.rdb'))
      } finally {
        store.close()
      }
    },
    'restore.open': (a) => s.restore.open(a.source),
    'restore.status': (a) => s.restore.status(a.session),
    'restore.browse': async (a) => ({ conn: await s.restore.browse(a.session) }),
    'restore.run': (a) => s.restore.run(a.session, a),
    'restore.cancel': (a) => ({ cancelled: s.restore.cancel(a.session) }),
    'restore.rollback': (a) => s.restore.rollback(a.session),
    'restore.close': async (a) => ({ closed: await s.restore.close(a.session) }),
    'restore.history': () => s.backups.catalog.restores(),
    'offline.open': (a) => s.offline.open(a.path),
    'offline.close': async (a) => ({ closed: await s.offline.close(a.conn) }),
  }
}
