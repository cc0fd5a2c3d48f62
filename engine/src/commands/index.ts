// Registers every command family in the table. One import per family file.

import type { CommandTable } from './table.js'
import { connectionCommands } from './connection.js'
import { stringCommands } from './string.js'
import { serverCommands } from './server.js'

export function registerAll(table: CommandTable): void {
  table.register(connectionCommands)
  table.register(stringCommands)
  table.register(serverCommands)
}
