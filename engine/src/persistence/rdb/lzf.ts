// LZF compression as Redis uses it for RDB strings (lzf_c.c / lzf_d.c, HLOG 16, the "very fast"
// default): literal runs of at most 32 bytes, back references up to 8192 bytes away and up to 264
// bytes long. Decompression copies back references byte by byte because they may overlap.

const HLOG = 16
const HSIZE = 1 << HLOG
const MAX_LIT = 1 << 5
const MAX_OFF = 1 << 13
const MAX_REF = (1 << 8) + (1 << 3)

/**
 * Hash table of the compressor (input positions), reused between calls without clearing, as
 * Redis's (INIT_HTAB 0): a stale entry is only used when it points before ip within this input and
 * its three bytes match, so it costs at worst a missed match.
 */
const htab = new Int32Array(HSIZE)

/**
 * Compresses src[0..len) into out, using at most outMax bytes (out must hold outMax + 1). Returns
 * the compressed length, or 0 when the result would not fit (the caller then stores the string
 * raw). A line-by-line port of lzf_c.c with VERY_FAST, so the output matches Redis's byte for byte.
 */
export function lzfCompress(src: Uint8Array, len: number, out: Uint8Array, outMax: number): number {
  if (len === 0 || outMax === 0) return 0
  const inEnd = len
  let ip = 0
  let lit = 0
  let op = 1 // start a literal run; its control byte is at op - lit - 1
  let hval = (src[0] << 8) | src[1]
  while (ip < inEnd - 2) {
    hval = ((hval << 8) | src[ip + 2]) >>> 0
    const slot = ((hval >>> (3 * 8 - HLOG)) - Math.imul(hval, 5)) & (HSIZE - 1)
    const ref = htab[slot]
    htab[slot] = ip
    const off = ip - ref - 1
    if (
      off >= 0 &&
      off < MAX_OFF &&
      ref > 0 &&
      src[ref + 2] === src[ip + 2] &&
      src[ref] === src[ip] &&
      src[ref + 1] === src[ip + 1]
    ) {
      let l = 2
      let maxlen = inEnd - ip - l
      if (maxlen > MAX_REF) maxlen = MAX_REF
      if (op + 3 + 1 >= outMax && op - (lit === 0 ? 1 : 0) + 3 + 1 >= outMax) return 0
      out[op - lit - 1] = lit - 1 // stop the run
      if (lit === 0) op-- // an empty run is undone
      do l++
      while (l < maxlen && src[ref + l] === src[ip + l])
      l -= 2
      ip++
      if (l < 7) {
        out[op++] = (off >>> 8) + (l << 5)
      } else {
        out[op++] = (off >>> 8) + (7 << 5)
        out[op++] = l - 7
      }
      out[op++] = off & 0xff
      lit = 0
      op++
      ip += l + 1
      if (ip >= inEnd - 2) break
      // Hash the last two positions of the match too (VERY_FAST).
      ip -= 2
      hval = (src[ip] << 8) | src[ip + 1]
      for (let k = 0; k < 2; k++) {
        hval = ((hval << 8) | src[ip + 2]) >>> 0
        htab[((hval >>> (3 * 8 - HLOG)) - Math.imul(hval, 5)) & (HSIZE - 1)] = ip
        ip++
      }
    } else {
      if (op >= outMax) return 0
      lit++
      out[op++] = src[ip++]
      if (lit === MAX_LIT) {
        out[op - lit - 1] = lit - 1
        lit = 0
        op++
      }
    }
  }
  if (op + 3 > outMax) return 0
  while (ip < inEnd) {
    lit++
    out[op++] = src[ip++]
    if (lit === MAX_LIT) {
      out[op - lit - 1] = lit - 1
      lit = 0
      op++
    }
  }
  out[op - lit - 1] = lit - 1
  if (lit === 0) op--
  return op
}

export class LzfError extends Error {}

/** Decompresses src into exactly outLen bytes; throws LzfError on malformed input. */
export function lzfDecompress(src: Uint8Array, outLen: number): Buffer {
  const out = Buffer.allocUnsafe(outLen)
  let ip = 0
  let op = 0
  const inEnd = src.length
  while (ip < inEnd) {
    const ctrl = src[ip++]
    if (ctrl < 32) {
      const n = ctrl + 1
      if (op + n > outLen) throw new LzfError('LZF output overflow')
      if (ip + n > inEnd) throw new LzfError('LZF input ends inside a literal')
      for (let k = 0; k < n; k++) out[op++] = src[ip++]
    } else {
      let n = ctrl >>> 5
      if (n === 7) {
        if (ip >= inEnd) throw new LzfError('LZF input ends inside a back reference')
        n += src[ip++]
      }
      if (ip >= inEnd) throw new LzfError('LZF input ends inside a back reference')
      let ref = op - ((ctrl & 0x1f) << 8) - 1 - src[ip++]
      n += 2
      if (ref < 0) throw new LzfError('LZF back reference before the start')
      if (op + n > outLen) throw new LzfError('LZF output overflow')
      for (let k = 0; k < n; k++) out[op++] = out[ref++]
    }
  }
  if (op !== outLen) throw new LzfError(`LZF output is ${op} bytes, expected ${outLen}`)
  return out
}
