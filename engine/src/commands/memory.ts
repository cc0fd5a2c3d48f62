// MEMORY USAGE|STATS|DOCTOR|MALLOC-STATS|PURGE|HELP (object.c's memoryCommand). A string key's
// USAGE is exactly what Redis 7.0 with jemalloc reports (robj + sds + key sds + dict entry); a
// collection's is the engine's own accounting of it (its running heap estimate plus the key), the
// figure used_memory and eviction sum.

import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import type { CommandDef } from './table.js'
import type { Value } from '../types/value.js'
import { stringEncoding } from '../types/string.js'
import { parseInt64 } from '../util/numbers.js'
import { replyHelp } from './connection.js'
import { keyBytes } from '../keyspace/accounting.js'
import { memoryDoctor, memoryStats } from '../server/meminfo.js'
import type { Client } from '../server/client.js'
import type { Server } from '../server/server.js'

const G = 'server'
const ROBJ_SIZE = 16
const DICT_ENTRY_SIZE = 24

/** The jemalloc size class an allocation of n bytes lands in (8, 16, then four classes per doubling). */
export function allocSize(n: number): number {
  if (n <= 8) return 8
  if (n <= 128) return Math.ceil(n / 16) * 16
  const step = 2 ** (Math.ceil(Math.log2(n)) - 3)
  return Math.ceil(n / step) * step
}

/** Bytes of an sds string of len bytes: header for its length class, the bytes, the NUL. */
export function sdsAllocSize(len: number, allowType5: boolean): number {
  const hdr = len < 32 && (allowType5 || len > 0) ? 1 : len < 256 ? 3 : len < 65536 ? 5 : len < 2 ** 32 ? 9 : 17
  return allocSize(hdr + len + 1)
}

/** objectComputeSize for strings: `int` is the robj alone, `embstr` one allocation, `raw` two. */
export function stringValueSize(v: string | number, flags: number): number {
  const enc = stringEncoding(v, flags)
  if (enc === 'int') return ROBJ_SIZE
  const len = typeof v === 'number' ? String(v).length : v.length
  if (enc === 'embstr') return allocSize(ROBJ_SIZE + 3 + len + 1)
  return ROBJ_SIZE + sdsAllocSize(len, false)
}

/** MEMORY USAGE of one key: Redis's figure for strings, the accounted bytes for collections. */
export function keyMemoryUsage(key: string, v: Value, flags: number): number {
  if (typeof v === 'object') return keyBytes(key, v)
  // Keys are sdsdup'ed from the argument, so short ones get the 1-byte sds type 5 header.
  return stringValueSize(v, flags) + sdsAllocSize(key.length, true) + DICT_ENTRY_SIZE
}

function stats(c: Client, _argv: string[], srv: Server): void {
  const fields = memoryStats(srv)
  c.mapLen(fields.length)
  for (const [name, v] of fields) {
    c.bulk(name)
    if (typeof v === 'number') c.int(v)
    else if (Array.isArray(v)) {
      c.mapLen(v.length)
      for (const [k, n] of v) {
        c.bulk(k)
        c.int(n)
      }
    } else c.double(v.double)
  }
}

let fullGc: (() => void) | null = null

/**
 * MEMORY PURGE: jemalloc hands dirty pages back to the OS there; here a full V8 garbage collection
 * does (the `gc` function is exposed on first use and taken from a fresh context).
 */
function purge(c: Client): void {
  if (fullGc === null) {
    setFlagsFromString('--expose-gc')
    fullGc = runInNewContext('gc') as () => void
  }
  fullGc()
  c.ok()
}

const MEMORY_HELP = [
  'MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'DOCTOR',
  '    Return memory problems reports.',
  'MALLOC-STATS',
  '    Return internal statistics report from the memory allocator.',
  'PURGE',
  '    Attempt to purge dirty pages for reclamation by the allocator.',
  'STATS',
  '    Return information about the memory usage of the server.',
  'USAGE <key> [SAMPLES <count>]',
  '    Return memory in bytes used by <key> and its value. Nested values are',
  '    sampled up to <count> times (default: 5, 0 means sample all).',
  'HELP',
  '    Prints this help.',
]

export const memoryCommands: CommandDef[] = [
  {
    name: 'memory',
    arity: -2,
    group: G,
    since: '4.0.0',
    summary: 'A container for memory diagnostics commands',
    subcommands: [
      {
        name: 'usage',
        arity: -3,
        flags: ['readonly'],
        keys: [2, 2, 1],
        group: G,
        handler: (c, argv) => {
          for (let j = 3; j < argv.length; j++) {
            if (argv[j].toLowerCase() === 'samples' && j + 1 < argv.length) {
              const n = parseInt64(argv[j + 1])
              if (n === null) {
                c.error('ERR value is not an integer or out of range')
                return
              }
              if (n < 0) {
                c.error('ERR syntax error')
                return
              }
              // Every value is measured exactly, so the sample count only has to be valid.
              j++
            } else {
              c.error('ERR syntax error')
              return
            }
          }
          // Redis looks the entry up without expiring it (dictFind on the main table).
          const d = c.db.dict
          const slot = d.slotOf(argv[2])
          if (slot < 0) {
            c.nullBulk()
            return
          }
          c.int(keyMemoryUsage(argv[2], d.vals[slot] as Value, d.flags[slot]))
        },
      },
      { name: 'stats', arity: 2, group: G, handler: stats, summary: 'Show memory usage details', since: '4.0.0' },
      {
        name: 'doctor',
        arity: 2,
        group: G,
        handler: (c, _a, srv) => c.verbatim(memoryDoctor(srv), 'txt'),
        summary: 'Outputs memory problems report',
        since: '4.0.0',
      },
      {
        name: 'malloc-stats',
        arity: 2,
        group: G,
        handler: (c) => c.bulk('Stats not supported for the current allocator'),
        summary: 'Show allocator internal stats',
        since: '4.0.0',
      },
      {
        name: 'purge',
        arity: 2,
        group: G,
        handler: purge,
        summary: 'Ask the allocator to release memory',
        since: '4.0.0',
      },
      { name: 'help', arity: 2, flags: ['loading', 'stale'], group: G, handler: (c) => replyHelp(c, MEMORY_HELP) },
    ],
  },
]
