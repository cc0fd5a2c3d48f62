#!/usr/bin/env node
// Standalone Strata server: `strata-server [redis.conf] [--port N --dir D ...]`. Needs the engine
// built (`npm run build:engine`, which `npm run server` does first).
import { runCli } from '../../out/engine/main.js'

runCli(process.argv.slice(2))
