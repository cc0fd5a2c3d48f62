// Transaction commands: MULTI, EXEC, DISCARD, WATCH, UNWATCH (the state lives in server/multi.ts).

import type { CommandDef } from './table.js'
import { transactionsOf } from '../server/multi.js'

const G = 'transactions'

export const multiCommands: CommandDef[] = [
  {
    name: 'multi',
    arity: 1,
    flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'],
    group: G,
    since: '1.2.0',
    summary: 'Mark the start of a transaction block',
    handler: (c, _argv, srv) => {
      const t = transactionsOf(srv)
      if (c.ext.multi) {
        c.error('ERR MULTI calls can not be nested')
        t.acceptError(c)
        return
      }
      t.begin(c)
      c.ok()
    },
  },
  {
    name: 'exec',
    arity: 1,
    flags: ['noscript', 'loading', 'stale', 'skip_slowlog'],
    group: G,
    since: '1.2.0',
    summary: 'Execute all commands issued after MULTI',
    handler: (c, _argv, srv) => {
      if (!c.ext.multi) {
        c.error('ERR EXEC without MULTI')
        return
      }
      transactionsOf(srv).exec(c)
    },
  },
  {
    name: 'discard',
    arity: 1,
    flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'],
    group: G,
    since: '2.0.0',
    summary: 'Discard all commands issued after MULTI',
    handler: (c, _argv, srv) => {
      if (!c.ext.multi) {
        c.error('ERR DISCARD without MULTI')
        return
      }
      const t = transactionsOf(srv)
      t.discard(c)
      t.unwatchAll(c)
      c.ok()
    },
  },
  {
    name: 'watch',
    arity: -2,
    flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'],
    keys: [1, -1, 1],
    group: G,
    since: '2.2.0',
    summary: 'Monitor changes to keys to determine execution of the MULTI/EXEC block',
    handler: (c, argv, srv) => {
      const t = transactionsOf(srv)
      if (c.ext.multi) {
        c.error('ERR WATCH inside MULTI is not allowed')
        t.acceptError(c)
        return
      }
      // No point in watching more once a watched key has changed.
      if (!c.ext.dirtyCas) t.watch(c, argv.slice(1))
      c.ok()
    },
  },
  {
    name: 'unwatch',
    arity: 1,
    flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'],
    group: G,
    since: '2.2.0',
    summary: 'Forget about all watched keys',
    handler: (c, _argv, srv) => {
      const t = transactionsOf(srv)
      t.unwatchAll(c)
      delete c.ext.dirtyCas
      c.ok()
    },
  },
]
