/**
 * The test bridge's engine process: the same EngineHost the Electron utility process runs, in a
 * forked Node process (results go back through the bridge server, as there is no renderer port).
 */
import { EngineHost } from '../../src/engine-process/engine-host'
import { HOST_CONFIG_ENV, type HostConfig, type ToHost } from '../../src/shared/engine-protocol'

const config = JSON.parse(process.env[HOST_CONFIG_ENV] ?? '{"device":"cpu"}') as HostConfig
const host = new EngineHost({ post: (msg) => process.send?.(msg) }, config)
process.on('message', (msg) => host.handle(msg as ToHost))
process.on('disconnect', () => process.exit(0))
host.start()
