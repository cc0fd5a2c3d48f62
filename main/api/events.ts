// The event hub: services emit contract events here; each transport (IPC window, WebSocket
// clients) subscribes once and forwards every event to its side.

import type { EventName, Events } from './contract.js'

export type EventListener = <E extends EventName>(event: E, payload: Events[E]) => void

export class EventHub {
  private readonly listeners = new Set<EventListener>()

  emit<E extends EventName>(event: E, payload: Events[E]): void {
    for (const l of this.listeners) l(event, payload)
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
}
