// Worker-thread side of a large RDB save (finish-output.ts): finishes the chunks the snapshot
// encodes in deferred mode. The strings they list are compressed (or given their length when LZF
// does not pay) by an RdbEncoder of its own — the same code as an in-thread save, so the file is
// byte for byte the same — which also keeps the CRC-64, writes EOF and the footer, and writes
// everything to the temp file; the fsync is done here too. Progress and the outcome go through
// shared memory, where the saver, blocked in its synchronous save, waits for them.

import { fsyncSync } from 'node:fs'
import { workerData } from 'node:worker_threads'
import { writeAllSync } from '../../util/write-all.js'
import { RdbEncoder } from './writer.js'
import {
  FINISH_FAILED,
  FINISH_OK,
  SIGNAL_PROGRESS,
  SIGNAL_STARTED,
  SIGNAL_STATE,
  WRITTEN_AT,
  type FinishRequest,
  type FinishWorkerData,
} from './finish-protocol.js'

function run({ fd, checksum, signal, port }: FinishWorkerData): void {
  const flags = new Int32Array(signal)
  const written = new BigInt64Array(signal, WRITTEN_AT, 1)
  const enc: RdbEncoder = new RdbEncoder({
    compress: true,
    checksum,
    sink: (chunk) => {
      writeAllSync(fd, chunk)
      enc.recycle(chunk)
    },
  })
  let failed = false
  const settle = (state: number) => {
    Atomics.store(flags, SIGNAL_STATE, state)
    Atomics.add(flags, SIGNAL_PROGRESS, 1)
    Atomics.notify(flags, SIGNAL_PROGRESS)
  }
  port.on('message', (m: FinishRequest) => {
    if (failed) return
    try {
      if (m.t === 'chunk') {
        const buf = Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength)
        let at = 0
        const spans = m.lzf ?? []
        for (let i = 0; i < spans.length; i += 2) {
          const off = spans[i]
          if (off > at) enc.bytes(buf.subarray(at, off))
          at = off + spans[i + 1]
          enc.blob(buf.subarray(off, at))
        }
        if (at < buf.length) enc.bytes(buf.subarray(at))
        Atomics.add(written, 0, BigInt(buf.length))
        Atomics.add(flags, SIGNAL_PROGRESS, 1)
        Atomics.notify(flags, SIGNAL_PROGRESS)
      } else {
        // The saver's encoder wrote neither EOF nor the footer: they need the finished bytes' CRC.
        enc.end()
        fsyncSync(fd)
        settle(FINISH_OK)
      }
    } catch (e) {
      failed = true
      port.postMessage((e as Error).message)
      settle(FINISH_FAILED)
    }
  })
  Atomics.store(flags, SIGNAL_STARTED, 1)
}

run(workerData as FinishWorkerData)
