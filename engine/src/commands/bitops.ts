// Bitmap commands (bitops.c): SETBIT, GETBIT, BITCOUNT, BITPOS and BITOP over string values. Bit 0
// is the most significant bit of byte 0; missing bytes read as zero.

import type { Client } from '../server/client.js'
import type { Server } from '../server/server.js'
import type { CommandDef } from './table.js'
import { FLAG_RAW } from '../keyspace/dict.js'
import { stringBytes } from '../types/string.js'
import { WRONGTYPE } from '../types/value.js'
import { parseInt64 } from '../util/numbers.js'
import { maxStringLength, parseRangeArg, putString } from './string.js'

const G = 'bitmap'
const SYNTAX = 'ERR syntax error'

const POPCOUNT = new Uint8Array(256)
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + POPCOUNT[i >> 1]

/** getBitOffsetFromArgument: a bit offset whose byte lies below maxBytes, or null after replying. */
function bitOffset(c: Client, maxBytes: number, arg: string): number | null {
  const v = parseInt64(arg)
  const n = v === null ? -1 : Number(v)
  if (n < 0 || Math.floor(n / 8) >= maxBytes) {
    c.error('ERR bit offset is not an integer or out of range')
    return null
  }
  return n
}

function setbit(c: Client, argv: string[], srv: Server): void {
  const offset = bitOffset(c, maxStringLength(srv), argv[2])
  if (offset === null) return
  const on = parseInt64(argv[3])
  if (on !== 0 && on !== 1) {
    c.error('ERR bit is not an integer or out of range')
    return
  }
  const db = c.db
  const key = argv[1]
  const slot = db.lookupWriteSlot(key)
  const v = slot < 0 ? undefined : db.dict.vals[slot]
  if (typeof v === 'object') {
    c.error(WRONGTYPE)
    return
  }
  const old = v === undefined ? '' : stringBytes(v)
  const byte = Math.floor(offset / 8)
  const shift = 7 - (offset % 8)
  const cur = byte < old.length ? old.charCodeAt(byte) : 0
  const bitval = (cur >> shift) & 1
  // Redis 7.0 counts a change only when the key is created, grows, or the bit flips.
  if (v === undefined || byte >= old.length || bitval !== on) {
    const next = String.fromCharCode(on ? cur | (1 << shift) : cur & ~(1 << shift))
    const bytes =
      byte < old.length ? old.slice(0, byte) + next + old.slice(byte + 1) : old + '\0'.repeat(byte - old.length) + next
    putString(db, key, slot, bytes, FLAG_RAW)
    srv.notify('$', 'setbit', key, db.id)
    srv.dirty++
  }
  c.int(bitval)
}

function getbit(c: Client, argv: string[], srv: Server): void {
  const offset = bitOffset(c, srv.config.getInt('proto-max-bulk-len'), argv[2])
  if (offset === null) return
  const v = c.db.lookupRead(argv[1])
  if (v === undefined) c.int(0)
  else if (typeof v === 'object') c.error(WRONGTYPE)
  else {
    const s = stringBytes(v)
    const byte = Math.floor(offset / 8)
    c.int(byte < s.length ? (s.charCodeAt(byte) >> (7 - (offset % 8))) & 1 : 0)
  }
}

/** The BIT|BYTE argument: true for BIT, false for BYTE, null after a syntax error reply. */
function parseUnit(c: Client, arg: string): boolean | null {
  const u = arg.toUpperCase()
  if (u === 'BIT') return true
  if (u === 'BYTE') return false
  c.error(SYNTAX)
  return null
}

/**
 * Turns a start/end pair (negative counts from the end) over `len` bytes into an inclusive range
 * of absolute bit positions, or null when it is empty.
 */
function bitRange(start: number, end: number, len: number, inBits: boolean): [number, number] | null {
  const total = inBits ? len * 8 : len
  if (start < 0) start = Math.max(0, total + start)
  if (end < 0) end = Math.max(0, total + end)
  if (end >= total) end = total - 1
  if (start > end) return null
  return inBits ? [start, end] : [start * 8, end * 8 + 7]
}

/** Mask of the bits of one byte from position `from` to `to` (0 = most significant), inclusive. */
function byteMask(from: number, to: number): number {
  return (0xff >> from) & ((0xff << (7 - to)) & 0xff)
}

function countBits(s: string, first: number, last: number): number {
  const fb = Math.floor(first / 8)
  const lb = Math.floor(last / 8)
  if (fb === lb) return POPCOUNT[s.charCodeAt(fb) & byteMask(first % 8, last % 8)]
  let n = POPCOUNT[s.charCodeAt(fb) & byteMask(first % 8, 7)] + POPCOUNT[s.charCodeAt(lb) & byteMask(0, last % 8)]
  for (let i = fb + 1; i < lb; i++) n += POPCOUNT[s.charCodeAt(i)]
  return n
}

function bitcount(c: Client, argv: string[]): void {
  // Redis 7.0 looks the key up before parsing the range: a missing key answers 0 whatever follows.
  const v = c.db.lookupRead(argv[1])
  if (v === undefined) {
    c.int(0)
    return
  }
  if (typeof v === 'object') {
    c.error(WRONGTYPE)
    return
  }
  const s = stringBytes(v)
  let range: [number, number] | null = s.length > 0 ? [0, s.length * 8 - 1] : null
  if (argv.length === 4 || argv.length === 5) {
    const start = parseRangeArg(c, argv[2])
    if (start === null) return
    const end = parseRangeArg(c, argv[3])
    if (end === null) return
    if (start < 0 && end < 0 && start > end) {
      c.int(0)
      return
    }
    const inBits = argv.length === 5 ? parseUnit(c, argv[4]) : false
    if (inBits === null) return
    range = bitRange(start, end, s.length, inBits)
  } else if (argv.length !== 2) {
    c.error(SYNTAX)
    return
  }
  c.int(range === null ? 0 : countBits(s, range[0], range[1]))
}

/** First bit equal to `bit` in [first, last], or -1. */
function findBit(s: string, bit: number, first: number, last: number): number {
  const fb = Math.floor(first / 8)
  const lb = Math.floor(last / 8)
  const skip = bit === 1 ? 0 : 0xff
  for (let i = fb; i <= lb; i++) {
    const raw = s.charCodeAt(i)
    if (raw === skip) continue
    const mask = byteMask(i === fb ? first % 8 : 0, i === lb ? last % 8 : 7)
    const hits = (bit === 1 ? raw : ~raw) & mask
    if (hits !== 0) return i * 8 + Math.clz32(hits) - 24
  }
  return -1
}

function bitpos(c: Client, argv: string[]): void {
  const bit = parseInt64(argv[2])
  if (bit === null) {
    c.error('ERR value is not an integer or out of range')
    return
  }
  if (bit !== 0 && bit !== 1) {
    c.error('ERR The bit argument must be 1 or 0.')
    return
  }
  const v = c.db.lookupRead(argv[1])
  if (v === undefined) {
    // A missing key is an endless run of zeros.
    c.int(bit === 1 ? -1 : 0)
    return
  }
  if (typeof v === 'object') {
    c.error(WRONGTYPE)
    return
  }
  const s = stringBytes(v)
  let range: [number, number] | null = s.length > 0 ? [0, s.length * 8 - 1] : null
  const endGiven = argv.length >= 5
  if (argv.length >= 4 && argv.length <= 6) {
    const start = parseRangeArg(c, argv[3])
    if (start === null) return
    const inBits = argv.length === 6 ? parseUnit(c, argv[5]) : false
    if (inBits === null) return
    let end = s.length - 1
    if (endGiven) {
      const e = parseRangeArg(c, argv[4])
      if (e === null) return
      end = e
    }
    range = bitRange(start, end, s.length, inBits)
  } else if (argv.length !== 3) {
    c.error(SYNTAX)
    return
  }
  if (range === null) {
    c.int(-1)
    return
  }
  const pos = findBit(s, bit, range[0], range[1])
  // Looking for a clear bit without an explicit end, the string continues with zero padding.
  if (pos < 0 && bit === 0 && !endGiven) c.int(range[1] + 1)
  else c.int(pos)
}

const BITOP_KINDS = ['AND', 'OR', 'XOR', 'NOT']

function bitop(c: Client, argv: string[], srv: Server): void {
  const op = argv[1].toUpperCase()
  if (!BITOP_KINDS.includes(op)) {
    c.error(SYNTAX)
    return
  }
  if (op === 'NOT' && argv.length !== 4) {
    c.error('ERR BITOP NOT must be called with a single source key.')
    return
  }
  const db = c.db
  const srcs: string[] = []
  let maxLen = 0
  for (let j = 3; j < argv.length; j++) {
    const v = db.lookupRead(argv[j])
    if (typeof v === 'object') {
      c.error(WRONGTYPE)
      return
    }
    const s = v === undefined ? '' : stringBytes(v)
    srcs.push(s)
    if (s.length > maxLen) maxLen = s.length
  }
  const dest = argv[2]
  if (maxLen > 0) {
    const res = new Uint8Array(maxLen)
    for (let i = 0; i < maxLen; i++) {
      // Shorter strings are padded with zero bytes.
      let acc = i < srcs[0].length ? srcs[0].charCodeAt(i) : 0
      for (let k = 1; k < srcs.length; k++) {
        const b = i < srcs[k].length ? srcs[k].charCodeAt(i) : 0
        if (op === 'AND') acc &= b
        else if (op === 'OR') acc |= b
        else acc ^= b
      }
      res[i] = op === 'NOT' ? ~acc & 0xff : acc
    }
    const slot = db.set(dest, Buffer.from(res.buffer).toString('latin1'))
    db.dict.flags[slot] = FLAG_RAW
    srv.notify('$', 'set', dest, db.id)
    srv.dirty++
  } else if (db.delete(dest)) {
    srv.notify('g', 'del', dest, db.id)
    srv.dirty++
  }
  c.int(maxLen)
}

export const bitopsCommands: CommandDef[] = [
  { name: 'setbit', arity: 4, flags: ['write', 'denyoom'], keys: [1, 1, 1], group: G, handler: setbit, since: '2.2.0' },
  { name: 'getbit', arity: 3, flags: ['readonly', 'fast'], keys: [1, 1, 1], group: G, handler: getbit, since: '2.2.0' },
  { name: 'bitcount', arity: -2, flags: ['readonly'], keys: [1, 1, 1], group: G, handler: bitcount, since: '2.6.0' },
  { name: 'bitpos', arity: -3, flags: ['readonly'], keys: [1, 1, 1], group: G, handler: bitpos, since: '2.8.7' },
  { name: 'bitop', arity: -4, flags: ['write', 'denyoom'], keys: [2, -1, 1], group: G, handler: bitop, since: '2.6.0' },
]
