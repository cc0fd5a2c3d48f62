// The replica side of a full synchronization, as `redis-cli --rdb` does it: AUTH when the
// connection has a password, `REPLCONF capa eof` and `rdb-only 1`, then `PSYNC ? -1` (SYNC on
// servers that refuse PSYNC). The server answers with a point-in-time RDB either as `$<len>` or,
// diskless, as `$EOF:<40-byte mark>` … `<mark>`; newlines it sends while preparing are skipped.
// The payload comes out as an async iterable of blocks of shared memory (read straight into them
// over plain TCP), read ahead of the consumer up to READ_AHEAD, with backpressure beyond it; blocks
// the consumer gives back are read into again, by this transfer or the next.

import { connect as netConnect, type Socket } from 'node:net'
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls'

export interface SyncEndpoint {
  host: string
  port: number
  username?: string
  password?: string
  tls?: ConnectionOptions
}

export interface SyncOptions {
  /** Ask for the diskless `$EOF:` form (default true, as redis-cli does). */
  capaEof?: boolean
  /** Idle time after which the transfer is given up. */
  idleTimeoutMs?: number
  signal?: AbortSignal
}

export interface RdbTransfer {
  form: 'len' | 'eof'
  /** Payload size for the `$<len>` form. */
  size: number | null
  /**
   * The payload in blocks of shared memory, up to BLOCK bytes each; nothing changes them later,
   * unless they are given back with reuse().
   */
  chunks: AsyncIterable<Buffer>
  /**
   * Gives back a chunk nothing holds any more (written out, read by every worker), in the order
   * they came: the block it ends is then read into again instead of a new one being allocated.
   */
  reuse(chunk: Buffer): void
}

const EOF_MARK = 40

function command(...args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`
}

/** Buffered reads over the socket's async iterator: lines first, then raw payload bytes. */
class Reader {
  private buf: Buffer = Buffer.alloc(0)
  constructor(private readonly it: AsyncIterator<Buffer>) {}

  private async more(): Promise<void> {
    const r = await this.it.next()
    if (r.done) throw new Error('the server closed the connection during the transfer')
    this.buf = this.buf.length ? Buffer.concat([this.buf, r.value]) : r.value
  }

  async line(): Promise<string> {
    for (;;) {
      const i = this.buf.indexOf(10)
      if (i >= 0) {
        const l = this.buf.toString('latin1', 0, i).replace(/\r$/, '')
        this.buf = this.buf.subarray(i + 1)
        return l
      }
      await this.more()
    }
  }

  /** What is left in the buffer, then every further chunk. */
  async *rest(): AsyncGenerator<Buffer> {
    if (this.buf.length) yield this.buf
    this.buf = Buffer.alloc(0)
    for (;;) {
      const r = await this.it.next()
      if (r.done) return
      yield r.value
    }
  }
}

/**
 * Bytes read ahead of the consumer: the payload keeps flowing while a block is hashed and written,
 * instead of the server stalling on a full socket whenever the consumer is busy.
 */
const READ_AHEAD = 8 << 20
/** Size of the shared-memory blocks the payload comes out in. */
const BLOCK = 1 << 20

/** Blocks given back, kept at most. */
const SPARE_BLOCKS = 16
/** How long blocks nothing took back stay kept for the next transfer. */
const SPARE_MS = 60_000

/**
 * The blocks transfers read into. Reusing them spares the allocation (a new SharedArrayBuffer is
 * zeroed), the page faults of fresh memory and the collections that tens of MB of new external
 * memory per backup set off; they are kept for the next transfer for SPARE_MS, as the validation
 * workers are, so that a backup after another does not pay for its blocks again.
 */
class BlockPool {
  private readonly spare: Buffer[] = []
  private timer: NodeJS.Timeout | null = null

  take(): Buffer {
    return this.spare.pop() ?? Buffer.from(new SharedArrayBuffer(BLOCK))
  }

  /** A chunk that ends its block (chunks come back in order) frees the whole block. */
  giveBack(chunk: Buffer): void {
    const b = chunk.buffer
    if (!(b instanceof SharedArrayBuffer) || b.byteLength !== BLOCK || chunk.byteOffset + chunk.length !== BLOCK) return
    if (this.spare.length >= SPARE_BLOCKS) return
    this.spare.push(Buffer.from(b))
    this.timer?.refresh()
    this.timer ??= setTimeout(() => {
      this.spare.length = 0
      this.timer = null
    }, SPARE_MS).unref()
  }
}

const pool = new BlockPool()

/**
 * Plain TCP reads land straight in shared-memory blocks (net's `onread` with a buffer generator),
 * each read coming out as a view of its block: no allocation per read, and the worker that
 * validates the payload reads the very bytes the target writes, without a copy.
 */
class BlockReads implements AsyncIterator<Buffer> {
  sock: Socket | null = null
  private block: Buffer
  private used = 0
  private readonly views: Buffer[] = []
  private queued = 0
  private paused = false
  private ended = false
  private error: Error | null = null
  private wake: (() => void) | null = null

  constructor() {
    this.block = pool.take()
  }

  /** Where the next read goes: the rest of the current block. */
  readonly target = (): Buffer => this.block.subarray(this.used)

  /** A read of n bytes landed at `used`; false pauses the socket while too much waits. */
  readonly landed = (n: number): boolean => {
    this.views.push(this.block.subarray(this.used, this.used + n))
    this.used += n
    if (this.used === BLOCK) {
      this.block = pool.take()
      this.used = 0
    }
    this.queued += n
    this.wakeUp()
    this.paused = this.queued >= READ_AHEAD
    return !this.paused
  }

  watch(sock: Socket): void {
    this.sock = sock
    sock.on('end', () => this.finish(null))
    sock.on('close', () => this.finish(null))
    sock.on('error', (e) => this.finish(e))
  }

  private finish(e: Error | null): void {
    this.error ??= e
    this.ended = true
    this.wakeUp()
  }

  private wakeUp(): void {
    this.wake?.()
    this.wake = null
  }

  async next(): Promise<IteratorResult<Buffer>> {
    for (;;) {
      let v = this.views.shift()
      if (v) {
        // Reads that piled up while the consumer was busy come out as one view where they follow
        // each other in a block: one trip through the generators downstream instead of one each.
        let n = 0
        for (const w of this.views) {
          if (w.buffer !== v.buffer || w.byteOffset !== v.byteOffset + v.length + n) break
          n += w.length
        }
        if (n) {
          let merged = 0
          while (merged < n) merged += this.views.shift()!.length
          v = Buffer.from(v.buffer, v.byteOffset, v.length + n)
        }
        this.queued -= v.length
        if (this.paused && this.queued < READ_AHEAD / 2) {
          this.paused = false
          this.sock?.resume()
        }
        return { value: v, done: false }
      }
      if (this.error) throw this.error
      if (this.ended) return { value: undefined, done: true }
      await new Promise<void>((r) => (this.wake = r))
    }
  }
}

/** The socket and its reads: shared-memory views for plain TCP, the stream's own chunks for TLS. */
function open(ep: SyncEndpoint): Promise<{ sock: Socket; reads: AsyncIterator<Buffer> }> {
  return new Promise((resolve, reject) => {
    if (ep.tls) {
      const where = { ...ep.tls, host: ep.host, port: ep.port, readableHighWaterMark: READ_AHEAD }
      const s = tlsConnect(where, () => resolve({ sock: s, reads: s[Symbol.asyncIterator]() }))
      s.once('error', reject)
      return
    }
    const reads = new BlockReads()
    const s = netConnect(
      { host: ep.host, port: ep.port, onread: { buffer: reads.target, callback: reads.landed } },
      () => resolve({ sock: s, reads }),
    )
    reads.watch(s)
    s.once('error', reject)
  })
}

/**
 * Regroups the payload into blocks of shared memory: consecutive views of one block (plain TCP)
 * are joined back without a copy; other chunks (TLS, or pieces joined while looking for the end
 * mark) are copied into fresh blocks.
 */
async function* blocks(src: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let run: Buffer | null = null
  let copied: { block: Buffer; used: number } | null = null
  for await (const c of src) {
    if (c.buffer instanceof SharedArrayBuffer) {
      if (copied) {
        yield copied.block.subarray(0, copied.used)
        copied = null
      }
      if (run && run.buffer === c.buffer && run.byteOffset + run.length === c.byteOffset)
        run = Buffer.from(c.buffer, run.byteOffset, run.length + c.length)
      else {
        if (run) yield run
        run = c
      }
      if (run.byteOffset + run.length === run.buffer.byteLength) {
        yield run
        run = null
      }
      continue
    }
    if (run) {
      yield run
      run = null
    }
    for (let at = 0; at < c.length;) {
      copied ??= { block: pool.take(), used: 0 }
      const n = c.copy(copied.block, copied.used, at)
      copied.used += n
      at += n
      if (copied.used === BLOCK) {
        yield copied.block
        copied = null
      }
    }
  }
  if (run) yield run
  if (copied) yield copied.block.subarray(0, copied.used)
}

/** Opens the transfer; the returned chunks end exactly at the RDB's last byte. */
export async function openRdbTransfer(ep: SyncEndpoint, o: SyncOptions = {}): Promise<RdbTransfer> {
  const { sock, reads } = await open(ep)
  sock.setNoDelay(true)
  sock.setTimeout(o.idleTimeoutMs ?? 60_000, () => sock.destroy(new Error('the server stopped sending (timeout)')))
  const onAbort = () => sock.destroy(new Error('cancelled'))
  o.signal?.addEventListener('abort', onAbort, { once: true })
  const reader = new Reader(reads)
  const fail = (e: unknown): never => {
    sock.destroy()
    o.signal?.removeEventListener('abort', onAbort)
    throw e
  }
  try {
    // The whole handshake goes in one write and its replies are read in order: one round trip
    // instead of one per command (a refused AUTH makes the rest fail too, and is reported).
    const handshake: string[][] = []
    if (ep.password) handshake.push(['AUTH', ...(ep.username ? [ep.username] : []), ep.password])
    if (o.capaEof !== false) handshake.push(['REPLCONF', 'capa', 'eof'])
    handshake.push(['REPLCONF', 'rdb-only', '1'], ['PSYNC', '?', '-1'])
    sock.write(handshake.map((args) => command(...args)).join(''))
    if (ep.password) {
      const r = await reader.line()
      if (!r.startsWith('+')) throw new Error(`Authentication failed: ${r.slice(1)}`)
    }
    // Older servers refuse the REPLCONFs; the transfer then simply comes in the `$<len>` form.
    for (let i = ep.password ? 2 : 1; i < handshake.length; i++) await reader.line()
    let reply = await reader.line()
    if (reply.startsWith('-')) {
      if (/NOAUTH|NOPERM/i.test(reply)) throw new Error(reply.slice(1))
      sock.write(command('SYNC'))
      reply = await reader.line()
    }
    // +FULLRESYNC (PSYNC) comes first; then newlines while the server prepares, then the bulk header.
    while (reply.startsWith('+') || reply === '') reply = await reader.line()
    if (reply.startsWith('-')) throw new Error(`The server refused to synchronize: ${reply.slice(1)}`)
    if (!reply.startsWith('$')) throw new Error(`Unexpected reply to SYNC: ${reply.slice(0, 80)}`)
    const eof = reply.startsWith('$EOF:')
    const mark = eof ? Buffer.from(reply.slice(5), 'latin1') : null
    if (mark && mark.length !== EOF_MARK) throw new Error('Malformed $EOF mark from the server')
    const size = eof ? null : Number(reply.slice(1))
    if (!eof && (!Number.isSafeInteger(size) || size! < 0)) throw new Error(`Bad payload length ${reply}`)
    const chunks = blocks(eof ? untilMark(reader.rest(), mark!) : exactly(reader.rest(), size!))
    async function* guarded(): AsyncGenerator<Buffer> {
      try {
        yield* chunks
      } finally {
        o.signal?.removeEventListener('abort', onAbort)
        sock.destroy()
      }
    }
    return { form: eof ? 'eof' : 'len', size, chunks: guarded(), reuse: (c) => pool.giveBack(c) }
  } catch (e) {
    return fail(e)
  }
}

async function* exactly(src: AsyncGenerator<Buffer>, size: number): AsyncGenerator<Buffer> {
  let left = size
  if (left === 0) return
  for await (const c of src) {
    if (c.length >= left) {
      yield c.subarray(0, left)
      return
    }
    left -= c.length
    yield c
  }
  throw new Error(`the transfer ended ${left} bytes early`)
}

/**
 * Diskless form: everything before the mark. As redis-cli and Redis's replicas do, the mark is
 * looked for at the end of what has arrived after each read (the server sends nothing after it
 * until the replica answers, and an rdb-only transfer ends with it), not searched for through the
 * payload. The views holding the last EOF_MARK - 1 bytes, which could still be the start of the
 * mark, are held back until the next chunk shows whether they are; every piece passes through
 * uncopied, however small the reads (a server relaying its RDB through a pipe sends some of a few
 * bytes), so the blocks downstream stay whole.
 */
async function* untilMark(src: AsyncGenerator<Buffer>, mark: Buffer): AsyncGenerator<Buffer> {
  const keep = EOF_MARK - 1
  const held: Buffer[] = []
  let heldBytes = 0
  for await (const c of src) {
    held.push(c)
    heldBytes += c.length
    if (heldBytes >= EOF_MARK && endsWith(held, mark)) {
      yield* firstBytes(held, heldBytes - EOF_MARK)
      return
    }
    while (heldBytes - held[0].length >= keep) {
      heldBytes -= held[0].length
      yield held.shift()!
    }
  }
  throw new Error('the transfer ended before its end mark')
}

/** Whether the views, joined, end with `tail` (they hold at least its length). */
function endsWith(views: Buffer[], tail: Buffer): boolean {
  let left = tail.length
  for (let i = views.length - 1; i >= 0 && left > 0; i--) {
    const v = views[i]
    const n = Math.min(left, v.length)
    if (v.compare(tail, left - n, left, v.length - n, v.length) !== 0) return false
    left -= n
  }
  return left === 0
}

/** The views cut to their first n bytes. */
function* firstBytes(views: Buffer[], n: number): Generator<Buffer> {
  for (const v of views) {
    if (n <= 0) return
    yield n >= v.length ? v : v.subarray(0, n)
    n -= v.length
  }
}
