/** EngineTransport over a forked Node process (the bridge's stand-in for Electron's utilityProcess). */
import { fork } from 'node:child_process'
import type { EngineTransport } from '../../src/main/engine-client'
import { HOST_CONFIG_ENV, type FromHost, type HostConfig } from '../../src/shared/engine-protocol'

/** Starts `entry` (a bundled engine-process.ts) with `config`. */
export function forkTransport(entry: string, config: HostConfig): EngineTransport {
  const child = fork(entry, [], {
    // Structured clone over the IPC pipe, like Electron's ports: typed arrays arrive as typed arrays.
    serialization: 'advanced',
    env: { ...process.env, [HOST_CONFIG_ENV]: JSON.stringify(config) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: [],
  })
  let onExit: ((reason: string) => void) | undefined
  let exited = false
  child.on('exit', (code, signal) => {
    exited = true
    onExit?.(signal ? `killed by ${signal}` : `exit code ${code}`)
  })
  child.on('error', () => undefined) // 'exit' follows and reports
  return {
    send: (msg) => {
      if (!exited && child.connected) child.send(msg)
      else throw new Error('the engine process is not running')
    },
    onMessage: (listener) => child.on('message', (m) => listener(m as FromHost)),
    onExit: (listener) => {
      onExit = listener
    },
    kill: () => {
      if (!exited) child.kill('SIGKILL')
    },
  }
}
