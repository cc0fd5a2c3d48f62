// Server configuration (config.c): the parameter table with types, defaults and aliases, parsing of
// redis.conf text and `--name value` arguments, CONFIG GET/SET validation, and CONFIG REWRITE that
// keeps the user's comments.

import { openSync, fsyncSync, closeSync, renameSync, readFileSync, statSync } from 'node:fs'
import { dirname, basename, join, resolve } from 'node:path'
import { splitArgs } from '../protocol/parser.js'
import { globMatch } from '../util/glob.js'
import { writeAllSync } from '../util/write-all.js'
import { formatKeyspaceEvents, parseKeyspaceEvents } from './notify.js'

type Kind = 'bool' | 'int' | 'memory' | 'string' | 'enum' | 'save'

interface ParamDef {
  name: string
  alias?: string
  kind: Kind
  default: string
  min?: number
  max?: number
  values?: readonly string[]
  immutable?: boolean
  /** Secrets are redacted from logs but returned by CONFIG GET, as Redis does. */
  secret?: boolean
}

const INT_MAX = 2147483647
const LLONG_MAX = Number.MAX_SAFE_INTEGER

const EVICTION_POLICIES = [
  'volatile-lru',
  'volatile-lfu',
  'volatile-random',
  'volatile-ttl',
  'allkeys-lru',
  'allkeys-lfu',
  'allkeys-random',
  'noeviction',
] as const

export type EvictionPolicy = (typeof EVICTION_POLICIES)[number]

const PARAMS: readonly ParamDef[] = [
  { name: 'bind', kind: 'string', default: '127.0.0.1', immutable: true },
  { name: 'port', kind: 'int', default: '6379', min: 0, max: 65535, immutable: true },
  { name: 'protected-mode', kind: 'bool', default: 'yes' },
  { name: 'requirepass', kind: 'string', default: '', secret: true },
  { name: 'maxclients', kind: 'int', default: '10000', min: 1, max: INT_MAX },
  { name: 'timeout', kind: 'int', default: '0', min: 0, max: INT_MAX },
  { name: 'tcp-keepalive', kind: 'int', default: '300', min: 0, max: INT_MAX },
  { name: 'tcp-backlog', kind: 'int', default: '511', min: 0, max: INT_MAX, immutable: true },
  { name: 'databases', kind: 'int', default: '16', min: 1, max: INT_MAX, immutable: true },
  { name: 'hz', kind: 'int', default: '10', min: 1, max: 500 },
  { name: 'dynamic-hz', kind: 'bool', default: 'yes' },
  { name: 'proto-max-bulk-len', kind: 'memory', default: '536870912', min: 1024 * 1024, max: LLONG_MAX },
  { name: 'client-query-buffer-limit', kind: 'memory', default: '1073741824', min: 1024 * 1024, max: LLONG_MAX },
  { name: 'loglevel', kind: 'enum', default: 'notice', values: ['debug', 'verbose', 'notice', 'warning', 'nothing'] },
  { name: 'logfile', kind: 'string', default: '', immutable: true },
  { name: 'pidfile', kind: 'string', default: '' },
  { name: 'daemonize', kind: 'bool', default: 'no', immutable: true },
  { name: 'dir', kind: 'string', default: '.' },
  { name: 'dbfilename', kind: 'string', default: 'dump.rdb' },
  { name: 'save', kind: 'save', default: '3600 1 300 100 60 10000' },
  { name: 'rdbcompression', kind: 'bool', default: 'yes' },
  { name: 'rdbchecksum', kind: 'bool', default: 'yes' },
  { name: 'rdb-del-sync-files', kind: 'bool', default: 'no' },
  { name: 'stop-writes-on-bgsave-error', kind: 'bool', default: 'yes' },
  { name: 'rdb-key-save-delay', kind: 'int', default: '0', min: -INT_MAX, max: INT_MAX },
  { name: 'appendonly', kind: 'bool', default: 'no' },
  { name: 'appendfilename', kind: 'string', default: 'appendonly.aof', immutable: true },
  { name: 'appenddirname', kind: 'string', default: 'appendonlydir', immutable: true },
  { name: 'appendfsync', kind: 'enum', default: 'everysec', values: ['always', 'everysec', 'no'] },
  { name: 'no-appendfsync-on-rewrite', kind: 'bool', default: 'no' },
  { name: 'aof-use-rdb-preamble', kind: 'bool', default: 'yes' },
  { name: 'aof-load-truncated', kind: 'bool', default: 'yes' },
  { name: 'aof-timestamp-enabled', kind: 'bool', default: 'no' },
  { name: 'auto-aof-rewrite-percentage', kind: 'int', default: '100', min: 0, max: INT_MAX },
  { name: 'auto-aof-rewrite-min-size', kind: 'memory', default: '67108864', min: 0, max: LLONG_MAX },
  { name: 'maxmemory', kind: 'memory', default: '0', min: 0, max: LLONG_MAX },
  { name: 'maxmemory-policy', kind: 'enum', default: 'noeviction', values: EVICTION_POLICIES },
  { name: 'maxmemory-samples', kind: 'int', default: '5', min: 1, max: 64 },
  { name: 'maxmemory-eviction-tenacity', kind: 'int', default: '10', min: 0, max: 100 },
  { name: 'lfu-log-factor', kind: 'int', default: '10', min: 0, max: INT_MAX },
  { name: 'lfu-decay-time', kind: 'int', default: '1', min: 0, max: INT_MAX },
  { name: 'active-expire-effort', kind: 'int', default: '1', min: 1, max: 10 },
  { name: 'lazyfree-lazy-eviction', kind: 'bool', default: 'no' },
  { name: 'lazyfree-lazy-expire', kind: 'bool', default: 'no' },
  { name: 'lazyfree-lazy-server-del', kind: 'bool', default: 'no' },
  { name: 'lazyfree-lazy-user-del', kind: 'bool', default: 'no' },
  { name: 'lazyfree-lazy-user-flush', kind: 'bool', default: 'no' },
  { name: 'notify-keyspace-events', kind: 'string', default: '' },
  {
    name: 'hash-max-listpack-entries',
    alias: 'hash-max-ziplist-entries',
    kind: 'int',
    default: '512',
    min: 0,
    max: LLONG_MAX,
  },
  {
    name: 'hash-max-listpack-value',
    alias: 'hash-max-ziplist-value',
    kind: 'int',
    default: '64',
    min: 0,
    max: LLONG_MAX,
  },
  { name: 'list-max-listpack-size', alias: 'list-max-ziplist-size', kind: 'int', default: '-2', min: -5, max: INT_MAX },
  { name: 'list-compress-depth', kind: 'int', default: '0', min: 0, max: INT_MAX },
  { name: 'set-max-intset-entries', kind: 'int', default: '512', min: 0, max: LLONG_MAX },
  {
    name: 'zset-max-listpack-entries',
    alias: 'zset-max-ziplist-entries',
    kind: 'int',
    default: '128',
    min: 0,
    max: LLONG_MAX,
  },
  {
    name: 'zset-max-listpack-value',
    alias: 'zset-max-ziplist-value',
    kind: 'int',
    default: '64',
    min: 0,
    max: LLONG_MAX,
  },
  { name: 'slowlog-log-slower-than', kind: 'int', default: '10000', min: -1, max: LLONG_MAX },
  { name: 'slowlog-max-len', kind: 'int', default: '128', min: 0, max: LLONG_MAX },
  { name: 'latency-monitor-threshold', kind: 'int', default: '0', min: 0, max: LLONG_MAX },
  { name: 'io-threads', kind: 'int', default: '1', min: 1, max: 128, immutable: true },
  { name: 'replica-read-only', alias: 'slave-read-only', kind: 'bool', default: 'yes' },
  { name: 'repl-diskless-sync', kind: 'bool', default: 'yes' },
  { name: 'appendfsync-test-delay', kind: 'int', default: '0', min: 0, max: INT_MAX },
]

const BY_NAME = new Map<string, ParamDef>()
for (const p of PARAMS) {
  BY_NAME.set(p.name, p)
  if (p.alias) BY_NAME.set(p.alias, p)
}

export class ConfigError extends Error {}

/** Redis's memtoull: a byte count with optional k/kb/m/mb/g/gb suffix (case-insensitive). */
export function parseMemory(s: string): number | null {
  const m = /^(-?\d+)(k|kb|m|mb|g|gb|b)?$/i.exec(s.trim())
  if (!m) return null
  const mult: Record<string, number> = { '': 1, b: 1, k: 1000, kb: 1024, m: 1e6, mb: 1024 ** 2, g: 1e9, gb: 1024 ** 3 }
  return Number(m[1]) * mult[(m[2] ?? '').toLowerCase()]
}

export type SaveRule = { seconds: number; changes: number }

export type ConfigListener = (name: string, value: string) => void

export class Config {
  private readonly values = new Map<string, string>()
  /** Path of the config file the server was started with, for CONFIG REWRITE. */
  file: string | null = null
  private readonly listeners: ConfigListener[] = []

  constructor() {
    for (const p of PARAMS) this.values.set(p.name, p.default)
  }

  onChange(fn: ConfigListener): void {
    this.listeners.push(fn)
  }

  get(name: string): string {
    const p = BY_NAME.get(name)
    if (!p) throw new Error(`unknown config ${name}`)
    return this.values.get(p.name) as string
  }

  getInt(name: string): number {
    return Number(this.get(name))
  }

  getBool(name: string): boolean {
    return this.get(name) === 'yes'
  }

  saveRules(): SaveRule[] {
    const parts = this.get('save').split(' ').filter(Boolean)
    const out: SaveRule[] = []
    for (let i = 0; i + 1 < parts.length; i += 2) out.push({ seconds: Number(parts[i]), changes: Number(parts[i + 1]) })
    return out
  }

  /** Normalises and validates one value; throws ConfigError with Redis's reason text. */
  private normalise(p: ParamDef, args: string[], appendSave: boolean): string {
    if (p.kind === 'save') {
      const raw = args.join(' ').trim()
      if (raw === '') return ''
      const parts = raw.split(/\s+/)
      if (parts.length % 2 !== 0) throw new ConfigError('Invalid save parameters')
      for (const x of parts) if (!/^\d+$/.test(x)) throw new ConfigError('Invalid save parameters')
      const norm = parts.map((x) => String(Number(x))).join(' ')
      const prev = this.values.get('save') as string
      return appendSave && prev !== '' ? `${prev} ${norm}` : norm
    }
    if (args.length !== 1) throw new ConfigError('wrong number of arguments')
    const v = args[0]
    switch (p.kind) {
      case 'bool': {
        const l = v.toLowerCase()
        if (l !== 'yes' && l !== 'no') throw new ConfigError("argument must be 'yes' or 'no'")
        return l
      }
      case 'int':
      case 'memory': {
        const n = p.kind === 'memory' ? parseMemory(v) : /^-?\d+$/.test(v) ? Number(v) : null
        if (n === null || !Number.isFinite(n)) {
          throw new ConfigError(
            p.kind === 'memory' ? 'argument must be a memory value' : "argument couldn't be parsed into an integer",
          )
        }
        if ((p.min !== undefined && n < p.min) || (p.max !== undefined && n > p.max)) {
          throw new ConfigError(`argument must be between ${p.min} and ${p.max} inclusive`)
        }
        return String(n)
      }
      case 'enum': {
        const l = v.toLowerCase()
        if (!p.values?.includes(l))
          throw new ConfigError(`argument(s) must be one of the following: ${p.values?.join(', ')}`)
        return l
      }
      default:
        if (p.name === 'notify-keyspace-events') {
          const flags = parseKeyspaceEvents(v)
          if (flags === null) throw new ConfigError("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")
          return formatKeyspaceEvents(flags)
        }
        return v
    }
  }

  /** CONFIG SET of several pairs, all or nothing (Redis 7). Returns the names changed. */
  setMany(pairs: [string, string][]): void {
    const staged = new Map<string, string>()
    for (const [name, value] of pairs) {
      const p = BY_NAME.get(name.toLowerCase())
      if (!p) throw new ConfigError(`Unknown option or number of arguments for CONFIG SET - '${name}'`)
      if (staged.has(p.name)) throw new ConfigError(`Duplicate parameter - ${name}`)
      try {
        if (p.immutable) throw new ConfigError("can't set immutable config")
        const v = this.normalise(p, p.kind === 'save' ? [value] : [value], false)
        staged.set(p.name, p.name === 'dir' ? checkDir(v) : v)
      } catch (e) {
        if (e instanceof ConfigError) {
          throw new ConfigError(`CONFIG SET failed (possibly related to argument '${name}') - ${e.message}`)
        }
        throw e
      }
    }
    for (const [name, value] of staged) this.apply(name, value)
  }

  private apply(name: string, value: string): void {
    this.values.set(name, value)
    for (const l of this.listeners) l(name, value)
  }

  /** Sets a value at start-up (file or command line): immutable params allowed, `save` lines add up. */
  load(text: string, sourceName = 'configuration'): void {
    const lines = text.split('\n')
    const seenSave = new Set<string>()
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].trim()
      if (line === '' || line.startsWith('#')) continue
      const args = splitArgs(line)
      const fail = (why: string): never => {
        throw new ConfigError(
          `*** FATAL CONFIG FILE ERROR ***\nReading the ${sourceName}, at line ${i + 1}\n>>> '${line}'\n${why}`,
        )
      }
      if (args === null) fail('Unbalanced quotes in configuration line')
      const [rawName, ...rest] = args as string[]
      const name = rawName.toLowerCase()
      if (name === 'include') {
        if (rest.length !== 1) fail('Bad directive or wrong number of arguments')
        this.load(readFileSync(rest[0], 'latin1'), rest[0])
        continue
      }
      const p = BY_NAME.get(name)
      if (!p) fail('Bad directive or wrong number of arguments')
      const param = p as ParamDef
      try {
        const appendSave = param.kind === 'save' && seenSave.has('save')
        this.values.set(param.name, this.normalise(param, rest, appendSave))
        if (param.kind === 'save') seenSave.add('save')
      } catch (e) {
        if (e instanceof ConfigError) fail(e.message)
        throw e
      }
    }
  }

  /** CONFIG GET: pairs of matching names (including aliases) and values. */
  getMatching(patterns: string[]): [string, string][] {
    const out = new Map<string, string>()
    for (const pat of patterns) {
      const lower = pat.toLowerCase()
      const exact = BY_NAME.get(lower)
      if (exact && !/[*?[]/.test(pat)) {
        out.set(lower, this.values.get(exact.name) as string)
        continue
      }
      for (const [n, p] of BY_NAME) if (globMatch(lower, n, true)) out.set(n, this.values.get(p.name) as string)
    }
    return [...out]
  }

  /** Names and values that differ from the defaults (for CONFIG REWRITE's appended block). */
  private changed(): [string, string][] {
    const out: [string, string][] = []
    for (const p of PARAMS) {
      const v = this.values.get(p.name) as string
      if (v !== p.default) out.push([p.name, v])
    }
    return out
  }

  /**
   * CONFIG REWRITE: rewrites the start-up file in place. Lines of known options get the current
   * value (the first occurrence; repeats are dropped), comments and unknown lines stay, options
   * changed from their defaults that had no line are appended. Written atomically.
   */
  rewrite(): void {
    if (!this.file) throw new ConfigError('The server is running without a config file')
    let text: string
    try {
      text = readFileSync(this.file, 'latin1')
    } catch {
      text = ''
    }
    const done = new Set<string>()
    const out: string[] = []
    for (const line of text.split('\n')) {
      const t = line.trim()
      const args = t === '' || t.startsWith('#') ? null : splitArgs(t)
      const p = args && args.length > 0 ? BY_NAME.get(args[0].toLowerCase()) : undefined
      if (!p) {
        out.push(line)
        continue
      }
      if (done.has(p.name)) continue
      done.add(p.name)
      out.push(...this.lineFor(p.name))
    }
    while (out.length > 0 && out[out.length - 1] === '') out.pop()
    const extra = this.changed().filter(([n]) => !done.has(n))
    if (extra.length > 0) {
      out.push('', '# Generated by CONFIG REWRITE')
      for (const [n] of extra) out.push(...this.lineFor(n))
    }
    writeFileAtomic(this.file, out.join('\n') + '\n')
  }

  private lineFor(name: string): string[] {
    const v = this.values.get(name) as string
    if (name === 'save') {
      const rules = this.saveRules()
      return rules.length === 0 ? ['save ""'] : rules.map((r) => `save ${r.seconds} ${r.changes}`)
    }
    return [`${name} ${quoteIfNeeded(v)}`]
  }

  isSecret(name: string): boolean {
    return BY_NAME.get(name)?.secret === true
  }
}

function quoteIfNeeded(v: string): string {
  if (v !== '' && !/[\s"'\\]/.test(v) && /^[\x21-\x7e]*$/.test(v)) return v
  let s = '"'
  for (const ch of v) {
    const c = ch.charCodeAt(0)
    if (ch === '"' || ch === '\\') s += '\\' + ch
    else if (ch === '\n') s += '\\n'
    else if (ch === '\r') s += '\\r'
    else if (ch === '\t') s += '\\t'
    else if (c < 32 || c > 126) s += '\\x' + c.toString(16).padStart(2, '0')
    else s += ch
  }
  return s + '"'
}

/** Writes a file to a temp name, fsyncs it, renames it over the target, and fsyncs the folder. */
export function writeFileAtomic(path: string, data: string | Buffer): void {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`)
  const fd = openSync(tmp, 'w', 0o600)
  try {
    writeAllSync(fd, typeof data === 'string' ? Buffer.from(data, 'latin1') : data)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(tmp, path)
  fsyncDir(dirname(path))
}

export function fsyncDir(dir: string): void {
  let fd: number | undefined
  try {
    fd = openSync(dir, 'r')
    fsyncSync(fd)
  } catch {
    // Some filesystems refuse fsync on directories; the rename itself is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

/** Command-line arguments after the optional config file, as redis-server turns them into config text. */
export function argsToConfigText(args: string[]): string {
  const lines: string[] = []
  let cur: string[] = []
  for (const a of args) {
    if (a.startsWith('--') && a.length > 2) {
      if (cur.length) lines.push(cur.join(' '))
      cur = [a.slice(2)]
    } else {
      cur.push(quoteIfNeeded(a))
    }
  }
  if (cur.length) lines.push(cur.join(' '))
  return lines.join('\n')
}

/**
 * CONFIG SET dir as Redis's chdir() takes it: the folder must exist, and it is kept absolute
 * (CONFIG GET dir shows getcwd() in Redis), so later saves do not depend on the process's working
 * directory. A config file's `dir` is taken as written: the console's files say `dir ./data` and
 * pass the real folder with --dir after it.
 */
function checkDir(dir: string): string {
  let st
  try {
    st = statSync(dir)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    throw new ConfigError(code === 'EACCES' ? 'Permission denied' : 'No such file or directory')
  }
  if (!st.isDirectory()) throw new ConfigError('Not a directory')
  return resolve(dir)
}
