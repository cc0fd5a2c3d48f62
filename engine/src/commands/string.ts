// String commands (t_string.c): GET/SET and friends over the `int`/`embstr`/`raw` string type.

import type { Client } from '../server/client.js'
import type { Server } from '../server/server.js'
import type { CommandDef } from './table.js'
import { storeString, stringBytes } from '../types/string.js'
import { WRONGTYPE } from '../types/value.js'

const G = 'string'

function get(c: Client, argv: string[]): void {
  const v = c.db.lookupRead(argv[1])
  if (v === undefined) c.nullBulk()
  else if (typeof v === 'object') c.error(WRONGTYPE)
  else c.bulk(typeof v === 'number' ? String(v) : v)
}

function set(c: Client, argv: string[], srv: Server): void {
  if (argv.length !== 3) {
    c.error('ERR syntax error')
    return
  }
  c.db.set(argv[1], storeString(argv[2]))
  srv.dirty++
  srv.notify('$', 'set', argv[1], c.db.id)
  c.ok()
}

export const stringCommands: CommandDef[] = [
  { name: 'get', arity: 2, flags: ['readonly', 'fast'], keys: [1, 1, 1], group: G, handler: get },
  { name: 'set', arity: -3, flags: ['write', 'denyoom'], keys: [1, 1, 1], group: G, handler: set },
]

export { stringBytes }
