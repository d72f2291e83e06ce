/**
 * Runs the test bridge by hand: `node scripts/run-ts.mjs test/bridge/serve.ts [--model PATH]`,
 * then open the printed URL in Chromium to use the built renderer against the real engine.
 * Dialogs: type a path into the terminal to answer the next open dialog.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { startBridge } from './server'

const i = process.argv.indexOf('--model')
const bridge = await startBridge({
  userDataDir: mkdtempSync(join(tmpdir(), 'unweave-bridge-')),
  ...(i > 0 && process.argv[i + 1] ? { modelPath: process.argv[i + 1] } : {}),
  injectClient: true,
})
console.log(`Unweave test bridge: ${bridge.url}`)
console.log(
  'Type an absolute path + Enter to answer the next "Open" dialog (folder dialog: "folder PATH").',
)
createInterface({ input: process.stdin }).on('line', (line) => {
  const t = line.trim()
  if (t.startsWith('folder ')) bridge.dialogs.folder.push(t.slice(7))
  else if (t) bridge.dialogs.open.push(t)
})
process.on('SIGINT', () => void bridge.close().then(() => process.exit(0)))
