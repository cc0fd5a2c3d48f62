// Argument parsing shared by the collection SCAN commands (scanGenericCommand's option loop and
// parseScanCursorOrReply), so SSCAN and ZSCAN reject the same inputs with Redis's texts.

import type { Client } from '../server/client.js'
import { parseInt64 } from '../util/numbers.js'
import { globMatch } from '../util/glob.js'

const ULONG_MAX = 18446744073709551615n

/**
 * The cursor as strtoul reads it: optional sign, decimal digits, nothing else ("" is 0 and "-1"
 * wraps, as in C). Replies "invalid cursor" and returns null otherwise.
 */
export function parseScanCursor(c: Client, s: string): number | null {
  const m = /^([+-]?)(\d*)$/.exec(s)
  if (m !== null && m[2].length <= 20) {
    const mag = m[2] === '' ? 0n : BigInt(m[2])
    if (mag <= ULONG_MAX) return Number(m[1] === '-' && mag !== 0n ? ULONG_MAX + 1n - mag : mag)
  }
  c.error('ERR invalid cursor')
  return null
}

export interface ScanOptions {
  count: number
  /** null when every element matches (no MATCH, or MATCH *). */
  pattern: string | null
}

/** The MATCH/COUNT options of SSCAN, HSCAN and ZSCAN from argv[from]; null after an error reply. */
export function parseScanOptions(c: Client, argv: string[], from: number): ScanOptions | null {
  const opts: ScanOptions = { count: 10, pattern: null }
  for (let i = from; i < argv.length; i += 2) {
    const opt = argv[i].toLowerCase()
    if (opt === 'count' && i + 1 < argv.length) {
      const n = parseInt64(argv[i + 1])
      if (n === null) {
        c.error('ERR value is not an integer or out of range')
        return null
      }
      if (n < 1) {
        c.error('ERR syntax error')
        return null
      }
      opts.count = Number(n)
    } else if (opt === 'match' && i + 1 < argv.length) {
      const p = argv[i + 1]
      opts.pattern = p === '*' ? null : p
    } else {
      c.error('ERR syntax error')
      return null
    }
  }
  return opts
}

/** Emits one element: its name (matched against MATCH) and, for hashes and zsets, its value. */
export type ScanEmit = (name: string, value?: string) => void

/**
 * scanGenericCommand for one collection key (SSCAN, HSCAN, ZSCAN): validates the cursor, looks the
 * key up with `read` (undefined after it replied an error, null when the key is missing), parses
 * MATCH/COUNT, and replies [next cursor, elements] with what `scan` emitted that matches.
 */
export function scanCollection<T>(
  c: Client,
  argv: string[],
  read: (c: Client, key: string) => T | null | undefined,
  scan: (value: T, cursor: number, count: number, emit: ScanEmit) => number,
): void {
  const cursor = parseScanCursor(c, argv[2])
  if (cursor === null) return
  const v = read(c, argv[1])
  if (v === undefined) return
  if (v === null) {
    c.arrayLen(2)
    c.bulk('0')
    c.arrayLen(0)
    return
  }
  const opts = parseScanOptions(c, argv, 3)
  if (opts === null) return
  const found: string[] = []
  const next = scan(v, cursor, opts.count, (name, value) => {
    if (opts.pattern !== null && !globMatch(opts.pattern, name)) return
    found.push(name)
    if (value !== undefined) found.push(value)
  })
  c.arrayLen(2)
  c.bulk(String(next))
  c.bulks(found)
}
