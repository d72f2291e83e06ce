/**
 * Mask-editing targets (issue 5), measured on generated data (plumbing, no quality claim):
 *  - a brush stroke on a 3-minute song's masks: time per pointer event (selection + apply), <= 16 ms
 *  - undo of that stroke; the embedding wand (seed, then each threshold move); constrained re-clustering
 *  - re-synthesis of only the touched frames of one soloed source, 3-minute 44.1 kHz stereo, <= 200 ms
 *  - a project with 1,000 edits on a 10-minute song: save and open <= 2 s each, size <= 50 MB
 * Run: node scripts/run-ts.mjs bench/edits.ts [--k 3] [--json OUT]
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { makeRng } from '../src/engine/cluster/random'
import {
  brushSelection,
  EditableMasks,
  EmbeddingWand,
  frequencyBandSelection,
  rectangleSelection,
  reclusterWithEdits,
  selectedCount,
  soloMaskRows,
  timeRangeSelection,
  touchedSampleRange,
  type GridPoint,
} from '../src/engine/edits/index'
import { synthesizeFromRows, synthesizeStems } from '../src/engine/index'
import type { Analysis, SourceMasks } from '../src/engine/types'
import { openStemWriter } from '../src/node/audio-encode'
import {
  checkProjectAudio,
  createProject,
  openProject,
  projectEditor,
  saveProject,
  withEditorState,
} from '../src/node/project/index'
import { syntheticSong } from './signals'
import { flag, opt } from './args'

const arg = (name: string, def: string): string => opt(name) || def
const K = Number(arg('k', '3'))
const jsonOut = flag('json') ? arg('json', '') : ''
const MODEL = { sampleRate: 16000, nFft: 512, hop: 256, bins: 257, dim: 20 }
const framesFor = (sec: number): number => Math.floor((sec * MODEL.sampleRate) / MODEL.hop) + 1
const ms = (t: number): number => Math.round(t * 100) / 100
const now = (): number => performance.now()
/** Process CPU time (all threads), ms: beside wall time, since other work may share the machine. */
const cpu = (): number => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}
const pct = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]
const results: Record<string, unknown> = {}
const report = (
  name: string,
  value: number,
  unit: string,
  target?: string,
  cpuMs?: number,
): void => {
  results[name] = cpuMs === undefined ? value : { wall: value, cpu: ms(cpuMs) }
  const c = cpuMs === undefined ? '' : `  [cpu ${ms(cpuMs)} ms]`
  console.log(
    `  ${name.padEnd(52)} ${String(value).padStart(10)} ${unit}${c}${target ? `   (target ${target})` : ''}`,
  )
}

/**
 * Synthetic analysis: blocky source regions (time x frequency), int8 unit embeddings = the region's
 * axis + per-bin noise; magnitude ~ 1/f with noise. Soft masks from it have per-bin noise, which is
 * pessimistic for compression (a real model's masks are smoother).
 */
function syntheticAnalysis(sec: number, k: number, seed = 1): Analysis {
  const frames = framesFor(sec)
  const { bins, dim } = MODEL
  const n = frames * bins
  const rng = makeRng(seed)
  const embeddings = new Int8Array(n * dim)
  const magnitude = new Float32Array(n)
  const v = new Float64Array(dim)
  for (let t = 0; t < frames; t++) {
    const seg = Math.floor(t / 300)
    for (let f = 0; f < bins; f++) {
      const i = t * bins + f
      const c = (seg + Math.floor(f / 40) + (f > 100 && t % 50 < 10 ? 1 : 0)) % k
      let nn = 0
      for (let j = 0; j < dim; j++) {
        v[j] = (j === c ? 1 : 0) + 0.35 * (rng() * 2 - 1)
        nn += v[j] * v[j]
      }
      const g = 127 / Math.sqrt(nn)
      for (let j = 0; j < dim; j++) embeddings[i * dim + j] = Math.round(v[j] * g)
      magnitude[i] = (0.5 + rng()) / (1 + f)
    }
  }
  return {
    sampleRate: MODEL.sampleRate,
    nFft: MODEL.nFft,
    hop: MODEL.hop,
    frames,
    bins,
    dim,
    stereoCue: 0,
    durationSec: sec,
    inputSampleRate: 44100,
    inputLength: Math.round(sec * 44100),
    magnitude,
    embeddings,
    activeThresholdDb: 60,
    timings: {},
  }
}

/** Soft masks softmax(beta * cos) from the analysis and the k axes as centroids. */
async function softMasksOf(
  a: Analysis,
  k: number,
): Promise<{ masks: SourceMasks; centroids: Float32Array }> {
  const { sourceMasks } = await import('../src/engine/index')
  const centroids = new Float32Array(k * a.dim)
  for (let c = 0; c < k; c++) centroids[c * a.dim + c] = 1
  const masks = sourceMasks(
    a,
    { k, dim: a.dim, centroids, assignment: new Uint8Array(0), weightShares: [], inertia: 0 },
    'soft',
  )
  return { masks, centroids }
}

/** A stroke's pointer positions: a wavy path of `events` points over `span` frames from `t0`. */
function strokePath(
  t0: number,
  span: number,
  f0: number,
  events: number,
  rng: () => number,
): GridPoint[] {
  return Array.from({ length: events }, (_, i) => ({
    frame: t0 + (span * i) / (events - 1),
    bin: f0 + 25 * Math.sin(i / 9) + 3 * rng(),
  }))
}

async function main(): Promise<void> {
  console.log(
    `load average at start: ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')} (wall times grow with other work; cpu = this process's CPU time)`,
  )
  console.log(
    `bench/edits: k = ${K}, model grid ${MODEL.sampleRate} Hz / hop ${MODEL.hop} / ${MODEL.bins} bins, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), node ${process.version}`,
  )
  const dir = mkdtempSync(join(tmpdir(), 'unweave-bench-edits-'))
  try {
    // ---------- 3-minute song ----------
    console.log(
      '\n3-minute song (44.1 kHz stereo; model grid %d frames x %d bins):',
      framesFor(180),
      MODEL.bins,
    )
    const a3 = syntheticAnalysis(180, K)
    const { masks: auto3, centroids } = await softMasksOf(a3, K)
    let t = now()
    const ed = new EditableMasks(auto3)
    report('editor setup (canonical masks + copy)', ms(now() - t), 'ms')
    const rng = makeRng(3)
    const brush = { radius: { frames: 12, bins: 10 }, softness: 0.5 }
    const perEvent: number[] = []
    const path = strokePath(4000, 190, 90, 120, rng) // ~3 s of audio, 120 pointer events
    const st = ed.beginStroke({ type: 'assign', to: 1 })
    for (let i = 0; i < path.length; i++) {
      const t0 = now()
      st.add(brushSelection(ed.masks, path.slice(Math.max(0, i - 1), i + 1), brush))
      perEvent.push(now() - t0)
    }
    t = now()
    const done = st.end()!
    const endMs = now() - t
    report('brush: per pointer event, median', ms(pct(perEvent, 0.5)), 'ms')
    report('brush: per pointer event, p95', ms(pct(perEvent, 0.95)), 'ms', '<= 16 ms')
    report('brush: per pointer event, max', ms(Math.max(...perEvent)), 'ms', '<= 16 ms')
    report('brush: end of stroke (record command)', ms(endMs), 'ms')
    // A big brush (radius 60 frames x 60 bins) as a worst case.
    const big: number[] = []
    const st2 = ed.beginStroke({ type: 'move', from: 0, to: 2 })
    const path2 = strokePath(7000, 600, 120, 120, rng)
    for (let i = 0; i < path2.length; i++) {
      const t0 = now()
      st2.add(
        brushSelection(ed.masks, path2.slice(Math.max(0, i - 1), i + 1), {
          radius: 60,
          softness: 0.7,
        }),
      )
      big.push(now() - t0)
    }
    st2.end()
    report('big brush (r = 60): per pointer event, p95', ms(pct(big, 0.95)), 'ms', '<= 16 ms')
    t = now()
    ed.undo()
    report('undo of the big stroke', ms(now() - t), 'ms')
    t = now()
    ed.redo()
    report('redo of the big stroke', ms(now() - t), 'ms')
    t = now()
    ed.edit({ action: { type: 'split' }, selection: timeRangeSelection(ed.masks, 1000, 1600) })
    report('time-range edit (600 frames, all bins)', ms(now() - t), 'ms')

    // Wand.
    const wand = new EmbeddingWand(a3)
    t = now()
    wand.seedFromBin(4100, 90)
    report('wand: seed (similarity of every bin)', ms(now() - t), 'ms')
    const moves: number[] = []
    const counts: number[] = []
    for (let pc = 1; pc <= 30; pc += 1) {
      const t0 = now()
      counts.push(selectedCount(wand.selectShare(pc / 100)))
      moves.push(now() - t0)
    }
    report('wand: share move (1-30 %) -> selection, median', ms(pct(moves, 0.5)), 'ms', '<= 16 ms')
    report('wand: share move -> selection, max', ms(Math.max(...moves)), 'ms', '<= 16 ms')
    const steps = counts.slice(1).map((c, i) => c - counts[i])
    report('wand: bins added per 1 % step, fewest (even steps)', Math.min(...steps), 'bins')
    report('wand: bins added per 1 % step, most', Math.max(...steps), 'bins')
    const visible: number[] = []
    for (let pc = 1; pc <= 30; pc += 1) {
      const t0 = now()
      wand.selectShare(pc / 100, { frameStart: 3500, frameEnd: 3500 + framesFor(30) })
      visible.push(now() - t0)
    }
    report('wand: share move, visible 30 s only, max', ms(Math.max(...visible)), 'ms', '<= 16 ms')
    t = now()
    const wandSel = wand.selectShare(0.05)
    ed.edit({ action: { type: 'assign', to: 0 }, selection: wandSel })
    report('wand: apply "assign" to its selection', ms(now() - t), 'ms')
    ed.undo()
    t = now()
    const cons = ed.assignedBins()
    const rc = reclusterWithEdits(a3, { k: K, dim: a3.dim, centroids }, cons)
    report(`constrained re-clustering (${cons.indices.length} assigned bins)`, ms(now() - t), 'ms')
    void rc

    // Re-synthesis of the touched frames, one soloed source.
    const song = syntheticSong(44100, 180).mix
    const audio = { sampleRate: 44100, channels: song }
    const range = touchedSampleRange(ed.masks, done.touched, 44100, song[0].length)
    const sink = { write: (): void => undefined }
    const solo: number[] = []
    const soloCpu: number[] = []
    for (let r = 0; r < 3; r++) {
      const t0 = now()
      const c0 = cpu()
      await synthesizeFromRows(audio, soloMaskRows(ed.masks, 1), sink, { range })
      solo.push(now() - t0)
      soloCpu.push(cpu() - c0)
    }
    report(
      `re-synthesis, soloed source, touched frames (${(range.length / 44100).toFixed(2)} s of audio)`,
      ms(Math.min(...solo)),
      'ms',
      '<= 200 ms',
      Math.min(...soloCpu),
    )
    t = now()
    await synthesizeStems(audio, ed.masks, sink, { range })
    report(`  same range, all ${K} stems`, ms(now() - t), 'ms')
    const longRange = touchedSampleRange(
      ed.masks,
      { frameStart: 7000, frameEnd: 7600 },
      44100,
      song[0].length,
    )
    t = now()
    await synthesizeFromRows(audio, soloMaskRows(ed.masks, 1), sink, { range: longRange })
    report(
      `  soloed, a long stroke (${(longRange.length / 44100).toFixed(2)} s of audio)`,
      ms(now() - t),
      'ms',
    )

    // ---------- 10-minute song, 1,000 edits ----------
    console.log(
      '\n10-minute song, 1,000 edits (model grid %d frames x %d bins):',
      framesFor(600),
      MODEL.bins,
    )
    const a10 = syntheticAnalysis(600, K, 2)
    const { masks: auto10 } = await softMasksOf(a10, K)
    const audioPath = join(dir, 'song10.wav')
    {
      const w = await openStemWriter(audioPath, {
        format: 'wav',
        bits: 16,
        sampleRate: 44100,
        channels: 2,
      })
      const r2 = makeRng(9)
      const block = [new Float32Array(65536), new Float32Array(65536)]
      for (let i = 0; i < 600 * 44100; i += 65536) {
        const len = Math.min(65536, 600 * 44100 - i)
        for (let c = 0; c < 2; c++)
          for (let j = 0; j < len; j++) block[c][j] = 0.5 * Math.sin(i + j) + 0.1 * (r2() - 0.5)
        await w.write(block.map((b) => b.subarray(0, len)))
      }
      await w.commit()
    }
    const base = await createProject({
      audioPath,
      audioInfo: { sampleRate: 44100, channels: 2, durationSec: 600 },
      model: { name: 'synthetic', version: '0' },
      settings: { mask: 'soft', requestedSources: K },
      masks: auto10,
    })
    const ed10 = projectEditor(base)
    const r3 = makeRng(11)
    t = now()
    for (let e = 0; e < 1000; e++) {
      const act =
        e % 7 === 6
          ? { type: 'restore' as const }
          : e % 5 === 4
            ? { type: 'move' as const, from: e % K, to: (e + 1) % K }
            : { type: 'assign' as const, to: e % K }
      if (e % 100 === 99) {
        ed10.edit({
          action: act,
          selection: timeRangeSelection(
            ed10.masks,
            ...((f) => [f, f + 200] as const)(Math.floor(r3() * 37000)),
          ),
        })
      } else if (e % 100 === 49) {
        ed10.edit({
          action: act,
          selection: frequencyBandSelection(ed10.masks, 30, 40, Math.floor(r3() * 30000), 37000),
        })
      } else if (e % 10 === 5) {
        const f = r3() * 37000
        ed10.edit({
          action: act,
          selection: rectangleSelection(
            ed10.masks,
            { frame: f, bin: r3() * 200 },
            { frame: f + 100, bin: r3() * 257 },
          ),
        })
      } else {
        const s = ed10.beginStroke(act)
        const p = strokePath(
          r3() * 36500,
          50 + r3() * 300,
          20 + r3() * 200,
          20 + Math.floor(r3() * 60),
          r3,
        )
        for (let i = 0; i < p.length; i++)
          s.add(
            brushSelection(ed10.masks, p.slice(Math.max(0, i - 1), i + 1), {
              radius: 4 + r3() * 12,
              softness: r3(),
            }),
          )
        s.end()
      }
    }
    for (let i = 0; i < 20; i++) ed10.undo() // a redo stack too
    report('applying the 1,000 edits (as drawn)', ms(now() - t), 'ms')
    const project = withEditorState(base, ed10)
    const file = join(dir, 'song10.unweave')
    const saves: number[] = []
    const savesCpu: number[] = []
    for (let r = 0; r < 2; r++) {
      const t0 = now()
      const c0 = cpu()
      await saveProject(
        file,
        r === 0 ? project : { ...project, automatic: { ...project.automatic } },
      )
      saves.push(now() - t0)
      savesCpu.push(cpu() - c0)
    }
    report(
      'save, first (encode + deflate + atomic write)',
      ms(saves[0]),
      'ms',
      '<= 2000 ms',
      savesCpu[0],
    )
    report('save, fresh masks object (no cache)', ms(saves[1]), 'ms', '<= 2000 ms', savesCpu[1])
    {
      const t0 = now()
      const c0 = cpu()
      await saveProject(file, project)
      report(
        'save again (autosave: masks payload cached)',
        ms(now() - t0),
        'ms',
        '<= 2000 ms',
        cpu() - c0,
      )
    }
    const size = statSync(file).size
    report('project file size', Math.round((size / 1e6) * 100) / 100, 'MB', '<= 50 MB')
    const opens: number[] = []
    const opensCpu: number[] = []
    const replaysCpu: number[] = []
    const replays: number[] = []
    const hashOnly: number[] = []
    for (let r = 0; r < 2; r++) {
      // what the app does: read, verify, decode, and replay the history while the recording is
      // hashed on another thread
      const t0 = now()
      const c0 = cpu()
      const o = await openProject(file, { editor: true })
      const e2 = o.editor!
      opens.push(now() - t0)
      opensCpu.push(cpu() - c0)
      // the replay alone, for the breakdown
      const t1 = now()
      const c1 = cpu()
      projectEditor(o.project)
      replays.push(now() - t1)
      replaysCpu.push(cpu() - c1)
      const t3 = now()
      await checkProjectAudio(o.project)
      hashOnly.push(now() - t3)
      if (o.audio.status !== 'ok' || e2.undoStack.length !== ed10.undoStack.length)
        throw new Error('open failed')
      if (r === 0) {
        for (let s = 0; s < K; s++)
          if (
            !Buffer.from(e2.masks.masks[s].buffer).equals(Buffer.from(ed10.masks.masks[s].buffer))
          )
            throw new Error('reopened masks differ')
      }
    }
    report(
      'open (read, verify, decode, audio sha256, replay edits)',
      ms(Math.min(...opens)),
      'ms',
      '<= 2000 ms',
      Math.min(...opensCpu),
    )
    report(
      '  of which: replay of the undo-stack edits',
      ms(Math.min(...replays)),
      'ms',
      undefined,
      Math.min(...replaysCpu),
    )
    report(
      '  of which (about): checking the 106 MB recording (sha256)',
      ms(Math.min(...hashOnly)),
      'ms',
    )
    console.log('  reopened masks are bit-identical to the saved session: yes')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  console.log(
    `load average at end: ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  )
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify(results, null, 2))
}

await main()
