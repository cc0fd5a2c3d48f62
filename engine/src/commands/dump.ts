// DUMP and RESTORE (cluster.c's createDumpPayload/verifyDumpPayload/restoreCommand): a value in
// Redis's serialized form — RDB type byte, RDB payload, RDB version (u16 LE) and CRC-64 (u64 LE) —
// so payloads move between Strata and real Redis in both directions.

import type { Client } from '../server/client.js'
import type { Server } from '../server/server.js'
import type { CommandDef } from './table.js'
import type { Value } from '../types/value.js'
import { RdbEncoder } from '../persistence/rdb/writer.js'
import { rdbTypeOf, writeValue, buildValue } from '../persistence/rdb/objects.js'
import { crc64 } from '../persistence/rdb/crc64.js'
import { BufferSource, RdbError, RdbInput, readValue } from '../persistence/rdb/reader.js'
import { RDB_VERSION } from '../persistence/rdb/constants.js'
import { parseInt64 } from '../util/numbers.js'

const G = 'generic'

/** The DUMP payload of a value. */
export function dumpPayload(v: Value, compress: boolean): Buffer {
  const chunks: Buffer[] = []
  const enc = new RdbEncoder({ compress, checksum: false, sink: (b) => chunks.push(b) })
  enc.byte(rdbTypeOf(v))
  writeValue(enc, v)
  enc.byte(RDB_VERSION & 0xff)
  enc.byte(RDB_VERSION >> 8)
  enc.flush()
  const body = Buffer.concat(chunks)
  return Buffer.concat([body, crc64(body).bytes()])
}

/** verifyDumpPayload: at least 10 bytes, a version we read, and a matching CRC. */
export function verifyDumpPayload(p: Buffer): boolean {
  if (p.length < 10) return false
  const footer = p.length - 10
  const ver = p[footer] | (p[footer + 1] << 8)
  if (ver > RDB_VERSION) return false
  return crc64(p.subarray(0, p.length - 8)).matches(p, p.length - 8)
}

/** The value inside a verified payload, or null when it does not parse (or is an empty collection). */
export function parseDumpPayload(p: Buffer, srv: Server): Value | null {
  const inp = new RdbInput(new BufferSource(p.subarray(0, p.length - 10)), Math.min(p.length, 1 << 20))
  try {
    const t = inp.u8()
    return buildValue(readValue(inp, t, 0), srv.config, t)
  } catch (e) {
    if (e instanceof RdbError) return null
    throw e
  }
}

function dump(c: Client, argv: string[], srv: Server): void {
  const v = c.db.lookupRead(argv[1])
  if (v === undefined) {
    c.nullBulk()
    return
  }
  c.bulk(dumpPayload(v, srv.config.getBool('rdbcompression')).toString('latin1'))
}

function restore(c: Client, argv: string[], srv: Server): void {
  let replace = false
  let absttl = false
  let idle = -1
  let freq = -1
  for (let j = 4; j < argv.length; j++) {
    const opt = argv[j].toLowerCase()
    const more = argv.length - j - 1
    if (opt === 'replace') replace = true
    else if (opt === 'absttl') absttl = true
    else if (opt === 'idletime' && more >= 1 && freq === -1) {
      const n = parseInt64(argv[++j])
      if (typeof n !== 'number') {
        c.error('ERR value is not an integer or out of range')
        return
      }
      if (n < 0) {
        c.error('ERR Invalid IDLETIME value, must be >= 0')
        return
      }
      idle = n
    } else if (opt === 'freq' && more >= 1 && idle === -1) {
      const n = parseInt64(argv[++j])
      if (typeof n !== 'number') {
        c.error('ERR value is not an integer or out of range')
        return
      }
      if (n < 0 || n > 255) {
        c.error('ERR Invalid FREQ value, must be >= 0 and <= 255')
        return
      }
      freq = n
    } else {
      c.error('ERR syntax error')
      return
    }
  }
  const key = argv[1]
  const db = c.db
  if (!replace && db.find(key) >= 0) {
    c.error('BUSYKEY Target key name already exists.')
    return
  }
  let ttl = parseInt64(argv[2])
  if (ttl === null || typeof ttl === 'bigint') {
    c.error('ERR value is not an integer or out of range')
    return
  }
  if (ttl < 0) {
    c.error('ERR Invalid TTL value, must be >= 0')
    return
  }
  const payload = Buffer.from(argv[3], 'latin1')
  if (!verifyDumpPayload(payload)) {
    c.error('ERR DUMP payload version or checksum are wrong')
    return
  }
  const val = parseDumpPayload(payload, srv)
  if (val === null) {
    c.error('ERR Bad data format')
    return
  }
  const deleted = replace ? db.delete(key) : false
  if (ttl !== 0 && !absttl) ttl += srv.now()
  if (ttl !== 0 && ttl <= srv.now()) {
    // Already expired: nothing is created; a replaced key is gone, and replicas must see a DEL.
    if (deleted) {
      c.propagateArgv = ['DEL', key]
      db.modified(key)
      srv.notify('g', 'del', key, db.id)
      srv.dirty++
    }
    c.ok()
    return
  }
  const slot = db.add(key, val)
  if (ttl !== 0) {
    db.setExpire(slot, ttl)
    if (!absttl) c.propagateArgv = [...argv.slice(0, 2), String(ttl), ...argv.slice(3), 'ABSTTL']
  }
  if (freq >= 0) db.dict.lru[slot] = (((Math.floor(Date.now() / 60000) & 0xffff) << 8) | freq) >>> 0
  else if (idle >= 0) db.dict.lru[slot] = (srv.lruClock - idle) & 0xffffff
  srv.notify('g', 'restore', key, db.id)
  srv.dirty++
  c.ok()
}

export const dumpCommands: CommandDef[] = [
  {
    name: 'dump',
    arity: 2,
    flags: ['readonly'],
    keys: [1, 1, 1],
    group: G,
    handler: dump,
    summary: 'Return a serialized version of the value stored at the specified key.',
    since: '2.6.0',
  },
  {
    name: 'restore',
    arity: -4,
    flags: ['write', 'denyoom'],
    keys: [1, 1, 1],
    group: G,
    handler: restore,
    summary: 'Create a key using the provided serialized value, previously obtained using DUMP.',
    since: '2.6.0',
  },
]
