// OBJECT ENCODING|REFCOUNT|IDLETIME|FREQ|HELP (object.c's objectCommand): what Redis would report
// about the robj behind a key, derived from the Dict slot's value, flags and LRU/LFU field.

import type { Client } from '../server/client.js'
import type { Server } from '../server/server.js'
import type { CommandDef } from './table.js'
import { replyHelp } from './connection.js'
import { FLAG_RAW, FLAG_UNSHARED } from '../keyspace/dict.js'
import { stringBytes, stringEncoding } from '../types/string.js'
import { idleSeconds, lfuDecrAndReturn } from '../keyspace/evict.js'

const G = 'generic'

/** OBJ_SHARED_REFCOUNT: the refcount Redis reports for its shared integer objects. */
const SHARED_REFCOUNT = 2147483647
/** OBJ_SHARED_INTEGERS: 0..9999 are shared. */
const SHARED_INTEGERS = 10000

const HELP = [
  'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
  'HELP',
  '    Prints this help.',
]

/** objectCommandLookupOrReply: the key's slot (no LRU touch), or -1 after a null reply. */
function lookup(c: Client, key: string): number {
  const slot = c.db.findCounted(key)
  if (slot < 0) c.nullBulk()
  return slot
}

function encoding(c: Client, argv: string[]): void {
  const slot = lookup(c, argv[2])
  if (slot < 0) return
  const d = c.db.dict
  const v = d.vals[slot]
  if (typeof v === 'object') c.bulk(v.encoding())
  else c.bulk(stringEncoding(v as string | number, d.flags[slot]))
}

/**
 * Redis shares the integer objects 0..9999 (tryObjectEncoding, createStringObjectFromLongLong)
 * unless maxmemory is set with an LRU or LFU policy, which needs a private LRU field per key, or
 * the value is COPY's private duplicate.
 */
function refcount(c: Client, argv: string[], srv: Server): void {
  const slot = lookup(c, argv[2])
  if (slot < 0) return
  const d = c.db.dict
  const v = d.vals[slot]
  let shared = false
  if (
    typeof v !== 'object' &&
    (d.flags[slot] & (FLAG_RAW | FLAG_UNSHARED)) === 0 &&
    stringEncoding(v as string | number, 0) === 'int'
  ) {
    const n = Number(stringBytes(v as string | number))
    const canShare = srv.maxmemory === 0 || !/lru|lfu/.test(srv.policy)
    shared = canShare && n >= 0 && n < SHARED_INTEGERS
  }
  c.int(shared ? SHARED_REFCOUNT : 1)
}

function idletime(c: Client, argv: string[], srv: Server): void {
  const slot = lookup(c, argv[2])
  if (slot < 0) return
  if (srv.policy.endsWith('lfu')) {
    c.error(
      'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
    )
    return
  }
  c.int(idleSeconds(srv.lruClock, c.db.dict.lru[slot]))
}

function freq(c: Client, argv: string[], srv: Server): void {
  const slot = lookup(c, argv[2])
  if (slot < 0) return
  if (!srv.policy.endsWith('lfu')) {
    c.error(
      'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
    )
    return
  }
  c.int(lfuDecrAndReturn(c.db.dict.lru[slot], srv.config.getInt('lfu-decay-time'), Date.now()))
}

const sub = (name: string, handler: CommandDef['handler'], summary: string, since: string): CommandDef => ({
  name,
  arity: 3,
  flags: ['readonly'],
  keys: [2, 2, 1],
  group: G,
  handler,
  summary,
  since,
})

export const objectCommands: CommandDef[] = [
  {
    name: 'object',
    arity: -2,
    group: G,
    summary: 'A container for object introspection commands',
    since: '2.2.3',
    subcommands: [
      sub('encoding', encoding, 'Inspect the internal encoding of a Redis object', '2.2.3'),
      sub('refcount', refcount, 'Get the number of references to the value of the key', '2.2.3'),
      sub('idletime', idletime, 'Get the time since a Redis object was last accessed', '2.2.3'),
      sub('freq', freq, 'Get the logarithmic access frequency counter of a Redis object', '4.0.0'),
      {
        name: 'help',
        arity: 2,
        flags: ['loading', 'stale'],
        group: G,
        handler: (c) => replyHelp(c, HELP),
        summary: 'Show helpful text about the different subcommands',
        since: '6.2.0',
      },
    ],
  },
]
