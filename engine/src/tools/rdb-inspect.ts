// One streaming pass of the RDB reader for the console's backups, restores and offline inspection:
// validates the file as a loader would (every record and blob, empty and duplicated keys, the
// CRC-64 footer, nothing after EOF), counts keys per db and type, gathers the memory report
// (biggest keys, by prefix, by type — sized by the bytes each record takes in the file) and a
// reservoir sample of decoded values for post-restore checks. The replay walk also cuts each key's
// DUMP/RESTORE payload from the file's own bytes, so values move with their stored encoding. A
// backup's stream is walked for its structure only (`structure`), which keeps up with the transfer.

import { closeSync, openSync, readSync } from 'node:fs'
import {
  BufferSource,
  RdbError,
  RdbInput,
  RdbParser,
  rdbValueLength,
  type ByteSource,
  type RdbValue,
} from '../persistence/rdb/reader.js'
import { crc64 } from '../persistence/rdb/crc64.js'
import { RDB_TYPE_NAMES, RDB_VALUE_TYPES } from '../persistence/rdb/constants.js'
import { globMatch } from '../util/glob.js'

export interface TypeStat {
  keys: number
  bytes: number
}

export interface DbStat {
  keys: number
  expires: number
  bytes: number
  /** Per logical type (string, list, set, zset, hash). */
  types: Record<string, TypeStat>
  /** Keys per stored RDB encoding name ("hash listpack", "zset", …). */
  encodings: Record<string, number>
}

export interface BigKey {
  db: number
  key: string
  type: string
  /** Bytes of the record in the file. */
  bytes: number
  /** Elements (1 for a string). */
  length: number
  /** Absolute unix ms, 0 for none. */
  expireAt: number
}

export interface PrefixStat extends TypeStat {
  prefix: string
}

export interface MemoryReport {
  top: BigKey[]
  prefixes: PrefixStat[]
  types: Record<string, TypeStat>
}

/** A decoded value in a form both sides of a comparison can produce (sorted where order is free). */
export type SampleValue = string | string[]

export interface Sample {
  db: number
  key: string
  type: string
  value: SampleValue
  expireAt: number
}

export interface RdbSummary {
  version: number
  aux: Record<string, string>
  dbs: Record<string, DbStat>
  keys: number
  expires: number
  /** Keys whose expiry had already passed when the walk read them. */
  expired: number
  functions: number
  /** Module AUX records (skipped: their data belongs to modules). */
  modules: number
  /** Length of the RDB including its footer. */
  bytes: number
  checksum: 'ok' | 'disabled' | 'absent' | 'unchecked'
  crc: string
  /** sha256 of the whole stream, when it was hashed alongside the walk (a backup's validation). */
  sha256?: string
  report?: MemoryReport
  samples?: Sample[]
}

export interface InspectOptions {
  /** Gather the memory report. */
  report?: boolean
  /** How many decoded values to sample (reservoir over the keys that pass the filter). */
  samples?: number
  /** Keep only these dbs / keys matching this glob (replay and samples). */
  dbs?: number[]
  pattern?: string
  /** Separator for the prefix report. */
  separator?: string
  topKeys?: number
  /**
   * Refuse a key that appears twice in a db, as the loader does (default true). It costs a set of
   * every key; a backup streamed from a live server skips it and relies on the CRC-64 instead.
   */
  duplicates?: boolean
  /** The RDB is an AOF's preamble: bytes after its EOF are the AOF's RESP tail, not an error. */
  preamble?: boolean
  /**
   * Walk the structure only (skimValue): records, lengths, encodings, blob headers, keys per db
   * and type, the CRC-64, nothing after EOF; keys and values are not built, so there is no
   * duplicate check, report, sample or onKey. A backup validates its stream this way so that it
   * keeps up with the transfer; the restore's verify parses the file fully.
   */
  structure?: boolean
}

/** A key as the walk hands it to a caller (the replay). */
export interface KeyRecord {
  db: number
  key: string
  type: string
  expireAt: number
  value: RdbValue
  /** File offset of the record's type byte and its end. */
  start: number
  end: number
  /** The file's RDB version (a DUMP payload carries it). */
  version: number
}

const MAX_PREFIXES = 5000

/** Counts every byte the parser pulls, so trailing garbage after EOF is seen even in a stream. */
class CountingSource implements ByteSource {
  total = 0
  constructor(private readonly src: ByteSource) {}
  read(buf: Buffer, off: number, len: number): number {
    const n = this.src.read(buf, off, len)
    this.total += n
    return n
  }
  drain(): void {
    const scratch = Buffer.allocUnsafe(64 * 1024)
    while (this.read(scratch, 0, scratch.length) > 0);
  }
}

/** Value for sampling: strings as is, lists in order, sets/hashes/zsets sorted. */
export function sampleValue(v: RdbValue): SampleValue {
  switch (v.type) {
    case 'string':
      return v.value
    case 'list':
      return v.nodes.flat()
    case 'set':
      return [...v.members].sort()
    case 'hash': {
      const pairs: [string, string][] = []
      for (let i = 0; i < v.pairs.length; i += 2) pairs.push([v.pairs[i], v.pairs[i + 1]])
      return pairs.sort((a, b) => (a[0] < b[0] ? -1 : 1)).flat()
    }
    case 'zset':
      return v.members
        .map((m, i) => [m, formatScore(v.scores[i])])
        .sort((a, b) => (a[0] < b[0] ? -1 : 1))
        .flat()
  }
}

/** A score as text both from the file and from a server's reply ("inf", "-inf", shortest form). */
export function formatScore(n: number): string {
  if (n === Infinity) return 'inf'
  if (n === -Infinity) return '-inf'
  return String(n)
}

function prefixOf(key: string, sep: string): string {
  const i = key.indexOf(sep)
  return i < 0 ? '(no prefix)' : key.slice(0, i + sep.length)
}

function bump(rec: Record<string, TypeStat>, name: string, bytes: number): void {
  const s = (rec[name] ??= { keys: 0, bytes: 0 })
  s.keys++
  s.bytes += bytes
}

export function emptySummary(): RdbSummary {
  return {
    version: 0,
    aux: {},
    dbs: {},
    keys: 0,
    expires: 0,
    expired: 0,
    functions: 0,
    modules: 0,
    bytes: 0,
    checksum: 'absent',
    crc: '',
  }
}

/** Stored RDB types are one byte. */
const RDB_TYPES = 256

/**
 * Keys and bytes per db and stored RDB type, and expiries per db, in flat arrays: a record costs a
 * few increments (a structure-only walk has to keep up with the network), and the summary's per-db
 * records are built from them once, when the walk ends or stops.
 */
class Tally {
  private readonly dbs = new Map<number, Float64Array>()
  private db = -1
  private cur: Float64Array = new Float64Array(0)

  constructor(private readonly now: number) {}

  add(db: number, rdbType: number, expireAt: number, bytes: number): void {
    if (db !== this.db) {
      let c = this.dbs.get(db)
      if (!c) this.dbs.set(db, (c = new Float64Array(2 * RDB_TYPES + 2)))
      this.db = db
      this.cur = c
    }
    const c = this.cur
    c[rdbType]++
    c[RDB_TYPES + rdbType] += bytes
    if (expireAt !== 0) {
      c[2 * RDB_TYPES]++
      if (expireAt <= this.now) c[2 * RDB_TYPES + 1]++
    }
  }

  /** Adds the counts to the summary: per db, logical type and stored encoding, and the totals. */
  into(sum: RdbSummary): void {
    for (const [id, c] of this.dbs) {
      const db = (sum.dbs[id] ??= { keys: 0, expires: 0, bytes: 0, types: {}, encodings: {} })
      for (let t = 0; t < RDB_TYPES; t++) {
        const keys = c[t]
        if (keys === 0) continue
        const bytes = c[RDB_TYPES + t]
        db.keys += keys
        db.bytes += bytes
        const type = (db.types[RDB_VALUE_TYPES[t]] ??= { keys: 0, bytes: 0 })
        type.keys += keys
        type.bytes += bytes
        const enc = RDB_TYPE_NAMES[t] ?? String(t)
        db.encodings[enc] = (db.encodings[enc] ?? 0) + keys
        sum.keys += keys
      }
      db.expires += c[2 * RDB_TYPES]
      sum.expires += c[2 * RDB_TYPES]
      sum.expired += c[2 * RDB_TYPES + 1]
    }
  }
}

/**
 * Walks a whole RDB from src. Throws RdbError on the first problem; `sum` then holds what was read
 * up to it. `onKey` sees every key that passes the db/pattern filter, in file order.
 */
export function inspectRdb(
  src: ByteSource,
  opts: InspectOptions = {},
  onKey?: (r: KeyRecord) => void,
  sum: RdbSummary = emptySummary(),
): RdbSummary {
  const structure = opts.structure ?? false
  if (structure && (opts.report || opts.samples || onKey))
    throw new Error('a structure-only walk has no keys or values to report, sample or replay')
  const sep = opts.separator ?? ':'
  const topN = opts.topKeys ?? 50
  const top: BigKey[] = []
  const prefixes = new Map<string, TypeStat>()
  const types: Record<string, TypeStat> = {}
  const sampleSize = opts.samples ?? 0
  const samples: Sample[] = []
  let eligible = 0
  const dbFilter = opts.dbs && opts.dbs.length ? new Set(opts.dbs) : null
  const pattern = opts.pattern && opts.pattern !== '*' ? opts.pattern : null
  const seen = new Map<number, Set<string>>()
  const checkDuplicates = opts.duplicates !== false
  const now = Date.now()
  const tally = new Tally(now)
  const counting = new CountingSource(src)
  const parser = new RdbParser(counting, {
    skim: structure
      ? (db, rdbType, elements, expireAt, start, end) => {
          if (elements === 0) throw new RdbError(`empty ${RDB_VALUE_TYPES[rdbType]} value`, start)
          tally.add(db, rdbType, expireAt, end - start)
        }
      : undefined,
  })
  try {
    sum.version = parser.header()
    for (;;) {
      const ev = parser.next()
      if (ev.kind === 'eof') {
        sum.checksum = ev.checksum
        sum.crc = ev.crc
        break
      }
      if (ev.kind === 'aux') sum.aux[ev.key] = ev.value
      else if (ev.kind === 'function') sum.functions++
      else if (ev.kind === 'module-aux') sum.modules++
      else if (ev.kind === 'key') {
        const length = rdbValueLength(ev.value)
        if (length === 0) throw new RdbError(`empty ${ev.value.type} at key '${ev.key}'`, ev.offset)
        if (checkDuplicates) {
          let keys = seen.get(ev.db)
          if (!keys) seen.set(ev.db, (keys = new Set()))
          if (keys.has(ev.key)) throw new RdbError(`duplicated key '${ev.key}' in db ${ev.db}`, ev.offset)
          keys.add(ev.key)
        }
        const end = parser.offset
        const bytes = end - ev.offset
        const type = ev.value.type
        tally.add(ev.db, ev.rdbType, ev.expireAt, bytes)
        if (opts.report) {
          bump(types, type, bytes)
          // Past MAX_PREFIXES distinct prefixes, new ones are pooled so a file of unique keys stays cheap.
          const p = prefixOf(ev.key, sep)
          const name = prefixes.has(p) || prefixes.size < MAX_PREFIXES ? p : '(other prefixes)'
          const ps = prefixes.get(name)
          if (ps) {
            ps.keys++
            ps.bytes += bytes
          } else prefixes.set(name, { keys: 1, bytes })
          if (top.length < topN || bytes > top[top.length - 1].bytes) {
            const big: BigKey = { db: ev.db, key: ev.key, type, bytes, length, expireAt: ev.expireAt }
            let i = top.length
            while (i > 0 && top[i - 1].bytes < bytes) i--
            top.splice(i, 0, big)
            if (top.length > topN) top.pop()
          }
        }
        if ((dbFilter && !dbFilter.has(ev.db)) || (pattern && !globMatch(pattern, ev.key))) continue
        if (sampleSize > 0) {
          eligible++
          const slot = eligible <= sampleSize ? eligible - 1 : Math.floor(Math.random() * eligible)
          if (slot < sampleSize)
            samples[slot] = { db: ev.db, key: ev.key, type, value: sampleValue(ev.value), expireAt: ev.expireAt }
        }
        onKey?.({
          db: ev.db,
          key: ev.key,
          type,
          expireAt: ev.expireAt,
          value: ev.value,
          start: ev.offset,
          end,
          version: sum.version,
        })
      }
    }
  } finally {
    // Also when the walk fails: the summary then counts what was read up to the error.
    tally.into(sum)
  }
  sum.bytes = parser.offset
  counting.drain()
  if (counting.total !== sum.bytes && !opts.preamble)
    throw new RdbError(`${counting.total - sum.bytes} unexpected bytes after the end of the RDB`, sum.bytes)
  if (opts.report) {
    const prefixList = [...prefixes].map(([prefix, s]) => ({ prefix, ...s }))
    prefixList.sort((a, b) => b.bytes - a.bytes)
    sum.report = { top, prefixes: prefixList.slice(0, 200), types }
  }
  if (sampleSize > 0) sum.samples = samples
  return sum
}

/** Positional reads of the file a walk is reading, to cut records out of it. */
export class RecordReader {
  private readonly fd: number
  private buf = Buffer.allocUnsafe(64 * 1024)

  constructor(path: string) {
    this.fd = openSync(path, 'r')
  }

  /**
   * The DUMP payload of a record: its type byte and value bytes (the key skipped), the RDB
   * version (u16 LE) and the CRC-64 of all that (u64 LE), as RESTORE expects.
   */
  payload(r: KeyRecord): Buffer {
    const len = r.end - r.start
    if (this.buf.length < len) this.buf = Buffer.allocUnsafe(len)
    if (readSync(this.fd, this.buf, 0, len, r.start) !== len) throw new RdbError('file shrank while reading', r.start)
    const raw = this.buf.subarray(0, len)
    const inp = new RdbInput(new BufferSource(raw), Math.max(16, Math.min(len, 1 << 16)))
    inp.u8()
    inp.str()
    const valueAt = inp.offset
    const out = Buffer.allocUnsafe(1 + (len - valueAt) + 10)
    out[0] = raw[0]
    raw.copy(out, 1, valueAt, len)
    const p = 1 + len - valueAt
    out[p] = r.version & 0xff
    out[p + 1] = r.version >> 8
    crc64(out.subarray(0, p + 2))
      .bytes()
      .copy(out, p + 2)
    return out
  }

  close(): void {
    closeSync(this.fd)
  }
}
