// Decoders for the encodings older Redis versions wrote and 7.0 still loads (ziplist.c, zipmap.c):
// ziplists (lists, hashes and zsets of 2.6–6.2, quicklist nodes of 3.2–6.2) and zipmaps (hashes
// of <= 2.4). Read-only: Strata never writes them. Errors carry the offset inside the blob.

export class BlobError extends Error {
  constructor(
    what: string,
    message: string,
    readonly offset: number,
  ) {
    super(`invalid ${what} at offset ${offset}: ${message}`)
  }
}

const ZIP_END = 0xff
const ZIP_BIG_PREVLEN = 0xfe

/** The entries of a ziplist as latin1 strings (integers as decimal text). */
export function ziplistDecode(buf: Buffer): string[] {
  const fail = (msg: string, at: number): never => {
    throw new BlobError('ziplist', msg, at)
  }
  if (buf.length < 11) fail(`${buf.length} bytes is shorter than a header`, 0)
  const zlbytes = buf.readUInt32LE(0)
  if (zlbytes !== buf.length) fail(`header says ${zlbytes} bytes but the blob has ${buf.length}`, 0)
  if (buf[zlbytes - 1] !== ZIP_END) fail('missing the 0xFF terminator', zlbytes - 1)
  const declared = buf.readUInt16LE(8)
  const end = zlbytes - 1
  const out: string[] = []
  let p = 10
  let prevLen = 0
  while (p < end) {
    const start = p
    const need = (n: number): void => {
      if (p + n > end) fail('entry runs past the end', start)
    }
    // prevlen: 1 byte, or 0xFE + u32 LE.
    need(1)
    let storedPrev = buf[p]
    if (storedPrev === ZIP_BIG_PREVLEN) {
      need(5)
      storedPrev = buf.readUInt32LE(p + 1)
      p += 5
    } else {
      p += 1
    }
    if (storedPrev !== prevLen) fail(`prevlen ${storedPrev} does not match the previous entry's ${prevLen}`, start)
    need(1)
    const b = buf[p]
    const kind = b >> 6
    let value: string
    if (kind === 0) {
      const len = b & 0x3f
      p += 1
      need(len)
      value = buf.toString('latin1', p, p + len)
      p += len
    } else if (kind === 1) {
      need(2)
      const len = ((b & 0x3f) << 8) | buf[p + 1]
      p += 2
      need(len)
      value = buf.toString('latin1', p, p + len)
      p += len
    } else if (b === 0x80) {
      need(5)
      const len = buf.readUInt32BE(p + 1)
      p += 5
      need(len)
      value = buf.toString('latin1', p, p + len)
      p += len
    } else if (b === 0xc0) {
      need(3)
      value = String(buf.readInt16LE(p + 1))
      p += 3
    } else if (b === 0xd0) {
      need(5)
      value = String(buf.readInt32LE(p + 1))
      p += 5
    } else if (b === 0xe0) {
      need(9)
      value = String(buf.readBigInt64LE(p + 1))
      p += 9
    } else if (b === 0xf0) {
      need(4)
      value = String(buf.readIntLE(p + 1, 3))
      p += 4
    } else if (b === 0xfe) {
      need(2)
      value = String(buf.readInt8(p + 1))
      p += 2
    } else if (b >= 0xf1 && b <= 0xfd) {
      value = String((b & 0x0f) - 1)
      p += 1
    } else {
      return fail(`invalid entry encoding byte 0x${b.toString(16)}`, p)
    }
    prevLen = p - start
    out.push(value)
  }
  if (declared !== 0xffff && declared !== out.length) {
    fail(`header counts ${declared} entries but ${out.length} were found`, 8)
  }
  return out
}

/** A zipmap's field/value pairs, flattened (field, value, field, value, ...). */
export function zipmapDecode(buf: Buffer): string[] {
  const fail = (msg: string, at: number): never => {
    throw new BlobError('zipmap', msg, at)
  }
  if (buf.length < 2) fail('too short', 0)
  const out: string[] = []
  let p = 1
  const readLen = (): number => {
    if (p >= buf.length) fail('length runs past the end', p)
    const b = buf[p]
    if (b < 254) {
      p += 1
      return b
    }
    if (b === 254) {
      if (p + 5 > buf.length) fail('length runs past the end', p)
      const n = buf.readUInt32LE(p + 1)
      p += 5
      return n
    }
    return fail('unexpected end marker', p)
  }
  for (;;) {
    if (p >= buf.length) fail('missing the 0xFF terminator', p)
    if (buf[p] === 0xff) break
    const klen = readLen()
    if (p + klen > buf.length) fail('field runs past the end', p)
    const field = buf.toString('latin1', p, p + klen)
    p += klen
    const vlen = readLen()
    if (p >= buf.length) fail('free byte runs past the end', p)
    const free = buf[p++]
    if (p + vlen + free > buf.length) fail('value runs past the end', p)
    out.push(field, buf.toString('latin1', p, p + vlen))
    p += vlen + free
  }
  if (p !== buf.length - 1) fail('bytes after the terminator', p + 1)
  return out
}
