// A Node client for the web host's WebSocket API (what the browser bridge speaks), for tests that
// check the host itself: token gating, validation, engine status.

import WebSocket from 'ws'
import type { Envelope, Events } from '../../main/api/contract.js'

export interface ApiClient {
  call(method: string, args?: unknown): Promise<Envelope>
  events: { event: keyof Events; payload: unknown }[]
  close(): void
}

export function connectApi(port: number, token: string, origin = `http://127.0.0.1:${port}`): Promise<ApiClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api?token=${encodeURIComponent(token)}`, { origin })
    const waiting = new Map<number, (e: Envelope) => void>()
    const events: ApiClient['events'] = []
    let next = 1
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { id?: number; event?: keyof Events; payload?: unknown } & Envelope
      if (msg.event) events.push({ event: msg.event, payload: msg.payload })
      else waiting.get(msg.id!)?.(msg)
    })
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
    ws.once('error', reject)
    ws.once('open', () =>
      resolve({
        events,
        call: (method, args = {}) =>
          new Promise((res) => {
            const id = next++
            waiting.set(id, res)
            ws.send(JSON.stringify({ id, method, args }))
          }),
        close: () => ws.close(),
      }),
    )
  })
}
