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
    'keys.edit': (a) => s.keys.edit(a),
    'keys.create': (a) => s.keys.create(a),
    'keys.ttl': (a) => s.keys.ttl(a),
    'keys.rename': (a) => s.keys.rename(a),
    'keys.delete': async (a) => ({ deleted: await s.keys.delete(a) }),
    'keys.bulkDelete': async (a) => ({ jobId: await s.keys.bulkDelete(a) }),
    'keys.bulkCancel': (a) => ({ cancelled: s.keys.cancel(a.jobId) }),
    'keys.watch': (a) => s.keys.watch(a.conn, a.db),
    'keys.unwatch': async (a) => ({ stopped: await s.keys.unwatch(a.conn) }),
    'cli.exec': (a) => s.cli.exec(a),
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
    'persistence.run': (a) => s.persistence.run(a.conn, a.action),
    'persistence.config': (a) => s.persistence.config(a.conn),
    'persistence.setConfig': (a) => s.persistence.setConfig(a),
    'audit.list': (a) => s.audit.list(a.conn, a.limit),
  }
}
