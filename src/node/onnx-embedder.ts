/**
 * The Embedder on onnxruntime-node. onnxruntime-node is imported lazily,
 * so a broken native library disables separation instead of the whole app. Device 'auto' tries the
 * platform's accelerator (CUDA on Linux, DirectML on Windows, CoreML on macOS), then the CPU, and
 * reports which provider it used and why the others were not.
 */
import { availableParallelism } from 'node:os'
import type { Embedder } from '../engine/index'
import { ModelError } from '../shared/errors'
import type { ModelMetadata } from '../shared/model'

/** What the user may ask for. */
export type DeviceChoice = 'auto' | 'cpu' | 'cuda' | 'directml' | 'coreml'
/** Concrete devices (no 'auto'). */
export type Device = Exclude<DeviceChoice, 'auto'>

/** Whether a device's execution provider loads here, and why not. */
export interface DeviceReport {
  device: Device
  /** onnxruntime execution provider name. */
  provider: string
  available: boolean
  /** Why it is not available (absent when it is). */
  reason?: string
}

/** Options of createOnnxEmbedder(). */
export interface OnnxEmbedderOptions {
  device: DeviceChoice
  /** Intra-op threads for the CPU provider; default: all cores the OS gives this process. */
  threads?: number
}

/** The result of createOnnxEmbedder(). */
export interface OnnxEmbedderHandle {
  embedder: Embedder
  /** The device actually used. */
  provider: Device
  /** One line per device tried and not used, saying why; plus other observations. */
  notes: string[]
}

type Ort = typeof import('onnxruntime-node')
type Session = Awaited<ReturnType<Ort['InferenceSession']['create']>>

const EP: Record<Device, string> = { cpu: 'cpu', cuda: 'cuda', directml: 'dml', coreml: 'coreml' }

/** Devices onnxruntime-node's prebuilt packages can offer on this platform. */
const PLATFORM_DEVICE: Partial<Record<NodeJS.Platform, Device>> = {
  linux: 'cuda',
  win32: 'directml',
  darwin: 'coreml',
}

/** Order in which 'auto' tries devices on this platform. */
export function autoOrder(platform: NodeJS.Platform = process.platform): Device[] {
  const acc = PLATFORM_DEVICE[platform]
  return acc ? [acc, 'cpu'] : ['cpu']
}

let ortPromise: Promise<Ort> | undefined

/** Imports onnxruntime-node once; a failure becomes a ModelError that says what to do. */
async function loadOrt(): Promise<Ort> {
  ortPromise ??= (async () => {
    try {
      const mod = (await import('onnxruntime-node')) as Ort & { default?: Ort }
      const ort = (mod.InferenceSession ? mod : mod.default) as Ort
      try {
        ort.env.logLevel = 'fatal'
      } catch {
        // older versions: ignore
      }
      return ort
    } catch (e) {
      ortPromise = undefined
      throw new ModelError(
        `the ONNX runtime (onnxruntime-node) could not be loaded: ${firstLine(e)}. Reinstall Unweave's dependencies (npm install) on this machine.`,
        { cause: e },
      )
    }
  })()
  return ortPromise
}

function firstLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e)
  return m.split('\n')[0].replace(/\s+/g, ' ').trim().slice(0, 300)
}

/** Why `device` cannot be used on this platform at all (undefined if it might). */
function platformReason(
  device: Device,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  if (device === 'cpu') return undefined
  if (device === 'cuda' && platform !== 'linux') {
    return platform === 'win32'
      ? 'the prebuilt Windows onnxruntime-node has no CUDA provider (use directml)'
      : 'CUDA is only offered on Linux x64 by onnxruntime-node'
  }
  if (device === 'directml' && platform !== 'win32') return 'DirectML exists only on Windows'
  if (device === 'coreml' && platform !== 'darwin') return 'CoreML exists only on macOS'
  return undefined
}

/** Explains a provider failure in the user's terms. */
function explain(device: Device, e: unknown): string {
  const msg = firstLine(e)
  if (
    device === 'cuda' &&
    /shared library|libcu|cudnn|providers_shared|providers_cuda/i.test(msg)
  ) {
    return `the CUDA provider libraries are not installed (install them with: ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js; needs an NVIDIA driver with CUDA 12 and cuDNN 9) [${msg}]`
  }
  if (/backend not found/i.test(msg))
    return `this onnxruntime-node build has no ${EP[device]} provider [${msg}]`
  return msg
}

function sessionOptions(device: Device, threads: number): Record<string, unknown> {
  return {
    executionProviders: [EP[device]],
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: device === 'cpu' ? threads : 1,
    interOpNumThreads: 1,
    logSeverityLevel: 4,
    enableCpuMemArena: true,
  }
}

/** A tiny valid ONNX graph (y = x * I, 1x4) for probing providers without a model. */
const PROBE_MODEL =
  'CAc6kQEKEQoBeAoBdxIBeSIGTWF0TXVsEgVwcm9iZSpLCAQIBBABIkAAAIA/AAAAAAAAAAAAAAAAAAAAAAAAgD8AAAAAAAAAAAAAAAAAAAAAAACAPwAAAAAAAAAAAAAAAAAAAAAAAIA/QgF3WhMKAXgSDgoMCAESCAoCCAEKAggEYhMKAXkSDgoMCAESCAoCCAEKAggEQgQKABAN'

/** Which execution providers load here, and why the others do not (`unweave devices`). */
export async function listDevices(): Promise<DeviceReport[]> {
  const devices: Device[] = ['cpu', 'cuda', 'directml', 'coreml']
  let ort: Ort
  try {
    ort = await loadOrt()
  } catch (e) {
    return devices.map((device) => ({
      device,
      provider: EP[device],
      available: false,
      reason: (e as Error).message,
    }))
  }
  const model = Buffer.from(PROBE_MODEL, 'base64')
  const out: DeviceReport[] = []
  for (const device of devices) {
    const why = platformReason(device)
    if (why) {
      out.push({ device, provider: EP[device], available: false, reason: why })
      continue
    }
    try {
      const s = await ort.InferenceSession.create(model, sessionOptions(device, 1) as never)
      const r = await s.run({
        x: new ort.Tensor('float32', new Float32Array([1, 2, 3, 4]), [1, 4]),
      })
      const y = r.y?.data as Float32Array | undefined
      await s.release?.()
      if (!y || y[3] !== 4) throw new Error('probe inference returned a wrong result')
      out.push({ device, provider: EP[device], available: true })
    } catch (e) {
      out.push({ device, provider: EP[device], available: false, reason: explain(device, e) })
    }
  }
  return out
}

/** Dims of a graph input/output as onnxruntime reports them (numbers, or names for symbolic dims). */
function dimsOf(
  session: Session,
  name: string,
  which: 'input' | 'output',
): readonly (number | string)[] | undefined {
  const meta = (which === 'input' ? session.inputMetadata : session.outputMetadata) as unknown
  if (!Array.isArray(meta)) return undefined
  const m = (
    meta as { name: string; isTensor?: boolean; shape?: readonly (number | string)[] }[]
  ).find((x) => x.name === name)
  return m?.shape
}

/** Checks the graph's names and dims against the metadata; throws ModelError naming expected and actual. */
function checkSignature(session: Session, md: ModelMetadata, onnxPath: string): void {
  const problems: string[] = []
  const names = { input: session.inputNames, output: session.outputNames }
  const has = {
    input: names.input.includes(md.io.input),
    output: names.output.includes(md.io.output),
  }
  for (const which of ['input', 'output'] as const) {
    if (!has[which])
      problems.push(
        `${which} name expected "${md.io[which]}" (io.${which}), the graph has ${JSON.stringify(names[which])}`,
      )
  }
  /** The dims of the graph's input or output, when it has it with one dim per axis. */
  const ranked = (which: 'input' | 'output', axes: string[]) => {
    const d = has[which] ? dimsOf(session, md.io[which], which) : undefined
    if (!d || d.length === axes.length) return d
    problems.push(
      `${which} rank expected ${axes.length} [${axes.join(', ')}], got ${d.length} ${JSON.stringify(d)}`,
    )
    return undefined
  }
  const fixed = (d: number | string | undefined): d is number => typeof d === 'number' && d > 0
  const inDims = ranked('input', ['batch', 'frames', 'bins'])
  if (inDims && fixed(inDims[2]) && inDims[2] !== md.bins)
    problems.push(`input bins expected ${md.bins} (bins), got ${inDims[2]}`)
  const outDims = ranked('output', ['batch', 'frames', 'bins', 'dim'])
  if (outDims && fixed(outDims[2]) && outDims[2] !== md.bins)
    problems.push(`output bins expected ${md.bins} (bins), got ${outDims[2]}`)
  if (outDims && fixed(outDims[3]) && outDims[3] !== md.embeddingDim)
    problems.push(`embedding size expected ${md.embeddingDim} (embeddingDim), got ${outDims[3]}`)
  if (problems.length) {
    throw new ModelError(
      `the model graph ${onnxPath} does not match its metadata: ${problems.join('; ')}. The .onnx and .json must come from the same export.`,
    )
  }
}

/** The Embedder over one onnxruntime session; runs are serialised. */
class OnnxEmbedder implements Embedder {
  readonly dim: number
  #queue: Promise<unknown> = Promise.resolve()
  #session: Session | undefined

  constructor(
    private readonly ort: Ort,
    session: Session,
    private readonly md: ModelMetadata,
  ) {
    this.#session = session
    this.dim = md.embeddingDim
  }

  embed(
    features: Float32Array,
    batch: number,
    frames: number,
    bins: number,
  ): Promise<Float32Array> {
    const run = async (): Promise<Float32Array> => {
      const session = this.#session
      if (!session) throw new Error('the embedder has been disposed')
      if (bins !== this.md.bins)
        throw new ModelError(`features have ${bins} bins; the model expects ${this.md.bins}`)
      if (features.length !== batch * frames * bins) {
        throw new Error(
          `features hold ${features.length} values, expected batch*frames*bins = ${batch * frames * bins}`,
        )
      }
      const input = new this.ort.Tensor('float32', features, [batch, frames, bins])
      let result: Record<string, { data: unknown; dims: readonly number[]; dispose?: () => void }>
      try {
        result = (await session.run({ [this.md.io.input]: input })) as never
      } catch (e) {
        throw new ModelError(
          `the model failed to run on a [${batch}, ${frames}, ${bins}] input: ${firstLine(e)}`,
          { cause: e },
        )
      }
      const out = result[this.md.io.output]
      const want = batch * frames * bins * this.dim
      const data = out?.data
      if (!(data instanceof Float32Array) || data.length !== want) {
        const got = out ? `${JSON.stringify(out.dims)}` : 'nothing'
        throw new ModelError(
          `the model's output "${this.md.io.output}" expected float32 [${batch}, ${frames}, ${bins}, ${this.dim}], got ${got}. The .onnx and .json must come from the same export.`,
        )
      }
      return data
    }
    const p = this.#queue.then(run, run)
    this.#queue = p.catch(() => undefined)
    return p
  }

  async dispose(): Promise<void> {
    const s = this.#session
    this.#session = undefined
    await this.#queue.catch(() => undefined)
    await s?.release?.()
  }
}

/**
 * Creates the Embedder for `onnxPath`. With device 'auto' it tries the platform accelerator, then
 * the CPU; an explicit device that cannot load is a ModelError (exit 4) with the reason.
 */
export async function createOnnxEmbedder(
  onnxPath: string,
  metadata: ModelMetadata,
  opts: OnnxEmbedderOptions = { device: 'auto' },
): Promise<OnnxEmbedderHandle> {
  const ort = await loadOrt()
  const threads = Math.max(1, opts.threads ?? availableParallelism())
  const order: Device[] = opts.device === 'auto' ? autoOrder() : [opts.device]
  const notes: string[] = []
  if (opts.device === 'auto') {
    for (const d of ['cuda', 'directml', 'coreml'] as const) {
      const why = platformReason(d)
      if (why && !order.includes(d)) notes.push(`${d}: not tried: ${why}`)
    }
  }
  for (const device of order) {
    const why = platformReason(device)
    if (why) {
      if (opts.device !== 'auto')
        throw new ModelError(`device ${device} is not available: ${why}. Use --device auto or cpu.`)
      notes.push(`${device}: not used: ${why}`)
      continue
    }
    let session: Session
    try {
      session = await ort.InferenceSession.create(
        onnxPath,
        sessionOptions(device, threads) as never,
      )
    } catch (e) {
      // A graph that does not load on the CPU is the model's fault, not the device's.
      if (device === 'cpu') {
        throw new ModelError(
          `the model graph ${onnxPath} could not be loaded: ${firstLine(e)}. Re-export the model or reinstall it.`,
          { cause: e },
        )
      }
      const reason = explain(device, e)
      if (opts.device !== 'auto')
        throw new ModelError(
          `device ${device} is not available: ${reason}. Use --device auto or cpu.`,
          { cause: e },
        )
      notes.push(`${device}: not used: ${reason}`)
      continue
    }
    try {
      checkSignature(session, metadata, onnxPath)
      const embedder = new OnnxEmbedder(ort, session, metadata)
      // A short probe run checks the output shape and that the provider really runs.
      await probe(embedder, metadata, notes)
      if (device === 'cpu') notes.push(`cpu: ${threads} intra-op thread${threads === 1 ? '' : 's'}`)
      return { embedder, provider: device, notes }
    } catch (e) {
      await session.release?.().catch(() => undefined)
      if (
        e instanceof ModelError &&
        (device === 'cpu' || /does not match|expected float32/.test(e.message))
      )
        throw e
      const reason = explain(device, e)
      if (opts.device !== 'auto')
        throw new ModelError(
          `device ${device} failed to run the model: ${reason}. Use --device auto or cpu.`,
          { cause: e },
        )
      notes.push(`${device}: not used: ${reason}`)
    }
  }
  throw new ModelError(`no device could run the model: ${notes.join('; ')}`)
}

/** Runs 1 x 8 frames of silence-level features; checks shape and notes non-unit embeddings. */
async function probe(embedder: OnnxEmbedder, md: ModelMetadata, notes: string[]): Promise<void> {
  const frames = 8
  const f = new Float32Array(frames * md.bins).fill(Math.log(md.feature.eps))
  for (let i = 0; i < f.length; i++) f[i] += ((i * 7919) % 13) * 0.25 // a little structure
  const e = await embedder.embed(f, 1, frames, md.bins)
  let worst = 0
  for (let i = 0; i < e.length; i += md.embeddingDim) {
    let s = 0
    for (let d = 0; d < md.embeddingDim; d++) s += e[i + d] * e[i + d]
    worst = Math.max(worst, Math.abs(Math.sqrt(s) - 1))
  }
  if (!(worst < 1e-2))
    notes.push(
      `model: embeddings are not unit-norm (max | |v| - 1 | = ${worst.toPrecision(3)}); the engine normalises them`,
    )
}
