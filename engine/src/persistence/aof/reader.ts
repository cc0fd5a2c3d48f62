// Reading an AOF's RESP part (the loop of aof.c's loadSingleAppendOnlyFile and of
// redis-check-aof's process): a streaming reader that yields one command at a time with the byte
// offset where it ends, skips `#` annotation lines, and tells a torn tail (the file ends inside a
// command: AofTruncated) from damage (anything else malformed: AofFormatError), each with the
// offset of the last complete command.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs'

const CHUNK = 1 << 20

/** The file ends inside a command: everything up to `offset` (the last complete command) is good. */
export class AofTruncated extends Error {
  constructor(
    readonly offset: number,
    readonly line: number,
  ) {
    super(`unexpected end of file at offset ${offset}`)
  }
}

/** Bytes that are not a valid AOF record; `offset` is where the bad record starts. */
export class AofFormatError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    /** Where exactly the parser stopped (redis-check-aof prints it). */
    readonly at: number,
    readonly line: number,
  ) {
    super(message)
  }
}

/** tryParse's answer when the buffer ends inside the record (more bytes must be read first). */
const NEED_MORE = 0
/** tryParse's answer after skipping an annotation line. */
const SKIPPED = 1

export class AofReader {
  private buf = Buffer.allocUnsafe(CHUNK)
  /** Bytes of buf holding file data, and the file offset of buf[0]. */
  private len = 0
  private base: number
  private pos = 0
  private eof = false
  readonly size: number
  /** End of the last complete command (or annotation). */
  offset: number
  /** Lines read up to `offset` (redis-check-aof's ok_up_to_line). */
  line = 0
  /** Set by int(): the index just past the CRLF of the number it read. */
  private intEnd = 0

  constructor(
    private readonly fd: number,
    start = 0,
  ) {
    this.size = fstatSync(fd).size
    this.base = start
    this.offset = start
  }

  /** Opens a file, runs fn on a reader positioned at `start`, and closes it. */
  static with<T>(path: string, start: number, fn: (r: AofReader) => T): T {
    const fd = openSync(path, 'r')
    try {
      return fn(new AofReader(fd, start))
    } finally {
      closeSync(fd)
    }
  }

  /** Moves the unread bytes to the front (growing the buffer when they fill it) and reads more. */
  private more(): void {
    if (this.pos > 0) {
      this.buf.copy(this.buf, 0, this.pos, this.len)
      this.base += this.pos
      this.len -= this.pos
      this.pos = 0
    }
    if (this.len === this.buf.length) {
      const bigger = Buffer.allocUnsafe(this.buf.length * 2)
      this.buf.copy(bigger, 0, 0, this.len)
      this.buf = bigger
    }
    const r = readSync(this.fd, this.buf, this.len, this.buf.length - this.len, this.base + this.len)
    if (r === 0) this.eof = true
    this.len += r
  }

  private bad(msg: string, at: number): never {
    throw new AofFormatError(msg, this.offset, this.base + at, this.line + 1)
  }

  /** The next command's argv, or null at a clean end of file. */
  next(): string[] | null {
    for (;;) {
      const r = this.tryParse()
      if (r === SKIPPED) continue
      if (r !== NEED_MORE) return r
      if (this.eof) throw new AofTruncated(this.offset, this.line)
      this.more()
    }
  }

  /** Parses one record from pos in JS (no per-line native calls): argv, null at EOF, or a state. */
  private tryParse(): string[] | null | typeof NEED_MORE | typeof SKIPPED {
    const buf = this.buf
    const len = this.len
    let p = this.pos
    if (p >= len) return this.eof ? null : NEED_MORE
    const first = buf[p]
    if (first === 35 /* # */) {
      // An annotation (e.g. #TS:...): skipped, but only once its line is complete.
      const nl = buf.indexOf(10, p)
      if (nl < 0 || nl >= len) return NEED_MORE
      this.pos = nl + 1
      this.offset = this.base + this.pos
      this.line++
      return SKIPPED
    }
    if (first !== 42 /* * */) this.bad(`Expected prefix '*', got: '${String.fromCharCode(first)}'`, p)
    const argc = this.int(buf, p + 1, len)
    if (argc < 0) return argc === -1 ? NEED_MORE : this.bad('Bad multi-bulk count', p)
    if (argc < 1) this.bad('Bad multi-bulk count', p)
    p = this.intEnd
    const argv = new Array<string>(argc)
    for (let i = 0; i < argc; i++) {
      if (p >= len) return NEED_MORE
      if (buf[p] !== 36 /* $ */) this.bad(`Expected prefix '$', got: '${String.fromCharCode(buf[p])}'`, p)
      const n = this.int(buf, p + 1, len)
      if (n < 0) return n === -1 ? NEED_MORE : this.bad('Bad bulk length', p)
      p = this.intEnd
      if (p + n + 2 > len) return NEED_MORE
      argv[i] = buf.latin1Slice(p, p + n)
      p += n
      if (buf[p] !== 13 || buf[p + 1] !== 10) {
        this.bad(`Expected \\r\\n, got: ${buf.subarray(p, p + 2).toString('hex')}`, p)
      }
      p += 2
    }
    this.pos = p
    this.offset = this.base + p
    this.line += 1 + 2 * argc
    return argv
  }

  /** A non-negative decimal ending in CRLF from `start`; -1 when the buffer ends first, -2 when malformed. */
  private int(buf: Buffer, start: number, len: number): number {
    let n = 0
    let p = start
    for (; p < len; p++) {
      const c = buf[p]
      if (c === 13) break
      if (c < 48 || c > 57 || p - start >= 15) return -2
      n = n * 10 + (c - 48)
    }
    if (p + 1 >= len) return -1
    if (p === start || buf[p + 1] !== 10) return -2
    this.intEnd = p + 2
    return n
  }
}

/** RESP multibulk of one command, as latin1 text (catAppendOnlyGenericCommand). */
export function encodeCommand(argv: readonly string[]): string {
  let s = '*' + argv.length + '\r\n'
  for (const a of argv) s += '$' + a.length + '\r\n' + a + '\r\n'
  return s
}
