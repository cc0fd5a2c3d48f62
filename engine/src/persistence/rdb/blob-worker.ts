// Worker-thread side of an RDB load's second core (blob-offload.ts): decompresses the listpack
// blobs the loader posts, validates them as adopt.ts does in-thread, and keeps the file's
// running CRC-64 from the byte ranges the loader has consumed. Replies go back in order on the
// same port; after each one the shared counter is bumped and notified, because the loader waits
// for them synchronously (Atomics.wait + receiveMessageOnPort) in the middle of its parse.

import { workerData } from 'node:worker_threads'
import { Crc64 } from './crc64.js'
import { LzfError, lzfDecompress } from './lzf.js'
import { AdoptError, adoptBlob, type BlobKind, type LpBlob } from './adopt.js'
import { ListpackError } from '../../types/listpack.js'
import {
  BlobStatus,
  REPLY_FIELDS,
  REQUEST_FIELDS,
  SIGNAL_REPLIES,
  SIGNAL_STARTED,
  type OffloadReply,
  type OffloadRequest,
  type OffloadWorkerData,
} from './blob-protocol.js'

/** Decodes and validates one batch; the reply holds every blob's bytes, uncompressed. */
function blobs(meta: Int32Array, data: ArrayBuffer): Extract<OffloadReply, { t: 'blobs' }> {
  const n = meta.length / REQUEST_FIELDS
  const decoded: Buffer[] = new Array(n)
  const out = new Float64Array(n * REPLY_FIELDS)
  const errors: string[] = []
  let total = 0
  let off = 0
  for (let i = 0; i < n; i++) {
    const [kind, ulen, len] = meta.subarray(i * REQUEST_FIELDS, (i + 1) * REQUEST_FIELDS)
    const stored = Buffer.from(data, off, len)
    off += len
    let status: number = BlobStatus.ok
    let blob: LpBlob | null = null
    try {
      const buf = ulen < 0 ? stored : lzfDecompress(stored, ulen)
      blob = adoptBlob(kind as BlobKind, buf)
    } catch (e) {
      // The messages the in-thread reader gives for the same blob (reader.ts: lzf, readValue).
      status = e instanceof AdoptError ? BlobStatus.invalidValue : BlobStatus.corruptBlob
      if (e instanceof AdoptError) errors.push(e.message)
      else if (e instanceof LzfError) errors.push(`corrupt LZF string: ${e.message}`)
      else errors.push(`corrupt listpack: ${e instanceof ListpackError ? e.message : String(e)}`)
    }
    const o = i * REPLY_FIELDS
    out[o] = status
    if (blob !== null) {
      decoded[i] = blob.buf
      out[o + 1] = blob.count
      out[o + 2] = blob.heap
      out[o + 3] = blob.buf.length
      total += blob.buf.length
    } else out[o + 3] = 0
  }
  const bytes = new Uint8Array(total)
  let at = 0
  for (const b of decoded) {
    if (b === undefined) continue
    bytes.set(b, at)
    at += b.length
  }
  return { t: 'blobs', meta: out, data: bytes.buffer, errors }
}

function serve({ port, signal }: OffloadWorkerData): void {
  const flags = new Int32Array(signal)
  const crc = new Crc64()
  const reply = (r: OffloadReply, transfer: ArrayBuffer[] = []) => {
    port.postMessage(r, transfer)
    Atomics.add(flags, SIGNAL_REPLIES, 1)
    Atomics.notify(flags, SIGNAL_REPLIES)
  }
  port.on('message', (m: OffloadRequest) => {
    if (m.t === 'blobs') {
      const r = blobs(m.meta, m.data)
      reply(r, [r.data, r.meta.buffer as ArrayBuffer])
    } else if (m.t === 'crc') crc.update(m.data)
    else reply({ t: 'crc', lo: crc.lo, hi: crc.hi })
  })
  Atomics.store(flags, SIGNAL_STARTED, 1)
  Atomics.notify(flags, SIGNAL_REPLIES)
}

serve(workerData as OffloadWorkerData)
