// Expiry commands (expire.c): EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT with NX|XX|GT|LT, TTL, PTTL,
// EXPIRETIME, PEXPIRETIME and PERSIST. Deadlines are absolute unix ms; the lazy and active deletion
// of expired keys lives in keyspace/db.ts and keyspace/expire.ts.

import type { Client } from '../server/client.js'
import type { Server } from '../server/server.js'
import type { CommandDef } from './table.js'
import { MAX_I64, MIN_I64, parseInt64 } from '../util/numbers.js'

const G = 'generic'

const NX = 1
const XX = 2
const GT = 4
const LT = 8

/** parseExtendedExpireArgumentsOrReply: the option flags from argv[3..], or null after an error. */
function expireFlags(c: Client, argv: string[]): number | null {
  let flags = 0
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j].toLowerCase()
    if (opt === 'nx') flags |= NX
    else if (opt === 'xx') flags |= XX
    else if (opt === 'gt') flags |= GT
    else if (opt === 'lt') flags |= LT
    else {
      c.error(`ERR Unsupported option ${argv[j]}`)
      return null
    }
  }
  if (flags & NX && flags & (XX | GT | LT)) {
    c.error('ERR NX and XX, GT or LT options at the same time are not compatible')
    return null
  }
  if (flags & GT && flags & LT) {
    c.error('ERR GT and LT options at the same time are not compatible')
    return null
  }
  return flags
}

/**
 * expireGenericCommand. `relative`: the time counts from now (EXPIRE, PEXPIRE); `seconds`: the
 * argument is in seconds. The arithmetic is int64 as in Redis, so its overflow checks reject the
 * same arguments.
 */
function expireGeneric(
  c: Client,
  argv: string[],
  srv: Server,
  name: string,
  relative: boolean,
  seconds: boolean,
): void {
  const key = argv[1]
  const flags = expireFlags(c, argv)
  if (flags === null) return
  const parsed = parseInt64(argv[2])
  if (parsed === null) {
    c.error('ERR value is not an integer or out of range')
    return
  }
  let when = BigInt(parsed)
  const basetime = relative ? BigInt(srv.now()) : 0n
  if (seconds) {
    if (when > MAX_I64 / 1000n || when < MIN_I64 / 1000n) {
      c.error(`ERR invalid expire time in '${name}' command`)
      return
    }
    when *= 1000n
  }
  if (when > MAX_I64 - basetime) {
    c.error(`ERR invalid expire time in '${name}' command`)
    return
  }
  when += basetime
  const db = c.db
  const slot = db.findForWrite(key)
  if (slot < 0) {
    c.int(0)
    return
  }
  if (flags !== 0) {
    const cur = db.dict.expires[slot]
    const current = cur === 0 ? -1n : BigInt(cur)
    // A key without TTL counts as an infinite TTL for GT and LT.
    if (
      (flags & NX && current !== -1n) ||
      (flags & XX && current === -1n) ||
      (flags & GT && (current === -1n || when <= current)) ||
      (flags & LT && current !== -1n && when >= current)
    ) {
      c.int(0)
      return
    }
  }
  // checkAlreadyExpired: a deadline not in the future deletes the key, except while loading (the
  // AOF's own DEL follows).
  if (when <= BigInt(srv.now()) && !srv.loading) {
    db.delete(key)
    srv.dirty++
    c.propagateArgv = [srv.config.getBool('lazyfree-lazy-expire') ? 'UNLINK' : 'DEL', key]
    srv.notify('g', 'del', key, db.id)
    c.int(1)
    return
  }
  db.setExpire(slot, Number(when))
  db.modified(key)
  // Propagated as an absolute PEXPIREAT, options kept, as rewriteClientCommandArgument does.
  const out = argv.slice()
  if (name !== 'pexpireat') out[0] = 'PEXPIREAT'
  if (relative || seconds) out[2] = String(when)
  c.propagateArgv = out
  srv.notify('g', 'expire', key, db.id)
  srv.dirty++
  c.int(1)
}

/** A stored deadline (float64 ms) as the int64 Redis would reply; exact below 2^53. */
function int64Of(ms: number): number | bigint {
  if (Number.isSafeInteger(ms)) return ms
  const b = BigInt(ms)
  return b > MAX_I64 ? MAX_I64 : b
}

/** ttlGenericCommand: -2 without the key, -1 without a TTL, else the TTL or the deadline. */
function ttlGeneric(c: Client, argv: string[], srv: Server, ms: boolean, absolute: boolean): void {
  const db = c.db
  const slot = db.findCounted(argv[1])
  if (slot < 0) {
    c.int(-2)
    return
  }
  const expire = db.dict.expires[slot]
  if (expire === 0) {
    c.int(-1)
    return
  }
  const deadline = BigInt(int64Of(expire))
  let ttl = absolute ? deadline : deadline - BigInt(srv.now())
  if (ttl < 0n) ttl = 0n
  c.int(ms ? ttl : (ttl + 500n) / 1000n)
}

function persist(c: Client, argv: string[], srv: Server): void {
  const db = c.db
  const slot = db.findForWrite(argv[1])
  if (slot < 0 || !db.persist(slot)) {
    c.int(0)
    return
  }
  db.modified(argv[1])
  srv.notify('g', 'persist', argv[1], db.id)
  srv.dirty++
  c.int(1)
}

const setter = (name: string, relative: boolean, seconds: boolean, summary: string, since: string): CommandDef => ({
  name,
  arity: -3,
  flags: ['write', 'fast'],
  keys: [1, 1, 1],
  group: G,
  handler: (c, a, s) => expireGeneric(c, a, s, name, relative, seconds),
  summary,
  since,
})

const getter = (name: string, ms: boolean, absolute: boolean, summary: string, since: string): CommandDef => ({
  name,
  arity: 2,
  flags: ['readonly', 'fast'],
  keys: [1, 1, 1],
  group: G,
  handler: (c, a, s) => ttlGeneric(c, a, s, ms, absolute),
  summary,
  since,
})

export const expireCommands: CommandDef[] = [
  setter('expire', true, true, "Set a key's time to live in seconds", '1.0.0'),
  setter('pexpire', true, false, "Set a key's time to live in milliseconds", '2.6.0'),
  setter('expireat', false, true, 'Set the expiration for a key as a UNIX timestamp', '1.2.0'),
  setter(
    'pexpireat',
    false,
    false,
    'Set the expiration for a key as a UNIX timestamp specified in milliseconds',
    '2.6.0',
  ),
  getter('ttl', false, false, 'Get the time to live for a key in seconds', '1.0.0'),
  getter('pttl', true, false, 'Get the time to live for a key in milliseconds', '2.6.0'),
  getter('expiretime', false, true, 'Get the expiration Unix timestamp for a key', '7.0.0'),
  getter('pexpiretime', true, true, 'Get the expiration Unix timestamp for a key in milliseconds', '7.0.0'),
  {
    name: 'persist',
    arity: 2,
    flags: ['write', 'fast'],
    keys: [1, 1, 1],
    group: G,
    handler: persist,
    since: '2.2.0',
    summary: 'Remove the expiration from a key',
  },
]
