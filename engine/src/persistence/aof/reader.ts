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
  private curLine = 0

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

  /** Makes at least n bytes available from pos; false at end of file. */
  private fill(n: number): boolean {
    if (this.pos + n <= this.len) return true
    if (this.eof) return false
    if (this.pos > 0) {
      this.buf.copy(this.buf, 0, this.pos, this.len)
      this.base += this.pos
      this.len -= this.pos
      this.pos = 0
    }
    if (n > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(n, this.buf.length * 2))
      this.buf.copy(bigger, 0, 0, this.len)
      this.buf = bigger
    }
    while (this.len < n) {
      const r = readSync(this.fd, this.buf, this.len, this.buf.length - this.len, this.base + this.len)
      if (r === 0) {
        this.eof = true
        return false
      }
      this.len += r
    }
    return true
  }

  /** A line without its CRLF; null at end of file. */
  private readLine(): string | null {
    for (;;) {
      const nl = this.buf.indexOf(10, this.pos)
      if (nl >= 0 && nl < this.len) {
        const end = nl > this.pos && this.buf[nl - 1] === 13 ? nl - 1 : nl
        const s = this.buf.toString('latin1', this.pos, end)
        this.pos = nl + 1
        this.curLine++
        return s
      }
      if (!this.fill(this.len - this.pos + 1)) return null
    }
  }

  private get at(): number {
    return this.base + this.pos
  }

  private bad(msg: string, start: number): never {
    throw new AofFormatError(msg, start, this.at, this.curLine)
  }

  private truncated(): never {
    throw new AofTruncated(this.offset, this.line)
  }

  /** The next command's argv, or null at a clean end of file. */
  next(): string[] | null {
    for (;;) {
      const start = this.at
      if (!this.fill(1)) {
        if (this.at !== this.offset) this.truncated()
        return null
      }
      const first = this.buf[this.pos]
      if (first === 35) {
        // '#' annotation (e.g. #TS:...): skipped, but only once complete.
        if (this.readLine() === null) this.truncated()
        this.offset = this.at
        this.line = this.curLine
        continue
      }
      if (first !== 42) this.bad(`Expected prefix '*', got: '${String.fromCharCode(first)}'`, start)
      const head = this.readLine()
      if (head === null) this.truncated()
      const argc = parseCount(head.slice(1))
      if (argc < 1) this.bad('Bad multi-bulk count', start)
      const argv = new Array<string>(argc)
      for (let i = 0; i < argc; i++) {
        if (!this.fill(1)) this.truncated()
        if (this.buf[this.pos] !== 36) {
          this.bad(`Expected prefix '$', got: '${String.fromCharCode(this.buf[this.pos])}'`, start)
        }
        const lenLine = this.readLine()
        if (lenLine === null) this.truncated()
        const n = parseCount(lenLine.slice(1))
        if (n < 0) this.bad('Bad bulk length', start)
        if (!this.fill(n + 2)) this.truncated()
        argv[i] = this.buf.toString('latin1', this.pos, this.pos + n)
        this.pos += n
        if (this.buf[this.pos] !== 13 || this.buf[this.pos + 1] !== 10) {
          const got = this.buf.subarray(this.pos, this.pos + 2).toString('hex')
          this.bad(`Expected \\r\\n, got: ${got}`, start)
        }
        this.pos += 2
        this.curLine++
      }
      this.offset = this.at
      this.line = this.curLine
      return argv
    }
  }
}

/** A non-negative decimal count, or -1. */
function parseCount(s: string): number {
  if (!/^\d{1,15}$/.test(s)) return -1
  return Number(s)
}

/** RESP multibulk of one command, as latin1 text (catAppendOnlyGenericCommand). */
export function encodeCommand(argv: readonly string[]): string {
  let s = '*' + argv.length + '\r\n'
  for (const a of argv) s += '$' + a.length + '\r\n' + a + '\r\n'
  return s
}
