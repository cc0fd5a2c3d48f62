#!/usr/bin/env node
// `strata-check-rdb <file>`: validates an RDB file and prints a summary or the first error with
// its offset. Needs the engine built (`npm run build:engine`, which `npm run check-rdb` does first).
import { runCheckRdb } from '../../out/engine/tools/check-rdb.js'

process.exitCode = runCheckRdb(process.argv.slice(2))
