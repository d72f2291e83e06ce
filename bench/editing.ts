/**
 * Issue 17, item 6: the latencies of hand editing on a 3-minute 44.1 kHz stereo file, measured
 * through the app's own code paths in one process: the engine host main runs (open, analyse with
 * the model, cluster into 3), the renderer's editor over the masks main sends (a 24-px brush at fit
 * zoom on a 1,344 x 560 px spectrogram, 60 pointer events per stroke: the e2e's gesture), then
 * per stroke: the stroke ends, main applies it (`edit`) and the playback block under the playhead
 * is read again with every stem (`stems`, what playback schedules next) = "edit -> sound". Main
 * makes its editor in idle time after separating (as in the app, while the user picks a tool):
 * timed apart, before the strokes. The energy meters (issue 16): the stems' energy shares of the
 * whole file once, then after each stroke (only the blocks it reached are made again); and how
 * long after an edit the autosave holds it (the renderer's debounce, AUTOSAVE, plus the write).
 * `npm run bench -- --only-editing` runs only this; `npm run bench` runs it after the rest.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EngineHost } from '../src/engine-process/engine-host'
import { brushSelection, EditableMasks, floatMasks, type EditCommand } from '../src/engine/index'
import { openStemWriter } from '../src/node/audio-encode'
import type { FromHost, HostOps } from '../src/shared/engine-protocol'
import { AUTOSAVE } from '../src/shared/ipc'
import { syntheticSong } from './signals'

const RATE = 44100
/** The e2e's spectrogram on a 1400 x 860 window, CSS pixels. */
const VIEW = { width: 1344, height: 560 }
const BRUSH_PX = 24
const STROKES = 8
const EVENTS = 60

const pct = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!
const ms = (x: number): string => `${x.toFixed(1)} ms`

/** A host in this process with a promise per request. */
function inProcessHost(modelPath: string) {
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>()
  let id = 0
  const host = new EngineHost(
    {
      post(msg: FromHost) {
        if (msg.type === 'result') pending.get(msg.id)?.resolve(msg.value)
        else if (msg.type === 'error') pending.get(msg.id)?.reject(new Error(msg.message))
        if (msg.type === 'result' || msg.type === 'error') pending.delete(msg.id)
      },
    },
    { device: 'cpu', modelPath },
  )
  host.start()
  return {
    request<O extends keyof HostOps>(
      op: O,
      args: HostOps[O]['args'],
    ): Promise<HostOps[O]['result']> {
      const n = ++id
      return new Promise((resolve, reject) => {
        pending.set(n, { resolve: resolve as (v: unknown) => void, reject })
        host.handle({ type: 'request', id: n, op, args } as never)
      })
    },
  }
}

/** Runs the editing latencies; prints them and returns them by name (ms). */
export async function benchEditing(modelPath: string): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'unweave-bench-editing-'))
  const out: Record<string, number> = {}
  try {
    const path = join(dir, 'song-3min.wav')
    const { mix } = syntheticSong(RATE, 180)
    const w = await openStemWriter(path, {
      format: 'wav',
      bits: 16,
      sampleRate: RATE,
      channels: 2,
      force: true,
    })
    await w.write(mix)
    await w.commit()

    const host = inProcessHost(modelPath)
    await host.request('open', { fileId: 'f', path })
    const t0 = performance.now()
    const sep = await host.request('cluster', {
      fileId: 'f',
      separationId: 's',
      sourceCount: 3,
      mask: 'soft',
    })
    console.log(
      `  analyse + cluster into 3 (setup, not a latency): ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    )
    // the user listens first: playback reads a block of every stem (automatic masks)
    const block = (from: number) =>
      host.request('stems', {
        separationId: 's',
        sources: [0, 1, 2],
        range: { from, to: from + RATE },
      })
    let tp = performance.now()
    await block(60 * RATE)
    out['playback reads a 1-s block of every stem (before editing)'] = performance.now() - tp
    // main makes its editor of the new masks in idle time after separating, while the user picks
    // a tool; an undo with nothing to undo has it finished now, timed apart from the strokes
    tp = performance.now()
    await host.request('edit', { separationId: 's', op: { type: 'undo' } })
    out['main makes its editor (idle time after separating, before any stroke)'] =
      performance.now() - tp
    tp = performance.now()
    await block(61 * RATE)
    out["the same read from the editor's masks, first time"] = performance.now() - tp
    // the sources panel's energy meters: the stems' energy, every block synthesized once
    tp = performance.now()
    await host.request('energyShares', { separationId: 's' })
    out['energy shares of the stems, whole file (after separating, once)'] = performance.now() - tp
    const page = await host.request('masks', {
      separationId: 's',
      range: { from: 0, to: sep.grid.frames },
    })
    const g = page.grid
    // the renderer's editor over the masks main sent (uint8, as the app receives them)
    const editor = new EditableMasks(
      floatMasks({ ...g, k: page.masks.length, masks: page.masks, scale: 1 / 255 }),
    )
    // a 24-px brush at fit zoom: pixels -> frames and bins (log axis: ~bins per pixel mid-band)
    const framesPerPx = g.frames / VIEW.width
    const radius = {
      frames: BRUSH_PX * framesPerPx,
      bins: Math.max(1, (BRUSH_PX * g.bins) / VIEW.height / 2),
    }
    const perEvent: number[] = []
    const editToSound: number[] = []
    const applied: number[] = []
    const energyAfter: number[] = []
    const blockSamples = RATE // playback reads 1-s blocks
    for (let s = 0; s < STROKES; s++) {
      const frame0 = Math.round(((0.1 + 0.1 * s) * g.frames) % (g.frames * 0.9))
      const bin0 = Math.round(g.bins * (0.2 + 0.07 * s))
      const stroke = editor.beginStroke({ type: 'assign', to: s % 3 }, 'brush')
      let last: { frame: number; bin: number } | null = null
      for (let i = 0; i < EVENTS; i++) {
        const p = { frame: frame0 + i * 0.004 * g.frames, bin: bin0 + (i % 10) - 5 }
        const te = performance.now()
        stroke.add(brushSelection(editor.masks, last ? [last, p] : [p], { radius, softness: 0.5 }))
        perEvent.push(performance.now() - te)
        last = p
      }
      const ts = performance.now()
      const done = stroke.end()!
      const command: EditCommand = done.command
      await host.request('edit', { separationId: 's', op: { type: 'apply', command } })
      const tApplied = performance.now()
      // the playhead sits in the stroke: its 1-s block is read again, every stem
      const playhead = Math.floor(((done.touched.frameStart * g.hop) / g.sampleRate) * RATE)
      const from = Math.floor(playhead / blockSamples) * blockSamples
      await host.request('stems', {
        separationId: 's',
        sources: [0, 1, 2],
        range: { from, to: from + blockSamples },
      })
      applied.push(tApplied - ts)
      editToSound.push(performance.now() - ts)
      // then the meters: only the blocks the stroke reached are synthesized again
      const tq = performance.now()
      await host.request('energyShares', { separationId: 's' })
      energyAfter.push(performance.now() - tq)
      if (process.env.UNWEAVE_BENCH_VERBOSE)
        console.log(
          `  stroke ${s + 1}: applied ${(tApplied - ts).toFixed(0)} ms, sound ${(performance.now() - ts).toFixed(0)} ms`,
        )
    }
    out['brush per pointer event p95'] = pct(perEvent, 0.95)
    out['brush per pointer event max'] = Math.max(...perEvent)
    out['stroke end -> main applied, median'] = pct(applied, 0.5)
    out['edit -> sound (stroke end -> new stems of the block under the playhead), median'] = pct(
      editToSound,
      0.5,
    )
    out['edit -> sound, p95'] = pct(editToSound, 0.95)
    out['edit -> sound, max'] = Math.max(...editToSound)
    // the autosave (issue 16): written AUTOSAVE.idleSec after the last change (at most maxSec
    // after the first one not autosaved); its write is the project save of the edited separation
    const tw = performance.now()
    await host.request('saveProject', {
      separationId: 's',
      path: join(dir, 'autosave.unweave'),
      sources: [],
    })
    const write = performance.now() - tw
    out['autosave write (project of the edited 3-minute separation)'] = write
    out[`edit -> in the autosave: ${AUTOSAVE.idleSec} s after the last change + the write`] =
      AUTOSAVE.idleSec * 1000 + write
    out[`edit -> in the autosave while editing on: at most ${AUTOSAVE.maxSec} s + the write`] =
      AUTOSAVE.maxSec * 1000 + write
    out['energy shares after a stroke (its blocks again), median'] = pct(energyAfter, 0.5)
    out['energy shares after a stroke, max'] = Math.max(...energyAfter)
    const target: Record<string, string> = {
      'brush per pointer event p95': '<= 8 ms',
      'edit -> sound, p95': '<= 200 ms',
    }
    console.log(
      `  3-minute 44.1 kHz stereo, k = 3, ${STROKES} strokes of ${EVENTS} events, brush ${BRUSH_PX} px at fit zoom (${radius.frames.toFixed(0)} frames x ${radius.bins.toFixed(0)} bins):`,
    )
    for (const [k, v] of Object.entries(out))
      console.log(
        `  ${k.padEnd(84)} ${ms(v).padStart(10)}${target[k] ? `   (target ${target[k]})` : ''}`,
      )
    return out
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
