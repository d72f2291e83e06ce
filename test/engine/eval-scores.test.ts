/**
 * `npm run eval -- --write-scores`: the evaluation's numbers become the model's own `scores`
 * (what the app's "What the model can do" reads), written atomically with the rest of the file
 * kept; refused, with the file untouched, for settings the card does not quote.
 */
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { writeWavFloat } from '../bridge/audio-fixtures'
import { makeTempDir } from '../helpers/audio-fixtures'

const tmp = makeTempDir('unweave-eval-')
afterAll(() => tmp.cleanup())

const SR = 16000

/** A two-source split on disk: a low harmonic tone against high noise bursts, mixed. */
function makeSplit(root: string, split: string, count: number): void {
  const dir = join(root, split)
  mkdirSync(dir, { recursive: true })
  const mixtures = []
  for (let m = 0; m < count; m++) {
    const n = SR * 2
    const tone = new Float32Array(n)
    const noise = new Float32Array(n)
    let seed = 12345 + m
    for (let i = 0; i < n; i++) {
      const t = i / SR
      for (let h = 1; h <= 4; h++)
        tone[i] += (0.2 / h) * Math.sin(2 * Math.PI * (150 + 40 * m) * h * t)
      seed = (seed * 1103515245 + 12345) >>> 0
      const burst = Math.floor(t * 4) % 2 === 0 ? 1 : 0
      noise[i] = burst * 0.1 * ((seed / 2 ** 32) * 2 - 1)
    }
    const mix = tone.map((v, i) => v + noise[i])
    writeWavFloat(join(dir, `m${m}.wav`), [mix], SR)
    writeWavFloat(join(dir, `m${m}-s0.wav`), [tone], SR)
    writeWavFloat(join(dir, `m${m}-s1.wav`), [noise], SR)
    mixtures.push({ id: `m${m}`, mix: `m${m}.wav`, sources: [`m${m}-s0.wav`, `m${m}-s1.wav`] })
  }
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ split, mixtures }))
}

function runEval(args: string[]): ReturnType<typeof spawnSync> {
  return spawnSync(process.execPath, ['scripts/run-ts.mjs', 'bench/eval.ts', ...args], {
    encoding: 'utf8',
    timeout: 110_000,
  })
}

describe('npm run eval --write-scores', () => {
  const root = tmp.fresh()
  const testsets = join(root, 'testsets')
  makeSplit(testsets, 'duo', 2)
  const model = join(root, 'model.json')
  copyFileSync('models/unweave-dc.json', model)
  copyFileSync('models/unweave-dc.onnx', join(root, 'model.onnx'))
  const before = JSON.parse(readFileSync(model, 'utf8')) as Record<string, unknown>

  it('refuses hard masks and --max, leaving the model file byte for byte', () => {
    const text = readFileSync(model, 'utf8')
    for (const extra of [
      ['--mask', 'hard'],
      ['--max', '1'],
    ]) {
      const r = runEval(['--testsets', testsets, '--model', model, '--write-scores', ...extra])
      expect(r.status).toBe(2)
      expect(String(r.stderr)).toMatch(/--write-scores: only/)
      expect(readFileSync(model, 'utf8')).toBe(text)
    }
  })

  it("writes the printed table's numbers into scores and keeps everything else", () => {
    const r = runEval(['--testsets', testsets, '--model', model, '--write-scores'])
    expect(r.status, String(r.stderr)).toBe(0)
    const row = String(r.stdout)
      .split('\n')
      .find((l) => l.startsWith('| duo |'))!
    const cells = row.split('|').map((c) => c.trim())
    const meanOf = (cell: string): number => Number(cell.split(' ')[0])
    const after = JSON.parse(readFileSync(model, 'utf8')) as Record<string, unknown>
    const scores = after.scores as Record<string, number | string>[]
    expect(scores).toHaveLength(1)
    const s = scores[0]!
    expect(s.split).toBe('duo')
    expect(s.mixtures).toBe(2)
    expect(s.sources).toBe(2)
    expect(s.sisdriModel).toBeCloseTo(meanOf(cells[4]!), 2)
    expect(s.sisdriIbm).toBeCloseTo(meanOf(cells[5]!), 2)
    expect(s.sisdriIbm as number).toBeGreaterThan(5)
    const { scores: _a, ...restAfter } = after
    const { scores: _b, ...restBefore } = before
    expect(restAfter).toEqual(restBefore)
  })
})
