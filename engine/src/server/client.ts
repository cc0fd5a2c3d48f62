// One connected client (networking.c's client struct): its socket, query parser, selected db,
// protocol version, auth state, flags, and the reply buffer that is written once per loop turn.

import type { Socket } from 'node:net'
import { RespParser } from '../protocol/parser.js'
import { formatDouble } from '../util/numbers.js'
import type { Db } from '../keyspace/db.js'
import type { Command } from '../commands/table.js'

export type ReplyMode = 'on' | 'off'

/** '$<n>\r\n' for the lengths most values have, so a bulk reply does not format its length. */
const BULK_HEADERS = Array.from({ length: 1024 }, (_, n) => '$' + n + '\r\n')

function bulkHeader(n: number): string {
  return n < BULK_HEADERS.length ? BULK_HEADERS[n] : '$' + n + '\r\n'
}

export class Client {
  readonly parser: RespParser
  /** Reply bytes (latin1) waiting for the end of this loop turn. */
  out = ''
  resp: 2 | 3 = 2
  name = ''
  libName = ''
  libVer = ''
  authenticated: boolean
  user = 'default'
  db: Db
  readonly created = Date.now()
  lastInteraction = Date.now()
  lastCmd = 'NULL'
  /** Close after the pending replies are written (QUIT, protocol error, CLIENT KILL). */
  closeAfterReply = false
  closed = false
  replyMode: ReplyMode = 'on'
  /** CLIENT REPLY SKIP applies to the next command only. */
  skipNext = false
  noEvict = false
  noTouch = false
  monitor = false
  /** Set while the client waits (blocked command or pause); input is kept queued meanwhile. */
  blocked = false
  pendingWrite = false
  /** The command being executed and its argv, for propagation rewrites. */
  cmd: Command | null = null
  /** Replacement argv for the AOF/replication feed (relative TTLs made absolute, etc.). */
  propagateArgv: string[] | null = null
  /** Total bytes of arguments parsed (INFO stats net input). */
  netIn = 0
  netOut = 0
  /** Extra per-client state attached by later subsystems (MULTI, pub/sub, blocking). */
  readonly ext: Record<string, unknown> = {}

  constructor(
    readonly id: number,
    readonly socket: Socket,
    db: Db,
    limits: { maxBulkLen: number; maxQueryBuffer: number },
    needsAuth: boolean,
  ) {
    this.parser = new RespParser(limits)
    this.db = db
    this.authenticated = !needsAuth
    this.parser.authenticated = !needsAuth
  }

  /**
   * Reply bytes not yet taken by the kernel: this turn's, and those the socket queued because the
   * client reads slower than it asks (Redis's reply list: omem, and used_memory's client share).
   */
  get outputBytes(): number {
    return this.out.length + this.socket.writableLength
  }

  get addr(): string {
    const a = this.socket.remoteAddress ?? '?'
    return `${a.includes(':') ? `[${a}]` : a}:${this.socket.remotePort ?? 0}`.replace(/^\[::ffff:([\d.]+)\]/, '$1')
  }

  get laddr(): string {
    const a = this.socket.localAddress ?? '?'
    return `${a.includes(':') ? `[${a}]` : a}:${this.socket.localPort ?? 0}`.replace(/^\[::ffff:([\d.]+)\]/, '$1')
  }

  // ---- Reply helpers (addReply* in networking.c). All write latin1 text into `out`. ----

  ok(): void {
    this.out += '+OK\r\n'
  }

  status(s: string): void {
    this.out += '+' + s + '\r\n'
  }

  /** An error reply; `msg` starts with its code (ERR, WRONGTYPE, …). Newlines are made spaces. */
  error(msg: string): void {
    this.out += '-' + msg.replace(/[\r\n]+/g, ' ') + '\r\n'
    this.errorCount++
    this.lastError = msg
  }

  errorCount = 0
  lastError = ''

  int(n: number | bigint): void {
    this.out += ':' + n + '\r\n'
  }

  bulk(s: string): void {
    this.out += bulkHeader(s.length) + s + '\r\n'
  }

  bulkOrNull(s: string | undefined | null): void {
    if (s === undefined || s === null) this.nullBulk()
    else this.bulk(s)
  }

  nullBulk(): void {
    this.out += this.resp === 3 ? '_\r\n' : '$-1\r\n'
  }

  nullArray(): void {
    this.out += this.resp === 3 ? '_\r\n' : '*-1\r\n'
  }

  arrayLen(n: number): void {
    this.out += '*' + n + '\r\n'
  }

  mapLen(n: number): void {
    this.out += this.resp === 3 ? '%' + n + '\r\n' : '*' + n * 2 + '\r\n'
  }

  setLen(n: number): void {
    this.out += this.resp === 3 ? '~' + n + '\r\n' : '*' + n + '\r\n'
  }

  pushLen(n: number): void {
    this.out += this.resp === 3 ? '>' + n + '\r\n' : '*' + n + '\r\n'
  }

  /** Doubles: RESP3 `,` type, RESP2 bulk string as "%.17g". */
  double(d: number): void {
    if (this.resp === 3) this.out += ',' + formatDouble(d) + '\r\n'
    else this.bulk(formatDouble(d))
  }

  bool(b: boolean): void {
    this.out += this.resp === 3 ? (b ? '#t\r\n' : '#f\r\n') : b ? ':1\r\n' : ':0\r\n'
  }

  /** Verbatim text (RESP3 `=`, RESP2 bulk), used by INFO-like human output. */
  verbatim(s: string, fmt = 'txt'): void {
    if (this.resp === 3) this.out += '=' + (s.length + 4) + '\r\n' + fmt + ':' + s + '\r\n'
    else this.bulk(s)
  }

  bulks(items: readonly string[]): void {
    // One join: appending each part made a rope of about five cons strings per item (190 bytes of
    // garbage per key of a SCAN, measured), which the socket write then flattened anyway.
    const parts = new Array<string>(3 * items.length + 1)
    parts[0] = '*' + items.length + '\r\n'
    let j = 1
    for (const s of items) {
      parts[j++] = bulkHeader(s.length)
      parts[j++] = s
      parts[j++] = '\r\n'
    }
    this.out += parts.join('')
  }

  /** Starts a reply whose length is only known at the end; pass the result to endDeferred. */
  beginDeferred(): string {
    const saved = this.out
    this.out = ''
    return saved
  }

  endDeferred(saved: string, kind: 'array' | 'map' | 'set', n: number): void {
    const body = this.out
    this.out = saved
    if (kind === 'array') this.arrayLen(n)
    else if (kind === 'map') this.mapLen(n)
    else this.setLen(n)
    this.out += body
  }
}
