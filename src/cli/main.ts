/**
 * Entry of the `unweave` command (bundled to out/cli/unweave.mjs by scripts/build-cli.mjs and
 * started by bin/unweave.js). `run(argv)` returns the exit code: 0 ok, 2 usage, 3 input, 4 model,
 * 5 output, 1 unexpected (a bug), 130 interrupted.
 */
import { isUnweaveError } from '../shared/errors'
import { HELP, parseCommandLine, type Command } from './args'
import { runProjectExport } from './project'
import { runSeparate, type CliIo } from './separate'

declare const __UNWEAVE_VERSION__: string | undefined

function version(): string {
  return typeof __UNWEAVE_VERSION__ === 'string' ? __UNWEAVE_VERSION__ : 'dev'
}

async function runDevices(json: boolean, io: CliIo): Promise<number> {
  const { listDevices, autoOrder } = await import('../node/index')
  const devices = await listDevices()
  if (json) {
    io.stdout.write(JSON.stringify({ devices, autoOrder: autoOrder() }) + '\n')
    return 0
  }
  const auto = autoOrder().find((d) => devices.find((r) => r.device === d)?.available) ?? 'none'
  const lines = devices.map(
    (d) =>
      `  ${d.device.padEnd(9)} ${d.available ? 'available' : 'not available'}${d.reason ? `: ${d.reason}` : ''}`,
  )
  io.stdout.write(
    `Inference devices (onnxruntime execution providers):\n${lines.join('\n')}\n--device auto uses: ${auto}\n`,
  )
  return 0
}

const noop = (): void => undefined
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const

/** Runs the command line; never throws. */
export async function run(
  argv: string[],
  io: CliIo = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const controller = new AbortController()
  let interrupted = false
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted) process.exit(130) // second Ctrl-C: leave now (temp files are hidden *.part)
    interrupted = true
    // After SIGHUP the terminal is gone: a write to it fails (EIO), which must not stop the clean-up.
    if (signal === 'SIGHUP') for (const s of [process.stdout, process.stderr]) s.on('error', noop)
    io.stderr.write('\nunweave: interrupted, cleaning up…\n')
    controller.abort(new Error('interrupted'))
  }
  // SIGHUP (the terminal closed) is an interruption like Ctrl-C: clean up, leave nothing behind.
  SIGNALS.forEach((s) => process.on(s, onSignal))
  let cmd: Command | undefined
  try {
    cmd = parseCommandLine(argv)
    switch (cmd.command) {
      case 'help':
        io.stdout.write(HELP)
        return 0
      case 'version':
        io.stdout.write(`unweave ${version()}\n`)
        return 0
      case 'devices':
        return await runDevices(cmd.json, io)
      case 'separate':
        return await runSeparate(cmd, io, controller.signal)
      case 'separate-project':
        return await runProjectExport(cmd, io, controller.signal)
    }
  } catch (e) {
    if (interrupted) {
      io.stderr.write('unweave: interrupted; no stems were written.\n')
      return 130
    }
    if (isUnweaveError(e)) {
      io.stderr.write(`unweave: ${e.message}\n`)
      if (e.exitCode === 2 && !/--help/.test(e.message))
        io.stderr.write(`Run 'unweave --help' for usage.\n`)
      return e.exitCode
    }
    const err = e as Error
    io.stderr.write(`unweave: unexpected error: ${err?.message ?? String(e)}\n`)
    if (process.env.UNWEAVE_DEBUG) io.stderr.write(`${err?.stack ?? ''}\n`)
    else
      io.stderr.write(
        'This is a bug; please report it with the command line (set UNWEAVE_DEBUG=1 for details).\n',
      )
    return 1
  } finally {
    SIGNALS.forEach((s) => process.off(s, onSignal))
  }
}
