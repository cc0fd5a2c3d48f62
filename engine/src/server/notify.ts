// Keyspace notifications (notify.c): the notify-keyspace-events flag string (parsing, the A alias,
// Redis's canonical spelling for CONFIG GET) and publishing __keyspace@<db>__:<key> <event> and
// __keyevent@<db>__:<event> <key> messages for the classes that are switched on.

import type { Server } from './server.js'
import type { PubSub } from './pubsub.js'

const KEYSPACE = 1 << 0
const KEYEVENT = 1 << 1
/** Event class characters in the order Redis prints them (keyspaceEventsFlagsToString). */
const CLASSES = 'g$lshzxetdn'
const CLASS_BIT: Record<string, number> = {}
for (let i = 0; i < CLASSES.length; i++) CLASS_BIT[CLASSES[i]] = 1 << (i + 2)
const KEY_MISS = 1 << (CLASSES.length + 2)
CLASS_BIT.m = KEY_MISS
/** 'A': every class except key-miss (m) and new-key (n) events. */
const ALL = [...'g$lshzxetd'].reduce((m, ch) => m | CLASS_BIT[ch], 0)

/** CLASS_BIT by character code: the early filter runs for every new and every evicted key. */
const BIT_BY_CODE = new Int32Array(128)
for (const ch of Object.keys(CLASS_BIT)) BIT_BY_CODE[ch.charCodeAt(0)] = CLASS_BIT[ch]

/** The flag bit of an event class character (0 for none), for the server's early filter. */
export function eventClassBit(cls: string): number {
  const code = cls.charCodeAt(0)
  return code < 128 ? BIT_BY_CODE[code] : 0
}

/** keyspaceEventsStringToFlags: the bit set, or null for an unknown character. */
export function parseKeyspaceEvents(s: string): number | null {
  let flags = 0
  for (const ch of s) {
    if (ch === 'A') flags |= ALL
    else if (ch === 'K') flags |= KEYSPACE
    else if (ch === 'E') flags |= KEYEVENT
    else if (CLASS_BIT[ch] !== undefined) flags |= CLASS_BIT[ch]
    else return null
  }
  return flags
}

/**
 * keyspaceEventsFlagsToString: the canonical spelling CONFIG GET shows ("KEA" → "AKE"). One
 * deliberate difference: Redis drops `n` after `A` in this text (A excludes n), which loses new-key
 * events on CONFIG REWRITE; the config here keeps only this text, so "An" keeps the n.
 */
export function formatKeyspaceEvents(flags: number): string {
  let out = ''
  if ((flags & ALL) === ALL) out += (flags & CLASS_BIT.n) !== 0 ? 'An' : 'A'
  else for (const ch of CLASSES) if (flags & CLASS_BIT[ch]) out += ch
  if (flags & KEYSPACE) out += 'K'
  if (flags & KEYEVENT) out += 'E'
  if (flags & KEY_MISS) out += 'm'
  return out
}

/** Publishes the server's keyspace events into pub/sub according to notify-keyspace-events. */
export class KeyspaceNotifier {
  private flags = 0

  constructor(
    srv: Server,
    private readonly pubsub: PubSub,
  ) {
    this.configure(srv.config.get('notify-keyspace-events'))
    srv.config.onChange((name, value) => {
      if (name === 'notify-keyspace-events') this.configure(value)
    })
    srv.hooks.notify.push((cls, event, key, dbId) => this.notify(cls, event, key, dbId))
  }

  private configure(value: string): void {
    this.flags = parseKeyspaceEvents(value) ?? 0
  }

  /** notifyKeyspaceEvent: Server.notify already dropped classes that are off; K and E pick the channels. */
  notify(_cls: string, event: string, key: string, dbId: number): void {
    if (this.flags & KEYSPACE) this.pubsub.publish(`__keyspace@${dbId}__:${key}`, event)
    if (this.flags & KEYEVENT) this.pubsub.publish(`__keyevent@${dbId}__:${event}`, key)
  }
}
