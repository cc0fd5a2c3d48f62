// RESP request parser: multibulk and inline commands from a client's query buffer, with Redis's
// limits and exact protocol error texts. Arguments come out as latin1 strings (one char per byte).

import { latin1Of } from '../util/latin1.js'

export class ProtocolError extends Error {}

export interface ParserLimits {
  /** proto-max-bulk-len */
  maxBulkLen: number
  /** client-query-buffer-limit */
  maxQueryBuffer: number
}

const INLINE_MAX = 64 * 1024
/**
 * Arguments shorter than this are cut from one decoded string of the read buffer (V8 copies
 * substrings below 13 characters, SlicedString::kMinLength, so none pins the buffer's text);
 * longer ones are decoded on their own (latin1Of). Buffers above TEXT_MAX (a large pending bulk)
 * never are.
 */
const SHORT_ARG = 13
const TEXT_MAX = 64 * 1024
const MBULK_MAX = 1024 * 1024
/** Limits Redis applies before a client has authenticated (so an unauthenticated peer can't fill memory). */
const UNAUTH_MBULK_MAX = 10
const UNAUTH_BULK_MAX = 16384

export class RespParser {
  private buf: Buffer = Buffer.alloc(0)
  private pos = 0
  /** Chunks received while waiting for a large bulk; joined once enough bytes have arrived. */
  private waiting: Buffer[] = []
  private waitingLen = 0
  private need = 0
  // State of a multibulk being read.
  private argv: string[] = []
  private remaining = 0
  private bulkLen = -1
  /** Set by lineInt: the index just past the line it read. */
  private lineEnd = 0
  /** buf decoded once (small buffers only), to cut short arguments from; null until needed. */
  private text: string | null = null

  authenticated = true

  constructor(private readonly limits: ParserLimits) {}

  /** Bytes received and not yet consumed by complete commands. */
  get pendingBytes(): number {
    return this.buf.length - this.pos + this.waitingLen
  }

  feed(chunk: Buffer): void {
    if (this.need > 0) {
      this.waiting.push(chunk)
      this.waitingLen += chunk.length
      if (this.buf.length - this.pos + this.waitingLen < this.need) {
        this.checkQueryLimit()
        return
      }
      this.waiting.unshift(this.buf.subarray(this.pos))
      this.buf = Buffer.concat(this.waiting)
      this.text = null
      this.waiting = []
      this.waitingLen = 0
      this.need = 0
      this.pos = 0
      return
    }
    if (this.pos >= this.buf.length) {
      this.buf = chunk
    } else {
      this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk])
    }
    this.text = null
    this.pos = 0
    this.checkQueryLimit()
  }

  private checkQueryLimit(): void {
    if (this.pendingBytes > this.limits.maxQueryBuffer) {
      throw new ProtocolError('Protocol error: query buffer exceeds client-query-buffer-limit')
    }
  }

  /** The next complete command, [] for an empty one to ignore, or null when more bytes are needed. */
  next(): string[] | null {
    if (this.need > 0) return null
    const buf = this.buf
    if (this.pos >= buf.length) return null
    if (this.remaining === 0) {
      if (buf[this.pos] !== 42 /* * */) return this.inline()
      const n = this.lineInt(buf, this.pos + 1, 'Protocol error: invalid multibulk length')
      if (Number.isNaN(n)) {
        if (buf.length - this.pos > INLINE_MAX) throw new ProtocolError('Protocol error: too big mbulk count string')
        return null
      }
      const max = this.authenticated ? MBULK_MAX : UNAUTH_MBULK_MAX
      if (n > max) throw new ProtocolError('Protocol error: invalid multibulk length')
      this.pos = this.lineEnd
      if (n <= 0) return []
      this.remaining = n
      this.argv = []
    }
    while (this.remaining > 0) {
      if (this.bulkLen < 0) {
        if (this.pos >= buf.length) return null
        if (buf[this.pos] !== 36 /* $ */) {
          throw new ProtocolError(`Protocol error: expected '$', got '${String.fromCharCode(buf[this.pos])}'`)
        }
        const len = this.lineInt(buf, this.pos + 1, 'Protocol error: invalid bulk length')
        if (Number.isNaN(len)) {
          if (buf.length - this.pos > INLINE_MAX) throw new ProtocolError('Protocol error: too big bulk count string')
          return null
        }
        const max = this.authenticated ? this.limits.maxBulkLen : UNAUTH_BULK_MAX
        if (len < 0 || len > max) throw new ProtocolError('Protocol error: invalid bulk length')
        this.bulkLen = len
        this.pos = this.lineEnd
      }
      const end = this.pos + this.bulkLen
      if (end + 2 > buf.length) {
        // Wait for the whole bulk without re-scanning on every chunk.
        this.need = this.bulkLen + 2
        if (this.pos > 0) {
          this.buf = buf.subarray(this.pos)
          this.text = null
          this.pos = 0
        }
        return null
      }
      this.argv.push(
        this.bulkLen < SHORT_ARG && buf.length <= TEXT_MAX
          ? this.short(buf, end)
          : latin1Of(buf, this.pos, this.bulkLen),
      )
      this.pos = end + 2
      this.bulkLen = -1
      this.remaining--
    }
    return this.argv
  }

  /** buf[pos, end) cut from the decoded buffer: a JS copy instead of a native call per argument. */
  private short(buf: Buffer, end: number): string {
    if (this.text === null) this.text = buf.latin1Slice(0, buf.length)
    return this.text.slice(this.pos, end)
  }

  /**
   * The decimal after a type byte, up to its CRLF, read in JS (cheaper than a native indexOf for
   * these short lines); sets lineEnd past the LF. NaN when the line has not fully arrived.
   */
  private lineInt(buf: Buffer, start: number, err: string): number {
    const len = buf.length
    let p = start
    let neg = false
    if (p < len && buf[p] === 45 /* - */) {
      neg = true
      p++
    }
    let n = 0
    let digits = 0
    for (; p < len; p++) {
      const c = buf[p]
      if (c === 13) break
      if (c < 48 || c > 57 || ++digits > 19) throw new ProtocolError(err)
      n = n * 10 + (c - 48)
    }
    if (p + 1 >= len) return NaN
    if (buf[p + 1] !== 10 || digits === 0) throw new ProtocolError(err)
    this.lineEnd = p + 2
    return neg ? -n : n
  }

  private inline(): string[] | null {
    const buf = this.buf
    const nl = buf.indexOf(10, this.pos)
    if (nl < 0) {
      if (buf.length - this.pos > INLINE_MAX) throw new ProtocolError('Protocol error: too big inline request')
      return null
    }
    const lineEnd = nl > this.pos && buf[nl - 1] === 13 ? nl - 1 : nl
    const line = buf.latin1Slice(this.pos, lineEnd)
    this.pos = nl + 1
    const args = splitArgs(line)
    if (args === null) throw new ProtocolError('Protocol error: unbalanced quotes in request')
    return args
  }
}

function isHex(c: string): boolean {
  return /^[0-9a-fA-F]$/.test(c)
}

/** C's isspace in the "C" locale, which sdssplitargs uses (not JS's Unicode-wide \s). */
function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\v' || c === '\f'
}

/** sdssplitargs: space-separated arguments with "double" (escapes, \xHH) and 'single' quotes. */
export function splitArgs(text: string): string[] | null {
  // Redis splits a C string: a NUL byte ends the line.
  const nul = text.indexOf('\0')
  const line = nul < 0 ? text : text.slice(0, nul)
  const out: string[] = []
  let i = 0
  const n = line.length
  for (;;) {
    while (i < n && isSpace(line[i])) i++
    if (i >= n) return out
    let cur = ''
    let inq = false
    let insq = false
    for (;;) {
      if (inq) {
        if (i >= n) return null
        const c = line[i]
        if (c === '\\' && line[i + 1] === 'x' && i + 3 < n && isHex(line[i + 2]) && isHex(line[i + 3])) {
          cur += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16))
          i += 3
        } else if (c === '\\' && i + 1 < n) {
          i++
          const e = line[i]
          cur += e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e === 'b' ? '\b' : e === 'a' ? '\x07' : e
        } else if (c === '"') {
          if (i + 1 < n && !isSpace(line[i + 1])) return null
          i++
          break
        } else {
          cur += c
        }
      } else if (insq) {
        if (i >= n) return null
        const c = line[i]
        if (c === '\\' && line[i + 1] === "'") {
          i++
          cur += "'"
        } else if (c === "'") {
          if (i + 1 < n && !isSpace(line[i + 1])) return null
          i++
          break
        } else {
          cur += c
        }
      } else {
        if (i >= n) break
        const c = line[i]
        if (isSpace(c)) break
        if (c === '"') inq = true
        else if (c === "'") insq = true
        else cur += c
      }
      i++
    }
    out.push(cur)
  }
}
