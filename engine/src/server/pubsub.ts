// Publish/subscribe (pubsub.c): channel and pattern subscriptions per server and per client,
// message delivery in RESP2 array and RESP3 push shapes, the RESP2 subscribed-context restriction,
// and clean-up when a client disconnects or RESETs.

import type { Client } from './client.js'
import type { CommandInterceptor, Server } from './server.js'
import { globMatch } from '../util/glob.js'
import { KeyspaceNotifier } from './notify.js'

/** Commands a RESP2 client may still send while subscribed. */
const SUBSCRIBED_CONTEXT_ALLOWED = new Set([
  'ping',
  'subscribe',
  'unsubscribe',
  'psubscribe',
  'punsubscribe',
  'ssubscribe',
  'sunsubscribe',
  'quit',
  'reset',
])

type Kind = 'channel' | 'pattern'

/**
 * Client fields: `c.ext.channels` and `c.ext.patterns` (Sets, read by CLIENT LIST sub=/psub=) and
 * `c.ext.pubsub` (the CLIENT_PUBSUB flag: idle timeout exemption, CLIENT LIST/KILL type pubsub).
 */
export class PubSub {
  /** channel → subscribers in subscription order. */
  readonly channels = new Map<string, Set<Client>>()
  /** pattern → subscribers. */
  readonly patterns = new Map<string, Set<Client>>()
  readonly guard: CommandInterceptor

  constructor(private readonly srv: Server) {
    this.guard = (c, cmd) => {
      if (c.ext.pubsub !== true || c.resp !== 2 || SUBSCRIBED_CONTEXT_ALLOWED.has(cmd.name)) return false
      srv.reject(
        c,
        cmd,
        `ERR Can't execute '${cmd.name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
      )
      return true
    }
    srv.hooks.interceptors.unshift(this.guard)
    srv.hooks.clientClosed.push((c) => this.unsubscribeAll(c))
    srv.pubsubCounts = () => ({ channels: this.channels.size, patterns: this.patterns.size })
    // Keyspace events can only be seen by subscribers, so the notifier starts with pub/sub.
    new KeyspaceNotifier(srv, this)
  }

  /** Total subscriptions of c (the count every (un)subscribe confirmation carries). */
  count(c: Client): number {
    return clientSet(c, 'channel').size + clientSet(c, 'pattern').size
  }

  subscribe(c: Client, kind: Kind, names: readonly string[]): void {
    const mine = clientSet(c, kind)
    const all = kind === 'channel' ? this.channels : this.patterns
    for (const name of names) {
      if (!mine.has(name)) {
        mine.add(name)
        let subs = all.get(name)
        if (subs === undefined) {
          subs = new Set()
          all.set(name, subs)
        }
        subs.add(c)
      }
      this.confirm(c, kind === 'channel' ? 'subscribe' : 'psubscribe', name)
    }
    c.ext.pubsub = true
  }

  /** UNSUBSCRIBE/PUNSUBSCRIBE: the given names, or every subscription of that kind when none. */
  unsubscribe(c: Client, kind: Kind, names: readonly string[]): void {
    const mine = clientSet(c, kind)
    const event = kind === 'channel' ? 'unsubscribe' : 'punsubscribe'
    const list = names.length > 0 ? names : [...mine]
    if (list.length === 0) this.confirm(c, event, null)
    for (const name of list) {
      this.drop(c, kind, name)
      this.confirm(c, event, name)
    }
    if (this.count(c) === 0) delete c.ext.pubsub
  }

  private drop(c: Client, kind: Kind, name: string): void {
    if (!clientSet(c, kind).delete(name)) return
    const all = kind === 'channel' ? this.channels : this.patterns
    const subs = all.get(name)
    if (subs === undefined) return
    subs.delete(c)
    if (subs.size === 0) all.delete(name)
  }

  /** Silent removal of every subscription (disconnect, RESET). */
  unsubscribeAll(c: Client): void {
    for (const ch of [...clientSet(c, 'channel')]) this.drop(c, 'channel', ch)
    for (const p of [...clientSet(c, 'pattern')]) this.drop(c, 'pattern', p)
    delete c.ext.pubsub
  }

  private confirm(c: Client, event: string, name: string | null): void {
    c.pushLen(3)
    c.bulk(event)
    c.bulkOrNull(name)
    c.int(this.count(c))
  }

  /** pubsubPublishMessage: delivers to channel subscribers, then pattern subscribers; returns receivers. */
  publish(channel: string, message: string): number {
    let n = 0
    const subs = this.channels.get(channel)
    if (subs !== undefined) {
      for (const c of subs) {
        c.pushLen(3)
        c.bulk('message')
        c.bulk(channel)
        c.bulk(message)
        this.srv.queueReply(c)
        n++
      }
    }
    for (const [pattern, clients] of this.patterns) {
      if (!globMatch(pattern, channel)) continue
      for (const c of clients) {
        c.pushLen(4)
        c.bulk('pmessage')
        c.bulk(pattern)
        c.bulk(channel)
        c.bulk(message)
        this.srv.queueReply(c)
        n++
      }
    }
    return n
  }
}

function clientSet(c: Client, kind: Kind): Set<string> {
  const field = kind === 'channel' ? 'channels' : 'patterns'
  let s = c.ext[field] as Set<string> | undefined
  if (s === undefined) {
    s = new Set()
    c.ext[field] = s
  }
  return s
}

const instances = new WeakMap<Server, PubSub>()

/** The server's pub/sub state, created (and hooked in) by the first pub/sub command. */
export function pubsubOf(srv: Server): PubSub {
  let p = instances.get(srv)
  if (p === undefined) {
    p = new PubSub(srv)
    instances.set(srv, p)
  }
  return p
}

/** The RESP2 subscribed-context check, if pub/sub is in use (it must run before MULTI queuing). */
export function pubsubGuardOf(srv: Server): CommandInterceptor | undefined {
  return instances.get(srv)?.guard
}
