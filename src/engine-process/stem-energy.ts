/**
 * The stems' energy shares that the sources panel shows (issue 16): the energy of the very stems
 * the export writes, from the same synthesis (`synthesizeStems` over the masks playback and export
 * use), kept per block of samples so that an edit, undo or redo costs only the blocks it touched.
 * A block's synthesis equals that slice of the whole-file synthesis, so the sums are the export's.
 */
import { synthesizeStems, touchedSampleRange } from '../engine/index'
import type { TouchedRange } from '../shared/ipc'
import { masksOf } from './host-context'
import type { OpenFile, Separation, StemEnergyBlocks } from './host-context'

/** Samples per block (~1.5 s at 44.1 kHz: a brush stroke touches a few). */
export const ENERGY_BLOCK = 1 << 16

/** An edit, undo or redo changed `touched` frames: the blocks whose samples they reach go stale. */
export function invalidateEnergy(s: Separation, f: OpenFile, touched: TouchedRange): void {
  const e = s.energy
  if (!e) return
  const length = f.audio.channels[0]?.length ?? 0
  const r = touchedSampleRange(s.masks, touched, f.audio.sampleRate, length)
  if (r.length <= 0) return
  e.version++
  const last = Math.min(e.valid.length - 1, Math.floor((r.start + r.length - 1) / ENERGY_BLOCK))
  for (let b = Math.floor(r.start / ENERGY_BLOCK); b <= last; b++) e.valid[b] = 0
}

/**
 * Each stem's share of the stems' total energy for the masks as they are now: the stale blocks are
 * synthesized again, each when no request runs (`idle`: playback's stems go first); an edit that
 * comes meanwhile makes its blocks stale again, and they are made again before the answer.
 */
export async function stemEnergyShares(
  s: Separation,
  f: OpenFile,
  signal: AbortSignal,
  idle: () => Promise<void>,
): Promise<number[]> {
  const length = f.audio.channels[0]?.length ?? 0
  const k = s.masks.k
  const blocks = Math.ceil(length / ENERGY_BLOCK)
  const e = (s.energy ??= {
    energy: new Float64Array(blocks * k),
    valid: new Uint8Array(blocks),
    version: 0,
  })
  // one computation at a time: a request while one runs waits, then makes what is still stale
  const before = e.busy ?? Promise.resolve()
  const run = before.catch(() => undefined).then(() => makeStale(s, f, e, signal, idle))
  e.busy = run
  if (!(await run)) return stemEnergyShares(s, f, signal, idle) // the editor came: start again
  const total = new Float64Array(k)
  for (let b = 0; b < blocks; b++) for (let j = 0; j < k; j++) total[j]! += e.energy[b * k + j]!
  const sum = total.reduce((a, x) => a + x, 0)
  return Array.from(total, (x) => (sum > 0 ? x / sum : 1 / k))
}

/** Makes every stale block of `e`; false when `e` was dropped meanwhile (main's editor was made). */
async function makeStale(
  s: Separation,
  f: OpenFile,
  e: StemEnergyBlocks,
  signal: AbortSignal,
  idle: () => Promise<void>,
): Promise<boolean> {
  const length = f.audio.channels[0]?.length ?? 0
  const k = s.masks.k
  for (let b = e.valid.indexOf(0); b >= 0; b = e.valid.indexOf(0)) {
    await idle()
    signal.throwIfAborted()
    if (s.energy !== e) return false
    const start = b * ENERGY_BLOCK
    const acc = new Float64Array(k)
    const version = e.version
    await synthesizeStems(
      f.audio,
      masksOf(s),
      {
        write(source, block) {
          let sum = 0
          for (const ch of block) for (let i = 0; i < ch.length; i++) sum += ch[i]! * ch[i]!
          acc[source]! += sum
        },
      },
      { signal, range: { start, length: Math.min(length, start + ENERGY_BLOCK) - start } },
    )
    e.energy.set(acc, b * k)
    if (e.version === version) e.valid[b] = 1
  }
  return s.energy === e
}
