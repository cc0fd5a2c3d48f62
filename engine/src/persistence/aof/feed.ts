// Feeding the AOF (aof.c's feedAppendOnlyFile): every change the server propagates after a
// command succeeded (write-after-execute; relative TTLs already made absolute by the commands,
// expiry and eviction as DEL, MULTI/EXEC around a command's several ops by Server.call) is
// appended to the buffer in RESP, preceded by SELECT whenever the db differs from the last one
// written to the current incr file. The buffer is written in beforeSleep (fsync.ts).

import type { Client } from '../../server/client.js'
import type { AofState } from './state.js'
import { encodeCommand } from './reader.js'

export function feedAof(st: AofState, dbId: number, argv: readonly string[], c: Client | null): void {
  // While AOF is turned on at run time, changes count only once the first rewrite has started:
  // until then its base will contain them.
  if (st.status === 'off' || st.fd < 0) return
  if (dbId !== st.selectedDb) {
    const db = String(dbId)
    st.buf += '*2\r\n$6\r\nSELECT\r\n$' + db.length + '\r\n' + db + '\r\n'
    st.selectedDb = dbId
  }
  st.buf += encodeCommand(argv)
  if (c !== null) st.writers.add(c)
}
