#!/usr/bin/env node
// Standalone Strata server: `strata-server [redis.conf] [--port N --dir D ...]`. Needs the engine
// built (`npm run build:engine`, which `npm run server` does first).
const { runCli, useCompactHeap } = await import('../../out/engine/main.js')
// A database keeps a large, long-lived heap: favour a compact heap over fast heap growth
// (measured: RSS of 1 M small keys 255 → 206 MiB, throughput unchanged within noise).
useCompactHeap()
runCli(process.argv.slice(2))
