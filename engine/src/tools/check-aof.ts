// strata-check-aof (redis-check-aof's role and report): checks a multi-part AOF through its
// manifest (the base — an RDB preamble checked like strata-check-rdb, then RESP — and every incr
// file), or a single old-style or preamble AOF: every record must be a well-formed RESP multibulk
// and MULTI/EXEC must pair up. It prints where each file stops being valid (ok_up_to, diff) and,
// with --fix, after a y/N confirmation, truncates the last file to its last valid command (a
// damaged file that is not the last one is never touched).

import { existsSync, readFileSync, readSync, statSync, truncateSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { ManifestError, parseManifest } from '../persistence/aof/manifest.js'
import { AofFormatError, AofReader, AofTruncated } from '../persistence/aof/reader.js'
import { checkRdb, formatReport } from './check-rdb.js'

export interface CheckIo {
  out(s: string): void
  /** The answer to the y/N question of --fix. */
  confirm(): string
}

const stdio: CheckIo = {
  out: (s) => void process.stdout.write(s),
  confirm: () => {
    const b = Buffer.alloc(256)
    try {
      return b.toString('latin1', 0, readSync(0, b, 0, b.length, null))
    } catch {
      return ''
    }
  },
}

type InputType = 'manifest' | 'preamble' | 'resp'

/** getInputFileType: an RDB header, a manifest (a non-comment line starting with "file"), or RESP. */
function inputType(path: string): InputType {
  const head = readFileSync(path)
    .subarray(0, 64 * 1024)
    .toString('latin1')
  if (head.length >= 8 && head.startsWith('REDIS')) return 'preamble'
  for (const line of head.split('\n')) {
    if (line.startsWith('#')) continue
    return line.startsWith('file') ? 'manifest' : 'resp'
  }
  return 'resp'
}

class Invalid extends Error {}

/** Checks one AOF file's RESP part from `start`; returns where it stops being valid and on which line. */
function checkResp(path: string, start: number, io: CheckIo): { okUpTo: number; line: number } {
  return AofReader.with(path, start, (r) => {
    let inMulti = false
    let beforeMulti = start
    let lineAtMulti = 0
    try {
      for (;;) {
        const at = r.offset
        const argv = r.next()
        if (argv === null) break
        const name = argv[0].toLowerCase()
        if (name === 'multi') {
          if (inMulti) {
            io.out(`0x${hex(at)}: Unexpected MULTI\n`)
            return { okUpTo: at, line: r.line }
          }
          inMulti = true
          beforeMulti = at
          lineAtMulti = r.line
        } else if (name === 'exec') {
          if (!inMulti) {
            io.out(`0x${hex(at)}: Unexpected EXEC\n`)
            return { okUpTo: at, line: r.line }
          }
          inMulti = false
        }
      }
      if (inMulti) {
        io.out(`0x${hex(r.offset)}: Reached EOF before reading EXEC for MULTI\n`)
        return { okUpTo: beforeMulti, line: lineAtMulti }
      }
      return { okUpTo: r.offset, line: r.line + 1 }
    } catch (e) {
      if (e instanceof AofFormatError) {
        io.out(`0x${hex(e.at)}: ${e.message}\n`)
        return { okUpTo: inMulti ? beforeMulti : e.offset, line: e.line }
      }
      if (e instanceof AofTruncated) {
        io.out(`0x${hex(r.size)}: Unexpected end of file\n`)
        return { okUpTo: inMulti ? beforeMulti : e.offset, line: e.line }
      }
      throw e
    }
  })
}

function hex(n: number): string {
  return n.toString(16).padStart(16, ' ')
}

/** checkSingleAof: true when valid, false once fixed; throws Invalid when it is not valid and stays so. */
function checkFile(path: string, last: boolean, fix: boolean, preamble: boolean, io: CheckIo): boolean {
  const name = basename(path)
  const size = statSync(path).size
  let start = 0
  if (preamble) {
    const r = checkRdb(path, { preamble: true })
    io.out(formatReport(name, r))
    if (!r.ok) {
      io.out(`RDB preamble of AOF file is not sane, aborting.\n`)
      throw new Invalid()
    }
    io.out('RDB preamble is OK, proceeding with AOF tail...\n')
    start = r.bytes
  }
  const { okUpTo, line } = checkResp(path, start, io)
  const diff = size - okUpTo
  io.out(`AOF analyzed: filename=${name}, size=${size}, ok_up_to=${okUpTo}, ok_up_to_line=${line}, diff=${diff}\n`)
  if (diff === 0) return true
  if (!fix) {
    io.out(`AOF ${name} is not valid. Use the --fix option to try fixing it.\n`)
    throw new Invalid()
  }
  if (!last) {
    io.out(`Failed to truncate AOF ${name} because it is not the last file\n`)
    throw new Invalid()
  }
  io.out(`This will shrink the AOF ${name} from ${size} bytes, with ${diff} bytes, to ${okUpTo} bytes\n`)
  io.out('Continue? [y/N]: ')
  if (!io.confirm().trim().toLowerCase().startsWith('y')) {
    io.out('Aborting...\n')
    throw new Invalid()
  }
  truncateSync(path, okUpTo)
  io.out(`Successfully truncated AOF ${name}\n`)
  return false
}

function hasRdbHeader(path: string): boolean {
  const b = readFileSync(path).subarray(0, 5)
  return statSync(path).size >= 8 && b.toString('latin1') === 'REDIS'
}

function checkManifest(path: string, fix: boolean, io: CheckIo): void {
  io.out('Start checking Multi Part AOF\n')
  let m
  try {
    m = parseManifest(readFileSync(path, 'latin1'))
  } catch (e) {
    if (e instanceof ManifestError) {
      io.out(`${e.message}\n`)
      throw new Invalid()
    }
    throw e
  }
  const dir = dirname(path)
  const files = m.loadOrder()
  for (const f of files) {
    if (!existsSync(join(dir, f.name))) {
      io.out(`AOF ${f.name} does not exist\n`)
      throw new Invalid()
    }
  }
  if (m.base) {
    const p = join(dir, m.base.name)
    const rdb = hasRdbHeader(p)
    io.out(`Start to check BASE AOF (${rdb ? 'RDB' : 'AOF'} format).\n`)
    if (checkFile(p, files.length === 1, fix, rdb, io)) io.out(`BASE AOF ${m.base.name} is valid\n`)
  }
  if (m.incrs.length > 0) {
    io.out('Start to check INCR files.\n')
    m.incrs.forEach((f, i) => {
      const p = join(dir, f.name)
      if (statSync(p).size === 0) {
        io.out(`INCR AOF ${f.name} is empty\n`)
        return
      }
      if (checkFile(p, i === m.incrs.length - 1, fix, false, io)) io.out(`INCR AOF ${f.name} is valid\n`)
    })
  }
  io.out('All AOF files and manifest are valid\n')
}

/** CLI entry: 0 when valid (or fixed), 1 when not, 2 on usage or I/O errors. */
export function runCheckAof(args: string[], io: CheckIo = stdio): number {
  const fix = args[0] === '--fix'
  const rest = fix ? args.slice(1) : args
  if (rest.length !== 1 || rest[0].startsWith('-')) {
    io.out('Usage: strata-check-aof [--fix] <file.manifest|file.aof>\n')
    return 2
  }
  const path = rest[0]
  try {
    const type = inputType(path)
    if (type === 'manifest') {
      checkManifest(path, fix, io)
    } else {
      io.out(`Start checking ${type === 'preamble' ? 'RDB Preamble' : 'Old-Style'} AOF\n`)
      if (checkFile(path, true, fix, type === 'preamble', io)) io.out(`AOF ${basename(path)} is valid\n`)
    }
    return 0
  } catch (e) {
    if (e instanceof Invalid) return 1
    io.out(`Cannot check ${path}: ${(e as Error).message}\n`)
    return 2
  }
}
