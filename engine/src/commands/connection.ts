// Connection commands: PING, ECHO, QUIT, RESET, AUTH, HELLO, SELECT, and CLIENT with its
// subcommands (ID, SETNAME, GETNAME, LIST, INFO, KILL, PAUSE, UNPAUSE, NO-EVICT, NO-TOUCH, REPLY).

import type { Client } from '../server/client.js'
import type { Server } from '../server/server.js'
import type { CommandDef } from './table.js'
import { parseSafeInt } from '../util/numbers.js'

const G = 'connection'

function ping(c: Client, argv: string[]): void {
  if (argv.length > 2) {
    c.error("ERR wrong number of arguments for 'ping' command")
    return
  }
  if (c.ext.pubsub && c.resp === 2) {
    c.bulks(['pong', argv[1] ?? ''])
    return
  }
  if (argv.length === 2) c.bulk(argv[1])
  else c.status('PONG')
}

function auth(c: Client, argv: string[], srv: Server): void {
  if (argv.length > 3) {
    c.error('ERR syntax error')
    return
  }
  const user = argv.length === 3 ? argv[1] : 'default'
  const pass = argv[argv.length - 1]
  if (!srv.requiresAuth && argv.length === 2) {
    c.error(
      'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
    )
    return
  }
  if (user === 'default' && (srv.checkPassword(pass) || (!srv.requiresAuth && argv.length === 3 && pass === ''))) {
    setAuthenticated(c, true)
    c.ok()
    return
  }
  c.error('WRONGPASS invalid username-password pair or user is disabled.')
}

function setAuthenticated(c: Client, on: boolean): void {
  c.authenticated = on
  c.parser.authenticated = on
}

function hello(c: Client, argv: string[], srv: Server): void {
  let ver = 0
  let i = 1
  if (argv.length >= 2) {
    const v = parseSafeInt(argv[1])
    if (v === null) {
      c.error('ERR Protocol version is not an integer or out of range')
      return
    }
    ver = v
    i = 2
    if (ver < 2 || ver > 3) {
      c.error('NOPROTO unsupported protocol version')
      return
    }
  }
  let name: string | null = null
  for (; i < argv.length; i++) {
    const opt = argv[i].toLowerCase()
    const more = argv.length - i - 1
    if (opt === 'auth' && more >= 2) {
      const user = argv[i + 1]
      const pass = argv[i + 2]
      i += 2
      if (user !== 'default' || !(srv.checkPassword(pass) || (!srv.requiresAuth && pass === ''))) {
        c.error('WRONGPASS invalid username-password pair or user is disabled.')
        return
      }
      setAuthenticated(c, true)
    } else if (opt === 'setname' && more >= 1) {
      name = argv[++i]
      if (!validName(name)) {
        c.error('ERR Client names cannot contain spaces, newlines or special characters.')
        return
      }
    } else {
      c.error(`ERR Syntax error in HELLO option '${argv[i]}'`)
      return
    }
  }
  if (!c.authenticated) {
    c.error(
      'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
    )
    return
  }
  if (name !== null) c.name = name
  if (ver !== 0) c.resp = ver as 2 | 3
  c.mapLen(7)
  c.bulk('server')
  c.bulk('redis')
  c.bulk('version')
  c.bulk(SERVER_VERSION)
  c.bulk('proto')
  c.int(c.resp)
  c.bulk('id')
  c.int(c.id)
  c.bulk('mode')
  c.bulk('standalone')
  c.bulk('role')
  c.bulk('master')
  c.bulk('modules')
  c.arrayLen(0)
}

/** The Redis version Strata answers as (INFO redis_version, HELLO): the 7.0 command set it implements. */
export const SERVER_VERSION = '7.0.15'

function validName(n: string): boolean {
  return /^[\x21-\x7e]*$/.test(n)
}

function select(c: Client, argv: string[], srv: Server): void {
  const id = parseSafeInt(argv[1])
  if (id === null) {
    c.error('ERR value is not an integer or out of range')
    return
  }
  if (id < -2147483648 || id > 2147483647) {
    c.error('ERR value is out of range, value must between -2147483648 and 2147483647')
    return
  }
  if (id < 0 || id >= srv.keyspace.dbs.length) {
    c.error('ERR DB index is out of range')
    return
  }
  c.db = srv.keyspace.dbs[id]
  c.ok()
}

function reset(c: Client, _argv: string[], srv: Server): void {
  for (const h of srv.hooks.clientClosed) h(c)
  c.db = srv.keyspace.dbs[0]
  c.resp = 2
  c.name = ''
  c.replyMode = 'on'
  c.skipNext = false
  c.noEvict = false
  c.noTouch = false
  if (c.monitor) {
    srv.monitors.delete(c)
    c.monitor = false
  }
  setAuthenticated(c, !srv.requiresAuth)
  c.status('RESET')
}

/** One line of CLIENT LIST / CLIENT INFO, with Redis 7.0's fields. */
export function clientInfoLine(c: Client): string {
  const now = Date.now()
  const flags =
    (c.monitor ? 'O' : '') +
    (c.blocked ? 'b' : '') +
    (c.ext.multi ? 'x' : '') +
    (c.ext.dirtyCas ? 'd' : '') +
    (c.ext.pubsub ? 'P' : '') +
    (c.closeAfterReply ? 'c' : '') +
    (c.noEvict ? 'e' : '') +
    (c.noTouch ? 'T' : '')
  const sub = (c.ext.channels as Set<string> | undefined)?.size ?? 0
  const psub = (c.ext.patterns as Set<string> | undefined)?.size ?? 0
  const multi = c.ext.multi ? ((c.ext.queue as unknown[] | undefined)?.length ?? 0) : -1
  return (
    `id=${c.id} addr=${c.addr} laddr=${c.laddr} fd=${(c.socket as unknown as { _handle?: { fd?: number } })._handle?.fd ?? -1} name=${c.name} ` +
    `age=${Math.floor((now - c.created) / 1000)} idle=${Math.floor((now - c.lastInteraction) / 1000)} flags=${flags || 'N'} ` +
    `db=${c.db.id} sub=${sub} psub=${psub} ssub=0 multi=${multi} qbuf=${c.parser.pendingBytes} qbuf-free=0 argv-mem=0 multi-mem=0 ` +
    `rbs=${16 * 1024} rbp=0 obl=0 oll=0 omem=${c.outputBytes} tot-mem=${c.parser.pendingBytes + c.outputBytes} events=r ` +
    `cmd=${c.lastCmd} user=${c.user} redir=-1 resp=${c.resp}`
  )
}

function clientList(c: Client, argv: string[], srv: Server): void {
  let list = [...srv.clients.values()]
  if (argv.length > 2) {
    const opt = argv[2].toLowerCase()
    if (opt === 'type' && argv.length === 4) {
      const t = argv[3].toLowerCase()
      if (!['normal', 'master', 'replica', 'slave', 'pubsub'].includes(t)) {
        c.error(`ERR Unknown client type '${argv[3]}'`)
        return
      }
      list = list.filter((x) => (t === 'pubsub' ? Boolean(x.ext.pubsub) : t === 'normal' ? !x.ext.pubsub : false))
    } else if (opt === 'id' && argv.length >= 4) {
      const ids = new Set<number>()
      for (const a of argv.slice(3)) {
        const n = parseSafeInt(a)
        if (n === null || n <= 0) {
          c.error('ERR Invalid client ID')
          return
        }
        ids.add(n)
      }
      list = list.filter((x) => ids.has(x.id))
    } else {
      c.error('ERR syntax error')
      return
    }
  }
  c.verbatim(list.map((x) => clientInfoLine(x) + '\n').join(''))
}

function clientKill(c: Client, argv: string[], srv: Server): void {
  if (argv.length === 3) {
    const target = [...srv.clients.values()].find((x) => x.addr === argv[2])
    if (!target) {
      c.error('ERR No such client')
      return
    }
    killClient(target, c, srv)
    c.ok()
    return
  }
  if (argv.length % 2 !== 0) {
    c.error('ERR syntax error')
    return
  }
  let candidates = [...srv.clients.values()]
  let skipMe = true
  for (let i = 2; i < argv.length; i += 2) {
    const k = argv[i].toLowerCase()
    const v = argv[i + 1]
    if (k === 'id') {
      const id = parseSafeInt(v)
      if (id === null || id <= 0) {
        c.error('ERR client-id should be greater than 0')
        return
      }
      candidates = candidates.filter((x) => x.id === id)
    } else if (k === 'addr') candidates = candidates.filter((x) => x.addr === v)
    else if (k === 'laddr') candidates = candidates.filter((x) => x.laddr === v)
    else if (k === 'user') candidates = candidates.filter((x) => x.user === v)
    else if (k === 'type') {
      const t = v.toLowerCase()
      if (!['normal', 'master', 'replica', 'slave', 'pubsub'].includes(t)) {
        c.error(`ERR Unknown client type '${v}'`)
        return
      }
      candidates = candidates.filter((x) =>
        t === 'pubsub' ? Boolean(x.ext.pubsub) : t === 'normal' ? !x.ext.pubsub : false,
      )
    } else if (k === 'skipme') {
      const l = v.toLowerCase()
      if (l !== 'yes' && l !== 'no') {
        c.error('ERR syntax error')
        return
      }
      skipMe = l === 'yes'
    } else {
      c.error('ERR syntax error')
      return
    }
  }
  let n = 0
  for (const x of candidates) {
    if (x === c && skipMe) continue
    killClient(x, c, srv)
    n++
  }
  c.int(n)
}

function killClient(target: Client, me: Client, srv: Server): void {
  if (target === me) {
    target.closeAfterReply = true
    return
  }
  target.socket.destroy()
  srv.freeClient(target)
}

function clientPause(c: Client, argv: string[], srv: Server): void {
  const ms = parseSafeInt(argv[2])
  if (ms === null || ms < 0) {
    c.error('ERR timeout is not an integer or out of range')
    return
  }
  let mode: 'all' | 'write' = 'all'
  if (argv.length === 4) {
    const m = argv[3].toLowerCase()
    if (m !== 'all' && m !== 'write') {
      c.error('ERR syntax error')
      return
    }
    mode = m
  } else if (argv.length > 4) {
    c.error('ERR syntax error')
    return
  }
  srv.pauseClients(mode, ms)
  c.ok()
}

function clientReply(c: Client, argv: string[]): void {
  const m = argv[2].toLowerCase()
  if (m === 'on') {
    c.replyMode = 'on'
    c.skipNext = false
    c.ok()
  } else if (m === 'off') c.replyMode = 'off'
  else if (m === 'skip') {
    if (c.replyMode === 'on') c.skipNext = true
  } else c.error('ERR syntax error')
}

function onOff(c: Client, v: string, set: (on: boolean) => void): void {
  const l = v.toLowerCase()
  if (l !== 'on' && l !== 'off') {
    c.error('ERR syntax error')
    return
  }
  set(l === 'on')
  c.ok()
}

const CLIENT_HELP = [
  'CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CACHING (YES|NO)',
  'GETNAME',
  'GETREDIR',
  'ID',
  'INFO',
  'KILL <ip:port>',
  'KILL <option> <value> [<option> <value> [...]]',
  'LIST [options ...]',
  'UNPAUSE',
  'PAUSE <timeout> [WRITE|ALL]',
  'REPLY (ON|OFF|SKIP)',
  'SETNAME <name>',
  'NO-EVICT (ON|OFF)',
  'NO-TOUCH (ON|OFF)',
  'HELP',
]

export function replyHelp(c: Client, lines: readonly string[]): void {
  c.arrayLen(lines.length)
  for (const l of lines) c.status(l)
}

export const connectionCommands: CommandDef[] = [
  { name: 'ping', arity: -1, flags: ['fast'], group: G, handler: ping, summary: 'Ping the server' },
  {
    name: 'echo',
    arity: 2,
    flags: ['fast'],
    group: G,
    handler: (c, a) => c.bulk(a[1]),
    summary: 'Echo the given string',
  },
  {
    name: 'quit',
    arity: -1,
    flags: ['allow_busy', 'no_auth', 'noscript', 'loading', 'stale', 'fast'],
    group: G,
    handler: (c) => {
      c.ok()
      c.closeAfterReply = true
    },
    summary: 'Close the connection',
  },
  {
    name: 'reset',
    arity: 1,
    flags: ['noscript', 'loading', 'stale', 'no_auth', 'fast'],
    group: G,
    handler: reset,
    since: '6.2.0',
  },
  {
    name: 'auth',
    arity: -2,
    flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth'],
    group: G,
    handler: auth,
    summary: 'Authenticate to the server',
  },
  {
    name: 'hello',
    arity: -1,
    flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth'],
    group: G,
    handler: hello,
    since: '6.0.0',
  },
  {
    name: 'select',
    arity: 2,
    flags: ['loading', 'stale', 'fast'],
    group: G,
    handler: select,
    summary: 'Change the selected database',
  },
  {
    name: 'client',
    arity: -2,
    group: G,
    summary: 'A container for client connection commands',
    subcommands: [
      { name: 'id', arity: 2, flags: ['noscript', 'loading', 'stale'], group: G, handler: (c) => c.int(c.id) },
      {
        name: 'setname',
        arity: 3,
        flags: ['noscript', 'loading', 'stale'],
        group: G,
        handler: (c, a) => {
          if (!validName(a[2])) {
            c.error('ERR Client names cannot contain spaces, newlines or special characters.')
            return
          }
          c.name = a[2]
          c.ok()
        },
      },
      {
        name: 'getname',
        arity: 2,
        flags: ['noscript', 'loading', 'stale'],
        group: G,
        handler: (c) => c.bulkOrNull(c.name || null),
      },
      { name: 'list', arity: -2, flags: ['admin', 'noscript', 'loading', 'stale'], group: G, handler: clientList },
      {
        name: 'info',
        arity: 2,
        flags: ['noscript', 'loading', 'stale'],
        group: G,
        handler: (c) => c.verbatim(clientInfoLine(c) + '\n'),
      },
      { name: 'kill', arity: -3, flags: ['admin', 'noscript', 'loading', 'stale'], group: G, handler: clientKill },
      { name: 'pause', arity: -3, flags: ['admin', 'noscript', 'loading', 'stale'], group: G, handler: clientPause },
      {
        name: 'unpause',
        arity: 2,
        flags: ['admin', 'noscript', 'loading', 'stale'],
        group: G,
        handler: (c, _a, s) => {
          s.unpause()
          c.ok()
        },
      },
      { name: 'reply', arity: 3, flags: ['noscript', 'loading', 'stale'], group: G, handler: clientReply },
      {
        name: 'no-evict',
        arity: 3,
        flags: ['admin', 'noscript', 'loading', 'stale'],
        group: G,
        handler: (c, a) => onOff(c, a[2], (on) => (c.noEvict = on)),
      },
      {
        name: 'no-touch',
        arity: 3,
        flags: ['noscript', 'loading', 'stale'],
        group: G,
        handler: (c, a) => onOff(c, a[2], (on) => (c.noTouch = on)),
      },
      { name: 'getredir', arity: 2, flags: ['noscript', 'loading', 'stale'], group: G, handler: (c) => c.int(-1) },
      {
        name: 'setinfo',
        arity: 4,
        flags: ['noscript', 'loading', 'stale'],
        group: G,
        handler: (c, a) => {
          const attr = a[2].toLowerCase()
          if (attr === 'lib-name') c.libName = a[3]
          else if (attr === 'lib-ver') c.libVer = a[3]
          else {
            c.error(`ERR Unrecognized option '${a[2]}'`)
            return
          }
          c.ok()
        },
      },
      { name: 'help', arity: 2, flags: ['loading', 'stale'], group: G, handler: (c) => replyHelp(c, CLIENT_HELP) },
    ],
  },
]
