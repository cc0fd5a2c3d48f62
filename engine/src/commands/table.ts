// The command table as data (Redis's redisCommandTable): name, arity, flags and key positions for
// every command, read by dispatch, COMMAND, the snapshot hook and the AOF feed.

import type { Client } from '../server/client.js'
import type { Server } from '../server/server.js'

export type CommandFlag =
  | 'write'
  | 'readonly'
  | 'denyoom'
  | 'admin'
  | 'pubsub'
  | 'noscript'
  | 'blocking'
  | 'loading'
  | 'stale'
  | 'skip_monitor'
  | 'skip_slowlog'
  | 'fast'
  | 'no_auth'
  | 'may_replicate'
  | 'no_multi'
  | 'allow_busy'

export type Handler = (c: Client, argv: string[], srv: Server) => void

export interface CommandSpec {
  /** Lower-case name; for subcommands the container's name, a '|', and the subcommand. */
  name: string
  /** Redis arity: N means exactly N arguments including the name, -N means at least N. */
  arity: number
  flags: readonly CommandFlag[]
  firstKey: number
  lastKey: number
  step: number
  /** ACL categories shown by COMMAND INFO (without the '@'). */
  categories: readonly string[]
  summary: string
  since: string
  group: string
  handler?: Handler
  subcommands?: Map<string, Command>
}

/** A command with its flags unpacked into booleans for the hot dispatch path. */
export class Command {
  readonly isWrite: boolean
  readonly denyOom: boolean
  readonly noAuth: boolean
  readonly isAdmin: boolean
  readonly allowLoading: boolean
  readonly skipMonitor: boolean
  readonly noMulti: boolean
  readonly isPubsub: boolean
  readonly isBlocking: boolean
  /** Statistics for INFO commandstats. */
  calls = 0
  usec = 0
  rejectedCalls = 0
  failedCalls = 0

  constructor(readonly spec: CommandSpec) {
    const f = new Set(spec.flags)
    this.isWrite = f.has('write')
    this.denyOom = f.has('denyoom')
    this.noAuth = f.has('no_auth')
    this.isAdmin = f.has('admin')
    this.allowLoading = f.has('loading')
    this.skipMonitor = f.has('skip_monitor')
    this.noMulti = f.has('no_multi')
    this.isPubsub = f.has('pubsub')
    this.isBlocking = f.has('blocking')
  }

  get name(): string {
    return this.spec.name
  }

  get arity(): number {
    return this.spec.arity
  }

  arityOk(argc: number): boolean {
    const a = this.spec.arity
    return a > 0 ? argc === a : argc >= -a
  }

  /** Positions of key arguments in argv (for WATCH-free uses such as COMMAND GETKEYS and the AOF). */
  keyPositions(argc: number): number[] {
    const { firstKey, step } = this.spec
    let { lastKey } = this.spec
    if (firstKey <= 0) return []
    if (lastKey < 0) lastKey = argc + lastKey
    const out: number[] = []
    for (let i = firstKey; i <= lastKey && i < argc; i += step) out.push(i)
    return out
  }
}

export interface CommandDef {
  name: string
  arity: number
  flags?: readonly CommandFlag[]
  /** [first, last, step]; omitted for commands without key arguments. */
  keys?: readonly [number, number, number]
  categories?: readonly string[]
  summary?: string
  since?: string
  group: string
  handler?: Handler
  subcommands?: readonly CommandDef[]
}

/** All commands by lower-case name. */
export class CommandTable {
  private readonly byName = new Map<string, Command>()
  /** The same commands by upper-case name, as most clients send them (no toLowerCase per call). */
  private readonly byUpper = new Map<string, Command>()

  register(defs: readonly CommandDef[]): void {
    for (const def of defs) {
      const cmd = build(def, def.name)
      if (this.byName.has(cmd.name)) throw new Error(`command ${cmd.name} registered twice`)
      this.byName.set(cmd.name, cmd)
      this.byUpper.set(cmd.name.toUpperCase(), cmd)
    }
  }

  /** Looks a command up by its name as typed (any case). */
  lookup(name: string): Command | undefined {
    return this.byUpper.get(name) ?? this.byName.get(name) ?? this.byName.get(name.toLowerCase())
  }

  all(): IterableIterator<Command> {
    return this.byName.values()
  }

  get size(): number {
    return this.byName.size
  }
}

function build(def: CommandDef, fullName: string): Command {
  const [firstKey, lastKey, step] = def.keys ?? [0, 0, 0]
  const flags = def.flags ?? []
  const categories = def.categories ?? deriveCategories(def.group, flags)
  const spec: CommandSpec = {
    name: fullName,
    arity: def.arity,
    flags,
    firstKey,
    lastKey,
    step,
    categories,
    summary: def.summary ?? '',
    since: def.since ?? '1.0.0',
    group: def.group,
    handler: def.handler,
  }
  if (def.subcommands) {
    spec.subcommands = new Map()
    for (const sub of def.subcommands) {
      spec.subcommands.set(sub.name, build({ ...sub, group: sub.group || def.group }, `${fullName}|${sub.name}`))
    }
  }
  return new Command(spec)
}

const GROUP_CATEGORY: Record<string, string> = {
  string: 'string',
  list: 'list',
  hash: 'hash',
  set: 'set',
  sorted_set: 'sortedset',
  generic: 'keyspace',
  bitmap: 'bitmap',
  pubsub: 'pubsub',
  transactions: 'transaction',
  connection: 'connection',
  server: 'admin',
}

function deriveCategories(group: string, flags: readonly CommandFlag[]): string[] {
  const out: string[] = []
  if (flags.includes('write')) out.push('write')
  if (flags.includes('readonly')) out.push('read')
  const g = GROUP_CATEGORY[group]
  if (g && g !== 'admin') out.push(g)
  if (flags.includes('admin')) out.push('admin', 'dangerous')
  if (flags.includes('blocking')) out.push('blocking')
  out.push(flags.includes('fast') ? 'fast' : 'slow')
  return out
}
