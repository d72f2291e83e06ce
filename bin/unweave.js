#!/usr/bin/env node
// Launcher of the `unweave` command: runs the bundle made by `npm run build:cli`.
import { existsSync } from 'node:fs'

const major = Number(process.versions.node.split('.')[0])
if (major < 20) {
  console.error(`unweave: needs Node.js 20 or newer; this is ${process.versions.node}.`)
  process.exit(1)
}
const bundle = new URL('../out/cli/unweave.mjs', import.meta.url)
if (!existsSync(bundle)) {
  console.error('unweave: the command line is not built yet. Run: npm run build:cli')
  process.exit(1)
}
const { run } = await import(bundle.href)
process.exitCode = await run(process.argv.slice(2))
