// Pub/sub commands: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, PUBLISH and PUBSUB
// CHANNELS|NUMSUB|NUMPAT|HELP (the state lives in server/pubsub.ts).

import type { CommandDef } from './table.js'
import { pubsubOf } from '../server/pubsub.js'
import { globMatch } from '../util/glob.js'
import { replyHelp } from './connection.js'

const G = 'pubsub'
const SUB_FLAGS = ['pubsub', 'noscript', 'loading', 'stale'] as const

const PUBSUB_HELP = [
  'PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CHANNELS [<pattern>]',
  "    Return the currently active channels matching a <pattern> (default: '*').",
  'NUMPAT',
  '    Return number of subscriptions to patterns.',
  'NUMSUB [<channel> ...]',
  '    Return the number of subscribers for the specified channels, excluding',
  '    pattern subscriptions(default: no channels).',
  'HELP',
  '    Prints this help.',
]

export const pubsubCommands: CommandDef[] = [
  {
    name: 'subscribe',
    arity: -2,
    flags: SUB_FLAGS,
    group: G,
    since: '2.0.0',
    summary: 'Listen for messages published to the given channels',
    handler: (c, argv, srv) => pubsubOf(srv).subscribe(c, 'channel', argv.slice(1)),
  },
  {
    name: 'unsubscribe',
    arity: -1,
    flags: SUB_FLAGS,
    group: G,
    since: '2.0.0',
    summary: 'Stop listening for messages posted to the given channels',
    handler: (c, argv, srv) => pubsubOf(srv).unsubscribe(c, 'channel', argv.slice(1)),
  },
  {
    name: 'psubscribe',
    arity: -2,
    flags: SUB_FLAGS,
    group: G,
    since: '2.0.0',
    summary: 'Listen for messages published to channels matching the given patterns',
    handler: (c, argv, srv) => pubsubOf(srv).subscribe(c, 'pattern', argv.slice(1)),
  },
  {
    name: 'punsubscribe',
    arity: -1,
    flags: SUB_FLAGS,
    group: G,
    since: '2.0.0',
    summary: 'Stop listening for messages posted to channels matching the given patterns',
    handler: (c, argv, srv) => pubsubOf(srv).unsubscribe(c, 'pattern', argv.slice(1)),
  },
  {
    name: 'publish',
    arity: 3,
    flags: ['pubsub', 'loading', 'stale', 'fast', 'may_replicate'],
    group: G,
    since: '2.0.0',
    summary: 'Post a message to a channel',
    handler: (c, argv, srv) => {
      const n = pubsubOf(srv).publish(argv[1], argv[2])
      c.int(n)
    },
  },
  {
    name: 'pubsub',
    arity: -2,
    group: G,
    since: '2.8.0',
    summary: 'A container for Pub/Sub commands',
    subcommands: [
      {
        name: 'channels',
        arity: -2,
        flags: ['pubsub', 'loading', 'stale'],
        group: G,
        handler: (c, argv, srv) => {
          if (argv.length > 3) {
            c.error(`ERR unknown subcommand or wrong number of arguments for '${argv[1]}'. Try PUBSUB HELP.`)
            return
          }
          const pattern = argv[2]
          const names = [...pubsubOf(srv).channels.keys()].filter(
            (ch) => pattern === undefined || globMatch(pattern, ch),
          )
          c.bulks(names)
        },
      },
      {
        name: 'numsub',
        arity: -2,
        flags: ['pubsub', 'loading', 'stale'],
        group: G,
        handler: (c, argv, srv) => {
          const channels = pubsubOf(srv).channels
          c.arrayLen((argv.length - 2) * 2)
          for (const ch of argv.slice(2)) {
            c.bulk(ch)
            c.int(channels.get(ch)?.size ?? 0)
          }
        },
      },
      {
        name: 'numpat',
        arity: 2,
        flags: ['pubsub', 'loading', 'stale'],
        group: G,
        handler: (c, _argv, srv) => c.int(pubsubOf(srv).patterns.size),
      },
      {
        name: 'help',
        arity: 2,
        flags: ['loading', 'stale'],
        group: G,
        handler: (c) => replyHelp(c, PUBSUB_HELP),
      },
    ],
  },
]
