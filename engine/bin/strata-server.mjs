#!/usr/bin/env -S node --no-memory-reducer
// Standalone Strata server: `strata-server [redis.conf] [--port N --dir D ...]`. Needs the engine
// built (`npm run build:engine`, which `npm run server` does first). Launch it with the flags of
// ENGINE_NODE_FLAGS (engine/src/util/heap.ts), as the shebang, `npm run server` and the console do.
const { runCli, useCompactHeap } = await import('../../out/engine/main.js')
// A database keeps a large, long-lived heap: favour a compact heap over fast heap growth
// (measured: RSS of 1 M small keys 255 → 206 MiB, throughput unchanged within noise).
useCompactHeap()
runCli(process.argv.slice(2))
