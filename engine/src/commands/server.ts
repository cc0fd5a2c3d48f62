// Server administration commands: INFO, CONFIG, COMMAND, DEBUG, SLOWLOG, LATENCY, SHUTDOWN,
// MONITOR, TIME. Persistence commands (SAVE, BGSAVE…) live with persistence.

import type { Client } from '../server/client.js'
import type { Server } from '../server/server.js'
import type { Command, CommandDef } from './table.js'
import { ConfigError } from '../server/config.js'
import { infoText } from '../server/info.js'
import { parseFloatArg, parseSafeInt } from '../util/numbers.js'
import { globMatch } from '../util/glob.js'
import { replyHelp } from './connection.js'

const G = 'server'

function info(c: Client, argv: string[], srv: Server): void {
  c.verbatim(infoText(srv, argv.slice(1)))
}

function configGet(c: Client, argv: string[], srv: Server): void {
  const pairs = srv.config.getMatching(argv.slice(2))
  c.mapLen(pairs.length)
  for (const [k, v] of pairs) {
    c.bulk(k)
    c.bulk(v)
  }
}

function configSet(c: Client, argv: string[], srv: Server): void {
  if (argv.length % 2 !== 0) {
    c.error("ERR wrong number of arguments for 'config|set' command")
    return
  }
  const pairs: [string, string][] = []
  for (let i = 2; i < argv.length; i += 2) pairs.push([argv[i], argv[i + 1]])
  try {
    srv.config.setMany(pairs)
  } catch (e) {
    if (e instanceof ConfigError) {
      c.error('ERR ' + e.message)
      return
    }
    throw e
  }
  c.ok()
}

function configRewrite(c: Client, _argv: string[], srv: Server): void {
  try {
    srv.config.rewrite()
  } catch (e) {
    const msg = e instanceof ConfigError ? e.message : `Rewriting config file: ${(e as Error).message}`
    srv.log.warning(`CONFIG REWRITE failed: ${msg}`)
    c.error('ERR ' + msg)
    return
  }
  srv.log.notice('CONFIG REWRITE executed with success.')
  c.ok()
}

function configResetStat(c: Client, _argv: string[], srv: Server): void {
  srv.stats.reset()
  srv.slowlog.reset()
  for (const cmd of srv.commands.all()) {
    const reset = (x: Command): void => {
      x.calls = 0
      x.usec = 0
      x.rejectedCalls = 0
      x.failedCalls = 0
      for (const sub of x.spec.subcommands?.values() ?? []) reset(sub)
    }
    reset(cmd)
  }
  c.ok()
}

const CONFIG_HELP = [
  'CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'GET <pattern>',
  '    Return parameters matching the glob-like <pattern> and their values.',
  'SET <directive> <value>',
  '    Set the configuration <directive> to <value>.',
  'RESETSTAT',
  '    Reset statistics reported by the INFO command.',
  'REWRITE',
  '    Rewrite the configuration file.',
  'HELP',
  '    Print this help.',
]

// ---- COMMAND ----

function replyCommandInfo(c: Client, cmd: Command): void {
  const s = cmd.spec
  c.arrayLen(10)
  c.bulk(s.name)
  c.int(s.arity)
  c.setLen(s.flags.length)
  for (const f of s.flags) c.status(f)
  c.int(s.firstKey)
  c.int(s.lastKey)
  c.int(s.step)
  c.setLen(s.categories.length)
  for (const cat of s.categories) c.status('@' + cat)
  c.arrayLen(0)
  if (s.firstKey > 0) {
    c.arrayLen(1)
    c.mapLen(3)
    c.bulk('flags')
    c.setLen(0)
    c.bulk('begin_search')
    c.mapLen(2)
    c.bulk('type')
    c.bulk('index')
    c.bulk('spec')
    c.mapLen(1)
    c.bulk('index')
    c.int(s.firstKey)
    c.bulk('find_keys')
    c.mapLen(2)
    c.bulk('type')
    c.bulk('range')
    c.bulk('spec')
    c.mapLen(3)
    c.bulk('lastkey')
    c.int(s.lastKey < 0 ? s.lastKey : s.lastKey - s.firstKey)
    c.bulk('keystep')
    c.int(s.step)
    c.bulk('limit')
    c.int(0)
  } else {
    c.arrayLen(0)
  }
  const subs = [...(s.subcommands?.values() ?? [])]
  c.arrayLen(subs.length)
  for (const sub of subs) replyCommandInfo(c, sub)
}

function replyCommandDocs(c: Client, cmd: Command): void {
  const s = cmd.spec
  const subs = [...(s.subcommands?.values() ?? [])]
  c.mapLen(subs.length > 0 ? 4 : 3)
  c.bulk('summary')
  c.bulk(s.summary || `The ${s.name.toUpperCase()} command`)
  c.bulk('since')
  c.bulk(s.since)
  c.bulk('group')
  c.bulk(s.group)
  if (subs.length > 0) {
    c.bulk('subcommands')
    c.mapLen(subs.length)
    for (const sub of subs) {
      c.bulk(sub.name)
      replyCommandDocs(c, sub)
    }
  }
}

function command(c: Client, _argv: string[], srv: Server): void {
  const all = [...srv.commands.all()]
  c.arrayLen(all.length)
  for (const cmd of all) replyCommandInfo(c, cmd)
}

function commandInfo(c: Client, argv: string[], srv: Server): void {
  const names = argv.length > 2 ? argv.slice(2) : [...srv.commands.all()].map((x) => x.name)
  c.arrayLen(names.length)
  for (const n of names) {
    const cmd = lookupFull(srv, n)
    if (cmd) replyCommandInfo(c, cmd)
    else c.nullArray()
  }
}

function commandDocs(c: Client, argv: string[], srv: Server): void {
  const cmds =
    argv.length > 2
      ? argv
          .slice(2)
          .map((n) => lookupFull(srv, n))
          .filter((x): x is Command => x !== undefined)
      : [...srv.commands.all()]
  c.mapLen(cmds.length)
  for (const cmd of cmds) {
    c.bulk(cmd.name)
    replyCommandDocs(c, cmd)
  }
}

/** "config|get" or "config" → the command or subcommand. */
function lookupFull(srv: Server, name: string): Command | undefined {
  const [parent, sub] = name.toLowerCase().split('|')
  const cmd = srv.commands.lookup(parent)
  if (!cmd || sub === undefined) return cmd
  return cmd.spec.subcommands?.get(sub)
}

function commandList(c: Client, argv: string[], srv: Server): void {
  let names = [...srv.commands.all()].flatMap((x) => [
    x.name,
    ...[...(x.spec.subcommands?.values() ?? [])].map((s) => s.name),
  ])
  if (argv.length > 2) {
    if (argv.length !== 5 || argv[2].toLowerCase() !== 'filterby') {
      c.error('ERR syntax error')
      return
    }
    const kind = argv[3].toLowerCase()
    const v = argv[4]
    if (kind === 'pattern') names = names.filter((n) => globMatch(v, n, true))
    else if (kind === 'aclcat')
      names = names.filter((n) => lookupFull(srv, n)?.spec.categories.includes(v.toLowerCase().replace(/^@/, '')))
    else if (kind === 'module') names = []
    else {
      c.error('ERR syntax error')
      return
    }
  }
  c.bulks(names)
}

function commandGetKeys(c: Client, argv: string[], srv: Server): void {
  const args = argv.slice(2)
  let cmd = srv.commands.lookup(args[0])
  if (cmd?.spec.subcommands && args.length > 1) cmd = cmd.spec.subcommands.get(args[1].toLowerCase())
  if (!cmd) {
    c.error('ERR Invalid command specified')
    return
  }
  if (!cmd.arityOk(args.length)) {
    c.error('ERR Invalid number of arguments specified for command')
    return
  }
  const pos = cmd.keyPositions(args.length)
  if (pos.length === 0) {
    c.error('ERR The command has no key arguments')
    return
  }
  c.bulks(pos.map((p) => args[p]))
}

const COMMAND_HELP = [
  'COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  '(no subcommand)',
  '    Return details about all Redis commands.',
  'COUNT',
  '    Return the total number of commands in this Redis server.',
  'LIST',
  '    Return a list of all commands in this Redis server.',
  'INFO [<command-name> ...]',
  '    Return details about multiple Redis commands.',
  'DOCS [<command-name> ...]',
  '    Return documentation details about multiple Redis commands.',
  'GETKEYS <full-command>',
  '    Return the keys from a full Redis command.',
  'HELP',
  '    Print this help.',
]

// ---- DEBUG ----

const DEBUG_HELP = [
  'DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'SLEEP <seconds>',
  '    Stop the server for <seconds>. Decimals allowed.',
  'SET-ACTIVE-EXPIRE <0|1>',
  '    Setting it to 0 disables expiring keys in background.',
  'OBJECT <key>',
  '    Show low level info about the key and associated value.',
  'CHANGE-REPL-ID',
  '    Change the replication IDs of the instance.',
  'HELP',
  '    Print this help.',
]

/** DEBUG subcommands that other modules provide (RELOAD from persistence). */
export const debugExtensions = new Map<string, (c: Client, argv: string[], srv: Server) => void>()

function debug(c: Client, argv: string[], srv: Server): void {
  const sub = argv[1].toLowerCase()
  if (sub === 'help') {
    replyHelp(c, DEBUG_HELP)
  } else if (sub === 'sleep' && argv.length === 3) {
    const secs = parseFloatArg(argv[2])
    if (secs === null || secs < 0) {
      c.error('ERR value is not a valid float')
      return
    }
    // DEBUG SLEEP blocks the whole server on purpose, as Redis's does (latency tests use it).
    const until = Date.now() + secs * 1000
    const view = new Int32Array(new SharedArrayBuffer(4))
    while (Date.now() < until) Atomics.wait(view, 0, 0, Math.max(1, until - Date.now()))
    c.ok()
  } else if (sub === 'set-active-expire' && argv.length === 3) {
    srv.activeExpireEnabled = argv[2] !== '0'
    c.ok()
  } else if (sub === 'object' && argv.length === 3) {
    const slot = c.db.find(argv[2])
    if (slot < 0) {
      c.error('ERR no such key')
      return
    }
    const v = c.db.dict.vals[slot]
    const enc = typeof v === 'object' && v ? v.encoding() : typeof v === 'number' ? 'int' : 'embstr'
    c.status(
      `Value at:0x0 refcount:1 encoding:${enc} serializedlength:0 lru:${c.db.dict.lru[slot] & 0xffffff} lru_seconds_idle:0`,
    )
  } else if (sub === 'change-repl-id' && argv.length === 2) {
    c.ok()
  } else if (debugExtensions.has(sub)) {
    ;(debugExtensions.get(sub) as (c: Client, argv: string[], srv: Server) => void)(c, argv, srv)
  } else {
    c.error(`ERR unknown subcommand '${argv[1]}'. Try DEBUG HELP.`)
  }
}

// ---- SLOWLOG / LATENCY ----

function slowlogGet(c: Client, argv: string[], srv: Server): void {
  let count = 10
  if (argv.length === 3) {
    const n = parseSafeInt(argv[2])
    if (n === null || n < -1) {
      c.error('ERR count should be greater than or equal to -1')
      return
    }
    count = n === -1 ? srv.slowlog.entries.length : n
  }
  const entries = srv.slowlog.entries.slice(0, count)
  c.arrayLen(entries.length)
  for (const e of entries) {
    c.arrayLen(6)
    c.int(e.id)
    c.int(e.time)
    c.int(e.usec)
    c.bulks(e.argv)
    c.bulk(e.addr)
    c.bulk(e.name)
  }
}

const SLOWLOG_HELP = [
  'SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'GET [<count>]',
  '    Return top <count> entries from the slowlog (default: 10, -1 mean all).',
  '    Entries are made of:',
  '    id, timestamp, time in microseconds, arguments array, client IP and port,',
  '    client name',
  'LEN',
  '    Return the length of the slowlog.',
  'RESET',
  '    Reset the slowlog.',
  'HELP',
  '    Print this help.',
]

// ---- SHUTDOWN ----

function shutdown(c: Client, argv: string[], srv: Server): void {
  let save: boolean | null = null
  for (const a of argv.slice(1)) {
    const o = a.toLowerCase()
    if (o === 'nosave') save = false
    else if (o === 'save') save = true
    else if (o === 'now' || o === 'force') continue
    else if (o === 'abort') {
      c.error('ERR No shutdown in progress.')
      return
    } else {
      c.error('ERR syntax error')
      return
    }
  }
  srv.shutdown(save).catch((e: unknown) => {
    srv.shuttingDown = false
    c.error(`ERR Errors trying to SHUTDOWN. Check logs. (${(e as Error).message})`)
    srv.queueReply(c)
  })
}

function monitor(c: Client, _argv: string[], srv: Server): void {
  if (c.monitor) return
  c.monitor = true
  srv.monitors.add(c)
  c.ok()
}

function time(c: Client): void {
  const us = BigInt(Math.round(performance.timeOrigin * 1000 + performance.now() * 1000))
  c.bulks([String(us / 1000000n), String(us % 1000000n)])
}

export const serverCommands: CommandDef[] = [
  {
    name: 'info',
    arity: -1,
    flags: ['loading', 'stale'],
    group: G,
    handler: info,
    summary: 'Get information and statistics about the server',
  },
  {
    name: 'config',
    arity: -2,
    group: G,
    summary: 'A container for server configuration commands',
    subcommands: [
      { name: 'get', arity: -3, flags: ['admin', 'noscript', 'loading', 'stale'], group: G, handler: configGet },
      { name: 'set', arity: -4, flags: ['admin', 'noscript', 'loading', 'stale'], group: G, handler: configSet },
      { name: 'rewrite', arity: 2, flags: ['admin', 'noscript', 'loading', 'stale'], group: G, handler: configRewrite },
      {
        name: 'resetstat',
        arity: 2,
        flags: ['admin', 'noscript', 'loading', 'stale'],
        group: G,
        handler: configResetStat,
      },
      { name: 'help', arity: 2, flags: ['loading', 'stale'], group: G, handler: (c) => replyHelp(c, CONFIG_HELP) },
    ],
  },
  {
    name: 'command',
    arity: -1,
    flags: ['loading', 'stale'],
    group: G,
    handler: command,
    summary: 'Get array of Redis command details',
    subcommands: [
      { name: 'count', arity: 2, flags: ['loading', 'stale'], group: G, handler: (c, _a, s) => c.int(s.commands.size) },
      { name: 'info', arity: -2, flags: ['loading', 'stale'], group: G, handler: commandInfo },
      { name: 'docs', arity: -2, flags: ['loading', 'stale'], group: G, handler: commandDocs },
      { name: 'list', arity: -2, flags: ['loading', 'stale'], group: G, handler: commandList },
      { name: 'getkeys', arity: -3, flags: ['loading', 'stale'], group: G, handler: commandGetKeys },
      { name: 'help', arity: 2, flags: ['loading', 'stale'], group: G, handler: (c) => replyHelp(c, COMMAND_HELP) },
    ],
  },
  { name: 'debug', arity: -2, flags: ['admin', 'noscript', 'loading', 'stale'], group: G, handler: debug },
  {
    name: 'slowlog',
    arity: -2,
    group: G,
    subcommands: [
      { name: 'get', arity: -2, flags: ['admin', 'loading', 'stale'], group: G, handler: slowlogGet },
      {
        name: 'len',
        arity: 2,
        flags: ['admin', 'loading', 'stale'],
        group: G,
        handler: (c, _a, s) => c.int(s.slowlog.entries.length),
      },
      {
        name: 'reset',
        arity: 2,
        flags: ['admin', 'loading', 'stale'],
        group: G,
        handler: (c, _a, s) => {
          s.slowlog.reset()
          c.ok()
        },
      },
      { name: 'help', arity: 2, flags: ['loading', 'stale'], group: G, handler: (c) => replyHelp(c, SLOWLOG_HELP) },
    ],
  },
  {
    name: 'latency',
    arity: -2,
    group: G,
    subcommands: [
      {
        name: 'latest',
        arity: 2,
        flags: ['admin', 'noscript', 'loading', 'stale'],
        group: G,
        handler: (c) => c.arrayLen(0),
      },
      {
        name: 'history',
        arity: 3,
        flags: ['admin', 'noscript', 'loading', 'stale'],
        group: G,
        handler: (c) => c.arrayLen(0),
      },
      {
        name: 'reset',
        arity: -2,
        flags: ['admin', 'noscript', 'loading', 'stale'],
        group: G,
        handler: (c) => c.int(0),
      },
      {
        name: 'doctor',
        arity: 2,
        flags: ['admin', 'noscript', 'loading', 'stale'],
        group: G,
        handler: (c) =>
          c.verbatim(
            'Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sleep better tonight.\n',
          ),
      },
      {
        name: 'help',
        arity: 2,
        flags: ['loading', 'stale'],
        group: G,
        handler: (c) =>
          replyHelp(c, [
            'LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
            'LATEST',
            'HISTORY <event>',
            'RESET [<event> ...]',
            'DOCTOR',
            'HELP',
          ]),
      },
    ],
  },
  {
    name: 'shutdown',
    arity: -1,
    flags: ['admin', 'noscript', 'loading', 'stale', 'no_multi', 'allow_busy'],
    group: G,
    handler: shutdown,
  },
  { name: 'monitor', arity: 1, flags: ['admin', 'noscript', 'loading', 'stale'], group: G, handler: monitor },
  { name: 'time', arity: 1, flags: ['loading', 'stale', 'fast'], group: G, handler: time },
]
