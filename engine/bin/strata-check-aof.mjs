#!/usr/bin/env node
// `strata-check-aof [--fix] <manifest|file>`: checks a multi-part AOF (through its manifest) or a
// single AOF file like redis-check-aof, and with --fix truncates a torn last file after asking.
// Needs the engine built (`npm run build:engine`, which `npm run check-aof` does first).
import { runCheckAof } from '../../out/engine/tools/check-aof.js'

process.exitCode = runCheckAof(process.argv.slice(2))
