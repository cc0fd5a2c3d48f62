// A whole RDB file as a stream of records (rdbSaveRio): header and AUX fields, SELECTDB/RESIZEDB
// whenever the db changes (a snapshot's hooks may interleave dbs, which the format allows), one
// record per key with its expiry and LRU/LFU prefix, then EOF and the CRC-64. It is both the
// snapshot sink for BGSAVE/SYNC/backups and the serializer of the synchronous SAVE.

import type { Dict } from '../../keyspace/dict.js'
import type { Value } from '../../types/value.js'
import type { Server } from '../../server/server.js'
import type { SnapshotSink } from '../snapshot.js'
import { SERVER_VERSION } from '../../commands/connection.js'
import { RdbEncoder } from './writer.js'
import { writeObject } from './objects.js'

/** Where finished chunks go, with its backlog for backpressure. */
export interface ChunkOutput {
  /** `lzf` only for an output that `finishes`: the chunk's strings left to compress. */
  write(chunk: Buffer, lzf?: number[] | null): void
  /** The output compresses and checksums (finish-output.ts): the encoder leaves that to it. */
  readonly finishes?: boolean
  /** Bytes accepted but not yet written out. */
  pending(): number
  /** Set by the stream: an output calls it with each chunk once written, so it can be reused. */
  recycle?: (chunk: Buffer) => void
}

/** The walk pauses while more than this is waiting to be written. */
export const HIGH_WATER = 8 * 1024 * 1024

export interface RdbStreamOptions {
  /** aof-base AUX: 1 for an AOF base or preamble. */
  aofBase?: boolean
}

export class RdbStream implements SnapshotSink {
  readonly enc: RdbEncoder
  private lastDb = -1
  private readonly sized = new Set<number>()
  /** Per db: [keys, keys with TTL] for the RESIZEDB hint. */
  private sizes: (db: number) => [number, number] = () => [0, 0]
  private readonly idleMode: 'lru' | 'lfu' | null
  private readonly lruClock: number

  constructor(
    srv: Server,
    private readonly out: ChunkOutput,
    opts: RdbStreamOptions = {},
  ) {
    this.enc = new RdbEncoder({
      compress: srv.config.getBool('rdbcompression'),
      checksum: srv.config.getBool('rdbchecksum'),
      sink: (chunk, lzf) => out.write(chunk, lzf),
      deferred: out.finishes === true,
    })
    out.recycle = (chunk) => this.enc.recycle(chunk)
    const policy = srv.policy
    this.idleMode = policy.endsWith('-lru') ? 'lru' : policy.endsWith('-lfu') ? 'lfu' : null
    this.lruClock = srv.lruClock
    const e = this.enc
    e.header()
    e.aux('redis-ver', SERVER_VERSION)
    e.aux('redis-bits', '64')
    e.aux('ctime', String(Math.floor(Date.now() / 1000)))
    const m = process.memoryUsage()
    e.aux('used-mem', String(m.heapUsed + m.external))
    e.aux('aof-base', opts.aofBase ? '1' : '0')
  }

  /** Where RESIZEDB takes its numbers from (the sizes at the snapshot's start). */
  setSizes(fn: (db: number) => [number, number]): void {
    this.sizes = fn
  }

  record(db: number, key: string, val: Value, expireAt: number, dict: Dict, slot: number): void {
    const e = this.enc
    if (db !== this.lastDb) {
      e.selectDb(db)
      if (!this.sized.has(db)) {
        this.sized.add(db)
        const [size, expires] = this.sizes(db)
        e.resizeDb(size, expires)
      }
      this.lastDb = db
    }
    let idle = -1
    let freq = -1
    if (this.idleMode === 'lru') idle = (this.lruClock - dict.lru[slot]) & 0xffffff
    else if (this.idleMode === 'lfu') freq = dict.lru[slot] & 0xff
    e.keyPrefix(expireAt, idle, freq)
    writeObject(e, key, val)
  }

  congested(): boolean {
    return this.out.pending() > HIGH_WATER
  }

  /** Writes EOF and the checksum and flushes the last chunk. */
  end(): void {
    this.enc.end()
  }
}
