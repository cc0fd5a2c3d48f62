// strata-check-rdb (redis-check-rdb's role): validates an RDB file with the same full streaming walk
// as the console's restore verify (rdb-inspect.ts) — every record, every compact blob, duplicate keys,
// empty keys, the CRC-64 footer, nothing after EOF — and prints a summary (version, AUX fields, keys per db and type, expires, bytes, checksum) or the
// first error with its byte offset.

import { statSync } from 'node:fs'
import { FileSource, RdbError } from '../persistence/rdb/reader.js'
import { emptySummary, inspectRdb } from './rdb-inspect.js'

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
  const fileSize = statSync(path).size
  const src = new FileSource(path)
  const sum = emptySummary()
  let error: CheckResult['error']
  try {
    inspectRdb(src, { preamble: opts.preamble }, undefined, sum)
  } catch (e) {
    if (!(e instanceof RdbError)) throw e
    error = { message: e.reason, offset: e.offset }
  } finally {
    src.close()
  }
  const dbs = new Map<number, DbSummary>()
  for (const [db, d] of Object.entries(sum.dbs))
    dbs.set(Number(db), { keys: d.keys, expires: d.expires, types: new Map(Object.entries(d.encodings)) })
  return {
    ok: !error,
    version: sum.version,
    aux: Object.entries(sum.aux),
    dbs,
    functions: sum.functions,
    bytes: error ? error.offset : sum.bytes,
    fileSize,
    checksum: error ? 'unknown' : sum.checksum,
    crc: sum.crc,
    error,
  }
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
