/**
 * Finds and validates a model: `<name>.json` (the contract of src/shared/model.ts) beside
 * `<name>.onnx`. Every field is checked; problems become one ModelError naming each field with its
 * expected and actual value.
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { dirname, extname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ModelError } from '../shared/errors'
import type { ModelMetadata } from '../shared/model'

/** File name (without extension) of the model Unweave ships. */
export const DEFAULT_MODEL_NAME = 'unweave-dc'

/** A model ready to load: its validated metadata and the path of its ONNX graph. */
export interface LoadedModel {
  metadata: ModelMetadata
  onnxPath: string
  /** Path of the metadata JSON. */
  jsonPath: string
}

/** The package root (the folder holding Unweave's package.json), found from this module or the cwd. */
export function packageRoot(): string | undefined {
  const starts: string[] = []
  try {
    starts.push(dirname(fileURLToPath(import.meta.url)))
  } catch {
    // not an ES module URL (e.g. a CJS bundle): fall back to the cwd
  }
  if (typeof __dirname === 'string') starts.push(__dirname)
  starts.push(process.cwd())
  for (const start of starts) {
    let dir = resolve(start)
    for (;;) {
      const pkg = join(dir, 'package.json')
      if (existsSync(pkg) && isUnweavePackage(pkg)) return dir
      const up = dirname(dir)
      if (up === dir) break
      dir = up
    }
  }
  return undefined
}

function isUnweavePackage(pkgPath: string): boolean {
  try {
    if (statSync(pkgPath).size > 1 << 20) return false
    return (JSON.parse(readFileSync(pkgPath, 'utf8')) as { name?: string }).name === 'unweave'
  } catch {
    return false
  }
}

/** Where the default model's JSON is expected: $UNWEAVE_MODEL, else <package root>/models/unweave-dc.json. */
export function defaultModelPath(): string {
  const env = process.env.UNWEAVE_MODEL
  if (env) return resolve(env)
  const root = packageRoot() ?? process.cwd()
  return join(root, 'models', `${DEFAULT_MODEL_NAME}.json`)
}

/**
 * Loads and validates a model. `path` may name the .json or the .onnx (the other is expected beside
 * it, same base name) or a folder holding unweave-dc.json; default: defaultModelPath().
 */
export async function loadModel(path?: string): Promise<LoadedModel> {
  let jsonPath = path ? resolve(path) : defaultModelPath()
  const given = path !== undefined
  try {
    if ((await stat(jsonPath)).isDirectory())
      jsonPath = join(jsonPath, `${DEFAULT_MODEL_NAME}.json`)
  } catch {
    // reported below
  }
  if (extname(jsonPath).toLowerCase() === '.onnx') jsonPath = jsonPath.slice(0, -5) + '.json'
  const onnxPath = jsonPath.replace(/\.json$/i, '') + '.onnx'

  let text: string
  try {
    text = await readFile(jsonPath, 'utf8')
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'ENOENT') {
      throw new ModelError(
        given
          ? `no model metadata at ${jsonPath}. Pass --model with the path of a model's .json (its .onnx beside it).`
          : `the default model is missing: ${jsonPath} does not exist. Install Unweave with its models/ folder, or pass --model PATH to a model's .json.`,
        { cause: e },
      )
    }
    throw new ModelError(`cannot read model metadata ${jsonPath}: ${(e as Error).message}`, {
      cause: e,
    })
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (e) {
    throw new ModelError(
      `model metadata ${jsonPath} is not valid JSON (${(e as Error).message}). Restore the file that came with the model.`,
      {
        cause: e,
      },
    )
  }
  const problems = validateModelMetadata(raw)
  if (problems.length) {
    throw new ModelError(
      `model metadata ${jsonPath} does not match the model contract (src/shared/model.ts): ${problems.join('; ')}. Use a model exported by this version of Unweave's training.`,
    )
  }
  try {
    const st = await stat(onnxPath)
    if (!st.isFile() || st.size === 0) throw new Error('empty or not a file')
  } catch (e) {
    throw new ModelError(
      `the model graph ${onnxPath} is missing or empty; it must sit beside ${jsonPath} with the same base name.`,
      { cause: e },
    )
  }
  return { metadata: raw as ModelMetadata, onnxPath, jsonPath }
}

type Check = (v: unknown) => boolean
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v)
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)
const isStr = (v: unknown): v is string => typeof v === 'string' && v.length > 0
const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

function show(v: unknown): string {
  if (v === undefined) return 'nothing (missing)'
  const s = JSON.stringify(v)
  return s.length > 60 ? s.slice(0, 57) + '...' : s
}

/**
 * Checks a parsed metadata object against ModelMetadata; returns one "field expected X, got Y"
 * line per problem (empty when valid).
 */
export function validateModelMetadata(raw: unknown): string[] {
  const out: string[] = []
  if (!isObj(raw)) return [`the file must hold a JSON object, got ${show(raw)}`]
  const check = (field: string, value: unknown, ok: Check, expected: string): boolean => {
    if (ok(value)) return true
    out.push(`${field} expected ${expected}, got ${show(value)}`)
    return false
  }
  check('formatVersion', raw.formatVersion, (v) => v === 1, '1')
  check('name', raw.name, isStr, 'a non-empty string')
  check('version', raw.version, isStr, 'a non-empty string')
  check(
    'sampleRate',
    raw.sampleRate,
    (v) => isInt(v) && v >= 8000 && v <= 192000,
    'an integer in 8000..192000 (Hz)',
  )
  let nFft: number | undefined
  if (check('stft', raw.stft, isObj, 'an object {nFft, hop, window, framing}')) {
    const s = raw.stft as Record<string, unknown>
    if (
      check(
        'stft.nFft',
        s.nFft,
        (v) => isInt(v) && v >= 16 && v <= 65536 && (v & (v - 1)) === 0,
        'a power of two in 16..65536',
      )
    ) {
      nFft = s.nFft as number
    }
    check(
      'stft.hop',
      s.hop,
      (v) => isInt(v) && v >= 1 && (nFft === undefined || v <= nFft),
      `an integer in 1..${nFft ?? 'nFft'}`,
    )
    check('stft.window', s.window, (v) => v === 'hann', '"hann"')
    check('stft.framing', s.framing, (v) => v === 'center', '"center"')
  }
  if (check('feature', raw.feature, isObj, 'an object {type, eps, normalization}')) {
    const f = raw.feature as Record<string, unknown>
    check('feature.type', f.type, (v) => v === 'log_magnitude', '"log_magnitude"')
    check('feature.eps', f.eps, (v) => isNum(v) && v > 0 && v < 1, 'a number in (0, 1)')
    check('feature.normalization', f.normalization, (v) => v === 'in_graph', '"in_graph"')
  }
  check(
    'embeddingDim',
    raw.embeddingDim,
    (v) => isInt(v) && v >= 1 && v <= 4096,
    'an integer in 1..4096',
  )
  check(
    'bins',
    raw.bins,
    (v) => isInt(v) && (nFft === undefined || v === nFft / 2 + 1),
    nFft ? `${nFft / 2 + 1} (stft.nFft/2 + 1)` : 'stft.nFft/2 + 1',
  )
  if (check('io', raw.io, isObj, 'an object {input, output, opset}')) {
    const io = raw.io as Record<string, unknown>
    check('io.input', io.input, isStr, 'the name of the graph input (a non-empty string)')
    check('io.output', io.output, isStr, 'the name of the graph output (a non-empty string)')
    check('io.opset', io.opset, (v) => isInt(v) && v >= 7 && v <= 30, 'an integer opset in 7..30')
  }
  check(
    'trainedChunkFrames',
    raw.trainedChunkFrames,
    (v) => isInt(v) && v >= 1,
    'a positive integer',
  )
  check(
    'silenceThresholdDb',
    raw.silenceThresholdDb,
    (v) => isNum(v) && v > 0 && v <= 200,
    'a number of dB in (0, 200]',
  )
  if (
    raw.training !== undefined &&
    check('training', raw.training, isObj, 'an object {sources, steps, hours, notes?}')
  ) {
    const t = raw.training as Record<string, unknown>
    check(
      'training.sources',
      t.sources,
      (v) => Array.isArray(v) && v.every((x) => typeof x === 'string'),
      'an array of strings',
    )
    check('training.steps', t.steps, (v) => isInt(v) && v >= 0, 'a non-negative integer')
    check('training.hours', t.hours, (v) => isNum(v) && v >= 0, 'a non-negative number')
    if (t.notes !== undefined)
      check('training.notes', t.notes, (v) => typeof v === 'string', 'a string')
  }
  if (raw.scores !== undefined && check('scores', raw.scores, Array.isArray, 'an array')) {
    ;(raw.scores as unknown[]).forEach((s, i) => {
      if (!check(`scores[${i}]`, s, isObj, 'an object')) return
      const o = s as Record<string, unknown>
      check(`scores[${i}].split`, o.split, isStr, 'a string')
      for (const k of ['mixtures', 'sources'])
        check(`scores[${i}].${k}`, o[k], (v) => isInt(v) && v >= 0, 'a non-negative integer')
      for (const k of ['sisdriModel', 'sisdriIbm'])
        check(`scores[${i}].${k}`, o[k], isNum, 'a number (dB)')
      for (const k of ['sisdriIrm', 'sisdriModelHard', 'sdriModel', 'sdriIbm'])
        if (o[k] !== undefined) check(`scores[${i}].${k}`, o[k], isNum, 'a number (dB)')
    })
  }
  if (
    raw.stereoCue !== undefined &&
    check('stereoCue', raw.stereoCue, isObj, 'an object {weight, ildRangeDb}')
  ) {
    const c = raw.stereoCue as Record<string, unknown>
    check('stereoCue.weight', c.weight, (v) => isNum(v) && v >= 0 && v <= 100, 'a number in 0..100')
    check(
      'stereoCue.ildRangeDb',
      c.ildRangeDb,
      (v) => isNum(v) && v > 0 && v <= 120,
      'a number of dB in (0, 120]',
    )
  }
  if (
    raw.sourceCount !== undefined &&
    check('sourceCount', raw.sourceCount, isObj, 'an object (the source-count classifier)')
  ) {
    const c = raw.sourceCount as Record<string, unknown>
    const nf = isInt(raw.embeddingDim) ? 2 * (raw.embeddingDim as number) : undefined
    const numbers = (n: number | undefined) => (v: unknown) =>
      Array.isArray(v) && (n === undefined || v.length === n) && v.every(isNum)
    check('sourceCount.features', c.features, (v) => v === 'spectrum-v1', '"spectrum-v1"')
    check(
      'sourceCount.sampleSize',
      c.sampleSize,
      (v) => isInt(v) && v >= 100 && v <= 1_000_000,
      'an integer in 100..1000000',
    )
    const counts = check(
      'sourceCount.counts',
      c.counts,
      (v) =>
        Array.isArray(v) &&
        v.length >= 2 &&
        v.every((k, i) => isInt(k) && k >= 1 && k <= 16 && (i === 0 || k > (v[i - 1] as number))),
      'ascending integers in 1..16 (at least two)',
    )
    const nc = counts ? (c.counts as number[]).length : undefined
    const feat = `${nf ?? '2 x embeddingDim'} numbers`
    check('sourceCount.mean', c.mean, numbers(nf), feat)
    check('sourceCount.scale', c.scale, numbers(nf), feat)
    check('sourceCount.bias', c.bias, numbers(nc), 'a number per count')
    check(
      'sourceCount.weights',
      c.weights,
      (v) => Array.isArray(v) && (nc === undefined || v.length === nc) && v.every(numbers(nf)),
      `a row of ${feat} per count`,
    )
  }
  return out
}
