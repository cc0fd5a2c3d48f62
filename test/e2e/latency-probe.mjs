// Another client of a Redis-protocol server, in a process of its own: `node latency-probe.mjs PORT
// KEY` sends one GET KEY every 2 ms on its own connection while measuring, and answers the parent's
// 'stop' message with the round trips (ms) it saw since its 'start'. Apart from the test runner, so
// the runner's own work (the browser protocol, screenshots, its GC) is not taken for server latency.

import { connect } from 'node:net'

const [port, key] = process.argv.slice(2)
const request = `*2\r\n$3\r\nGET\r\n$${Buffer.byteLength(key)}\r\n${key}\r\n`
const sock = connect({ port: Number(port), host: '127.0.0.1' })
sock.setNoDelay(true)

let measuring = false
let latencies = []
let pending = Buffer.alloc(0)
let sentAt = 0
/** Resolves with the reply once it is complete. */
let onReply = null

/** The length of the complete reply at the start of buf, or 0 while it is incomplete. */
function replyLength(buf) {
  const eol = buf.indexOf('\r\n')
  if (eol < 0) return 0
  if (buf[0] !== 0x24) return eol + 2 // a status, error or integer line
  const n = Number(buf.subarray(1, eol).toString())
  const total = n < 0 ? eol + 2 : eol + 2 + n + 2
  return buf.length >= total ? total : 0
}

sock.on('data', (d) => {
  pending = Buffer.concat([pending, d])
  const n = replyLength(pending)
  if (n === 0) return
  const reply = pending.subarray(0, n)
  pending = pending.subarray(n)
  onReply?.(reply)
})
sock.on('error', (e) => {
  process.send({ error: e.message })
  process.exit(1)
})

async function loop() {
  while (measuring) {
    const reply = await new Promise((resolve) => {
      onReply = resolve
      sentAt = performance.now()
      sock.write(request)
    })
    latencies.push(performance.now() - sentAt)
    if (reply[0] === 0x2d) {
      process.send({ error: reply.toString().trim() })
      process.exit(1)
    }
    await new Promise((r) => setTimeout(r, 2))
  }
}

let running = null
process.on('message', async (m) => {
  if (m === 'start') {
    latencies = []
    measuring = true
    running = loop()
  } else if (m === 'stop') {
    measuring = false
    await running
    process.send({ latencies })
  }
})
sock.on('connect', () => process.send({ ready: true }))
