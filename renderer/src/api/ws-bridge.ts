// The browser transport: a StrataBridge over the web host's WebSocket (`/api?token=…`, the token
// taken from the page URL). Reconnects after a drop; calls made while disconnected wait for it.

import type { Envelope, EventName, MethodName, StrataBridge } from '../../../main/api/contract'

interface Pending {
  resolve: (e: Envelope) => void
}

export function createWsBridge(pageUrl: string, WS: typeof WebSocket = WebSocket): StrataBridge {
  const url = new URL(pageUrl)
  const token = url.searchParams.get('token') ?? ''
  const wsUrl = `ws://${url.host}/api?token=${encodeURIComponent(token)}`
  const pending = new Map<number, Pending>()
  const listeners = new Map<string, Set<(p: unknown) => void>>()
  const queue: string[] = []
  let nextId = 1
  let ws: WebSocket
  let delay = 250

  const connect = () => {
    ws = new WS(wsUrl)
    ws.onopen = () => {
      delay = 250
      for (const m of queue.splice(0)) ws.send(m)
    }
    ws.onmessage = (ev) => {
      const msg = JSON.parse(String(ev.data)) as { id?: number; event?: string; payload?: unknown } & Envelope
      if (msg.event) {
        for (const l of listeners.get(msg.event) ?? []) l(msg.payload)
        return
      }
      const p = pending.get(msg.id!)
      if (!p) return
      pending.delete(msg.id!)
      p.resolve(msg.ok ? { ok: true, result: msg.result } : { ok: false, error: msg.error })
    }
    ws.onclose = () => {
      // Calls in flight are lost with the socket: fail them rather than hang.
      for (const [id, p] of pending) {
        pending.delete(id)
        p.resolve({ ok: false, error: { code: 'failed', message: 'Lost the connection to the Strata host' } })
      }
      setTimeout(connect, delay)
      delay = Math.min(delay * 2, 5000)
    }
  }
  connect()

  return {
    call(method: MethodName, args: unknown) {
      const id = nextId++
      const text = JSON.stringify({ id, method, args })
      return new Promise<Envelope>((resolve) => {
        pending.set(id, { resolve })
        if (ws.readyState === WS.OPEN) ws.send(text)
        else queue.push(text)
      })
    },
    on(event: EventName, listener: (p: unknown) => void) {
      let set = listeners.get(event)
      if (!set) listeners.set(event, (set = new Set()))
      set.add(listener)
      return () => void set.delete(listener)
    },
  }
}
