// The multi-part AOF manifest (aof.c's aofInfo/aofManifest, Redis 7.0): file names of the base,
// history and incr files, the manifest's text form (`file <name> seq <n> type <b|h|i>` lines, base
// first, then history, then incrs), its strict parser with Redis's error texts, and persisting it
// atomically (temp file, fsync, rename, fsync of the folder).

import { join } from 'node:path'
import { splitArgs } from '../../protocol/parser.js'
import { writeFileAtomic } from '../../server/config.js'

export type AofFileType = 'b' | 'h' | 'i'

export interface AofFile {
  name: string
  seq: number
  type: AofFileType
}

export const BASE_SUFFIX = '.base'
export const INCR_SUFFIX = '.incr'
export const RDB_SUFFIX = '.rdb'
export const AOF_SUFFIX = '.aof'
export const MANIFEST_SUFFIX = '.manifest'
export const TEMP_PREFIX = 'temp-'
/** A manifest line may not be longer than this (AOF_MANIFEST_LINE_MAX… the fgets buffer). */
const MAX_LINE = 1024

/** A manifest problem; the message is Redis's text for it. */
export class ManifestError extends Error {}

export class Manifest {
  base: AofFile | null = null
  incrs: AofFile[] = []
  history: AofFile[] = []
  currBaseSeq = 0
  currIncrSeq = 0
  /** The in-memory copy differs from the file (aofManifest.dirty). */
  dirty = false

  clone(): Manifest {
    const m = new Manifest()
    m.base = this.base ? { ...this.base } : null
    m.incrs = this.incrs.map((f) => ({ ...f }))
    m.history = this.history.map((f) => ({ ...f }))
    m.currBaseSeq = this.currBaseSeq
    m.currIncrSeq = this.currIncrSeq
    m.dirty = this.dirty
    return m
  }

  /** Base first, then the incrs in order: the files a load reads. */
  loadOrder(): AofFile[] {
    return this.base ? [this.base, ...this.incrs] : [...this.incrs]
  }

  /** getAofManifestAsString: one line per file, base, history, incrs. */
  format(): string {
    let s = ''
    for (const f of [...(this.base ? [this.base] : []), ...this.history, ...this.incrs]) {
      s += `file ${quoteName(f.name)} seq ${f.seq} type ${f.type}\n`
    }
    return s
  }

  /** getNewBaseFileNameAndMarkPreAsHistory: the next base; the old one becomes history. */
  newBase(prefix: string, rdb: boolean): AofFile {
    if (this.base) this.history.push({ ...this.base, type: 'h' })
    const seq = ++this.currBaseSeq
    this.base = { name: baseFileName(prefix, seq, rdb), seq, type: 'b' }
    this.dirty = true
    return this.base
  }

  /** getNewIncrAofName: the next incr, appended after the others. */
  newIncr(prefix: string): AofFile {
    const seq = ++this.currIncrSeq
    const f: AofFile = { name: incrFileName(prefix, seq), seq, type: 'i' }
    this.incrs.push(f)
    this.dirty = true
    return f
  }

  /** markRewrittenIncrAofAsHistory: every incr but the one being appended to becomes history. */
  markRewrittenIncrsAsHistory(): void {
    while (this.incrs.length > 1) this.history.push({ ...(this.incrs.shift() as AofFile), type: 'h' })
    this.dirty = true
  }
}

export function baseFileName(prefix: string, seq: number, rdb: boolean): string {
  return `${prefix}.${seq}${BASE_SUFFIX}${rdb ? RDB_SUFFIX : AOF_SUFFIX}`
}

export function incrFileName(prefix: string, seq: number): string {
  return `${prefix}.${seq}${INCR_SUFFIX}${AOF_SUFFIX}`
}

export function manifestFileName(prefix: string): string {
  return prefix + MANIFEST_SUFFIX
}

/** The incr written while `CONFIG SET appendonly yes` waits for its first rewrite. */
export function tempIncrFileName(prefix: string): string {
  return `${TEMP_PREFIX}${prefix}${INCR_SUFFIX}`
}

/** sdscatrepr's quoting, used only when a name needs it (sdsneedsrepr). */
function quoteName(name: string): string {
  if (!/[\s"'\\]|[^\x21-\x7e]/.test(name) && name !== '') return name
  let s = '"'
  for (const ch of name) {
    const c = ch.charCodeAt(0)
    if (ch === '\\' || ch === '"') s += '\\' + ch
    else if (ch === '\n') s += '\\n'
    else if (ch === '\r') s += '\\r'
    else if (ch === '\t') s += '\\t'
    else if (ch === '\x07') s += '\\a'
    else if (ch === '\b') s += '\\b'
    else if (c < 32 || c > 126) s += '\\x' + c.toString(16).padStart(2, '0')
    else s += ch
  }
  return s + '"'
}

/** aofLoadManifestFromFile: parses a manifest's text; throws ManifestError with Redis's reason. */
export function parseManifest(text: string): Manifest {
  const m = new Manifest()
  let maxIncrSeq = 0
  let lines = 0
  let pos = 0
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos)
    const end = nl < 0 ? text.length : nl + 1
    const raw = text.slice(pos, end)
    pos = end
    lines++
    if (raw.startsWith('#')) continue
    if (raw.length > MAX_LINE || nl < 0) throw new ManifestError('The AOF manifest file contains too long line')
    const line = raw.trim()
    if (line === '') throw new ManifestError('Invalid AOF manifest file format')
    const argv = splitArgs(line)
    if (argv === null || argv.length < 6 || argv.length % 2 !== 0) {
      throw new ManifestError('Invalid AOF manifest file format')
    }
    let name: string | null = null
    let seq = 0
    let type: string | null = null
    for (let i = 0; i < argv.length; i += 2) {
      const k = argv[i].toLowerCase()
      if (k === 'file') {
        name = argv[i + 1]
        if (name.includes('/')) throw new ManifestError("File can't be a path, just a filename")
      } else if (k === 'seq') {
        seq = Number.parseInt(argv[i + 1], 10) || 0
      } else if (k === 'type') {
        type = argv[i + 1]
      }
      // Other pairs are allowed and ignored (forward compatibility).
    }
    if (name === null || seq === 0 || type === null) throw new ManifestError('Invalid AOF manifest file format')
    if (type === 'b') {
      if (m.base) throw new ManifestError('Found duplicate base file information')
      m.base = { name, seq, type: 'b' }
      m.currBaseSeq = seq
    } else if (type === 'h') {
      m.history.push({ name, seq, type: 'h' })
    } else if (type === 'i') {
      if (seq <= maxIncrSeq) throw new ManifestError('Found a non-monotonic sequence number')
      m.incrs.push({ name, seq, type: 'i' })
      m.currIncrSeq = seq
      maxIncrSeq = seq
    } else {
      throw new ManifestError('Unknown AOF file type')
    }
  }
  if (lines === 0 || (!m.base && m.incrs.length === 0 && m.history.length === 0)) {
    throw new ManifestError('Found an empty AOF manifest')
  }
  return m
}

/** persistAofManifest: writes the manifest through a temp file, then renames it into place. */
export function persistManifest(dir: string, prefix: string, m: Manifest): void {
  writeFileAtomic(join(dir, manifestFileName(prefix)), m.format())
  m.dirty = false
}
