// Registers every command family in the table. One import per family file.

import type { CommandTable } from './table.js'
import { connectionCommands } from './connection.js'
import { stringCommands } from './string.js'
import { bitopsCommands } from './bitops.js'
import { serverCommands } from './server.js'
import { keysCommands } from './keys.js'
import { expireCommands } from './expire.js'
import { objectCommands } from './object.js'
import { setCommands } from './set.js'
import { zsetCommands } from './zset.js'
import { sortCommands } from './sort.js'
import { persistenceCommands } from './persistence.js'
import { dumpCommands } from './dump.js'
import { syncCommands } from './sync.js'
import { multiCommands } from './multi.js'
import { pubsubCommands } from './pubsub.js'
import { memoryCommands } from './memory.js'
import { listCommands } from './list.js'
import { hashCommands } from './hash.js'

export function registerAll(table: CommandTable): void {
  table.register(connectionCommands)
  table.register(stringCommands)
  table.register(bitopsCommands)
  table.register(serverCommands)
  table.register(keysCommands)
  table.register(expireCommands)
  table.register(objectCommands)
  table.register(setCommands)
  table.register(zsetCommands)
  table.register(sortCommands)
  table.register(persistenceCommands)
  table.register(dumpCommands)
  table.register(syncCommands)
  table.register(multiCommands)
  table.register(pubsubCommands)
  table.register(memoryCommands)
  table.register(listCommands)
  table.register(hashCommands)
}
