// strata-check-rdb (redis-check-rdb's role): validates an RDB file by streaming it through the
// reader — every record, every compact blob, duplicate keys, empty keys, the CRC-64 footer — and
// prints a summary (version, AUX fields, keys per db and type, expires, bytes, checksum) or the
// first error with its byte offset.

import { statSync } from 'node:fs'
import { FileSource, RdbError, RdbParser, rdbValueLength } from '../persistence/rdb/reader.js'
import { RDB_TYPE_NAMES } from '../persistence/rdb/constants.js'

export interface DbSummary {
  keys: number
  expires: number
  /** Keys per RDB type name ("hash listpack", "zset", …). */
  types: Map<string, number>
}

export interface CheckResult {
  ok: boolean
  version: number
  aux: [string, string][]
  dbs: Map<number, DbSummary>
  functions: number
  bytes: number
  fileSize: number
  checksum: string
  crc: string
  error?: { message: string; offset: number }
}

/**
 * Checks a file; never throws for a bad file (the result carries the error). With `preamble` (an
 * AOF base or old-style AOF) bytes after the RDB are the AOF's RESP tail, not an error.
 */
export function checkRdb(path: string, opts: { preamble?: boolean } = {}): CheckResult {
  const res: CheckResult = {
    ok: false,
    version: 0,
    aux: [],
    dbs: new Map(),
    functions: 0,
    bytes: 0,
    fileSize: statSync(path).size,
    checksum: 'unknown',
    crc: '',
  }
  const src = new FileSource(path)
  const parser = new RdbParser(src)
  // Duplicate keys abort a real server: remember the keys of each db to catch them.
  const seen = new Map<number, Set<string>>()
  try {
    res.version = parser.header()
    for (;;) {
      const ev = parser.next()
      if (ev.kind === 'eof') {
        res.checksum = ev.checksum
        res.crc = ev.crc
        break
      }
      if (ev.kind === 'aux') res.aux.push([ev.key, ev.value])
      else if (ev.kind === 'function') res.functions++
      else if (ev.kind === 'key') {
        if (rdbValueLength(ev.value) === 0) throw new RdbError(`empty ${ev.value.type} at key '${ev.key}'`, ev.offset)
        let keys = seen.get(ev.db)
        if (!keys) seen.set(ev.db, (keys = new Set()))
        if (keys.has(ev.key)) throw new RdbError(`duplicated key '${ev.key}' in db ${ev.db}`, ev.offset)
        keys.add(ev.key)
        let db = res.dbs.get(ev.db)
        if (!db) res.dbs.set(ev.db, (db = { keys: 0, expires: 0, types: new Map() }))
        db.keys++
        if (ev.expireAt !== 0) db.expires++
        const t = RDB_TYPE_NAMES[ev.rdbType] ?? String(ev.rdbType)
        db.types.set(t, (db.types.get(t) ?? 0) + 1)
      }
    }
    res.bytes = parser.offset
    if (res.bytes !== res.fileSize && !opts.preamble) {
      throw new RdbError(`${res.fileSize - res.bytes} unexpected bytes after the end of the RDB`, res.bytes)
    }
    res.ok = true
  } catch (e) {
    if (!(e instanceof RdbError)) throw e
    res.error = { message: e.reason, offset: e.offset }
    res.bytes = parser.offset
  } finally {
    src.close()
  }
  return res
}

/** The human report the CLI prints. */
export function formatReport(path: string, r: CheckResult): string {
  const lines = [`[offset 0] Checking RDB file ${path}`]
  if (r.version) lines.push(`[offset 9] RDB version ${r.version}`)
  for (const [k, v] of r.aux) lines.push(`AUX ${k} = '${v.replace(/[^\x20-\x7e]/g, '?')}'`)
  for (const [id, db] of [...r.dbs].sort((a, b) => a[0] - b[0])) {
    const types = [...db.types].map(([t, n]) => `${t}=${n}`).join(', ')
    lines.push(`db ${id}: ${db.keys} keys, ${db.expires} with an expiry (${types})`)
  }
  if (r.functions) lines.push(`${r.functions} function libraries`)
  if (r.error) {
    lines.push('--- RDB ERROR DETECTED ---')
    lines.push(`[offset ${r.error.offset}] ${r.error.message}`)
    lines.push(`[additional info] ${r.error.offset} of ${r.fileSize} bytes read`)
    return lines.join('\n') + '\n'
  }
  const keys = [...r.dbs.values()].reduce((a, d) => a + d.keys, 0)
  const expires = [...r.dbs.values()].reduce((a, d) => a + d.expires, 0)
  lines.push(`[offset ${r.bytes}] ${keys} keys read, ${expires} expires, ${r.bytes} bytes`)
  lines.push(
    r.checksum === 'ok'
      ? `[offset ${r.bytes}] Checksum OK (crc64 ${r.crc})`
      : r.checksum === 'disabled'
        ? `[offset ${r.bytes}] Checksum disabled in the file (zero footer)`
        : `[offset ${r.bytes}] No checksum (RDB version ${r.version})`,
  )
  lines.push('\\o/ RDB looks OK! \\o/')
  return lines.join('\n') + '\n'
}

/** CLI entry: exit code 0 when the file is valid, 1 when not, 2 on usage or I/O errors. */
export function runCheckRdb(args: string[]): number {
  if (args.length !== 1 || args[0] === '-h' || args[0] === '--help') {
    process.stderr.write('Usage: strata-check-rdb <rdb-file-name>\n')
    return 2
  }
  let r: CheckResult
  try {
    r = checkRdb(args[0])
  } catch (e) {
    process.stderr.write(`Cannot check ${args[0]}: ${(e as Error).message}\n`)
    return 2
  }
  process.stdout.write(formatReport(args[0], r))
  return r.ok ? 0 : 1
}
