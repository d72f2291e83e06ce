/**
 * writeStems(), the one stem-writing path of the app, a project's export and the CLI: what it
 * commits, what it drops, and that a failure anywhere leaves no new file behind and, with force,
 * every file it was to replace as it was.
 */
import {
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { PcmAudio, StemSink } from '../../src/engine/index'
import { decodeAudioFile } from '../../src/node/audio-decode'
import { removeStaleParts } from '../../src/node/audio-encode'
import { checkStemTargets, writeStems } from '../../src/node/stem-export'
import { OutputError } from '../../src/shared/errors'
import { makeTempDir } from '../helpers/audio-fixtures'

const tmp = makeTempDir('unweave-stems-')
afterAll(() => tmp.cleanup())
const fresh = tmp.fresh

const frames = 4800
const audio: PcmAudio = {
  sampleRate: 48000,
  channels: [new Float32Array(frames).fill(0.25), new Float32Array(frames).fill(-0.25)],
}

/** A synthesis of `k` sources: source s is the mixture times (s + 1) / 10, in blocks of 1000. */
async function fakeSynthesis(sink: StemSink, k: number, stopAt = Infinity): Promise<{ k: number }> {
  for (let at = 0; at < frames; at += 1000) {
    if (at >= stopAt) throw new Error('synthesis failed')
    for (let s = 0; s < k; s++) {
      const block = audio.channels.map((c) => c.slice(at, at + 1000).map((x) => (x * (s + 1)) / 10))
      await sink.write(s, block)
    }
  }
  return { k }
}

describe('writeStems', () => {
  it('commits every target, drops sources that are not targets', async () => {
    const dir = fresh()
    const targets = [0, 2].map((source) => ({ source, path: join(dir, `s${source}.wav`) }))
    const w = await writeStems(audio, targets, { format: 'wav', bits: '32f' }, (sink) =>
      fakeSynthesis(sink, 3),
    )
    expect(w.result.k).toBe(3)
    expect(w.files).toEqual(targets)
    expect(readdirSync(dir).sort()).toEqual(['s0.wav', 's2.wav'])
    const s2 = await decodeAudioFile(join(dir, 's2.wav'))
    expect(s2.channels[0]!.length).toBe(frames)
    expect(s2.channels[1]![100]).toBeCloseTo(-0.075, 6)
  })

  /**
   * writeStems with force into `k` targets of a fresh folder, `prepare`d first, where the second
   * target becomes a folder with a file in it once the synthesis is done, so moving a stem onto it
   * fails. Returns the targets; the run must fail with an OutputError.
   */
  async function secondPlacementFails(
    k: number,
    prepare: (paths: string[]) => void,
  ): Promise<string[]> {
    const dir = fresh()
    const targets = Array.from({ length: k }, (_, source) => ({
      source,
      path: join(dir, `s${source}.wav`),
    }))
    prepare(targets.map((t) => t.path))
    const err = await writeStems(
      audio,
      targets,
      { format: 'wav', bits: 16, force: true },
      async (sink) => {
        const r = await fakeSynthesis(sink, k)
        mkdirSync(targets[1]!.path)
        writeFileSync(join(targets[1]!.path, 'x'), '')
        return r
      },
    ).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OutputError)
    expect(readdirSync(dir).sort(), 'no temp files, no kept links').toEqual(
      targets.map((t) => `s${t.source}.wav`),
    )
    return targets.map((t) => t.path)
  }

  it('force: a stem that cannot be put in place leaves every old file as it was (stage all, then rename all)', async () => {
    const [s0, , s2] = await secondPlacementFails(3, ([a, , c]) => {
      writeFileSync(a!, 'old stem 1')
      writeFileSync(c!, 'old stem 3')
    })
    expect(readFileSync(s0!, 'utf8')).toBe('old stem 1')
    expect(readFileSync(s2!, 'utf8')).toBe('old stem 3')
  })

  it('force: a symbolic link that was to be replaced is put back as the same link', async () => {
    const elsewhere = join(fresh(), 'kept.wav')
    writeFileSync(elsewhere, 'not a stem')
    const [s0] = await secondPlacementFails(2, ([a]) => symlinkSync(elsewhere, a!))
    expect(readlinkSync(s0!)).toBe(elsewhere)
    expect(readFileSync(elsewhere, 'utf8')).toBe('not a stem')
  })

  it('force that succeeds replaces every old file and keeps no link of them', async () => {
    const dir = fresh()
    const targets = [0, 1].map((source) => ({ source, path: join(dir, `s${source}.wav`) }))
    writeFileSync(targets[0]!.path, 'old stem 1')
    await writeStems(audio, targets, { format: 'wav', bits: 16, force: true }, (sink) =>
      fakeSynthesis(sink, 2),
    )
    expect(readdirSync(dir).sort()).toEqual(['s0.wav', 's1.wav'])
    expect((await decodeAudioFile(targets[0]!.path)).channels[0]!.length).toBe(frames)
  })

  it("the links a killed --force run kept are swept once its process is gone, a live one's kept", async () => {
    // pid 2^23 is above Linux's largest pid: that process cannot exist
    const dead = `.a.wav.${2 ** 23}-0123456789ab.old`
    const live = `.a.wav.${process.pid}-0123456789ab.old`
    const deadSymlink = `.b.wav.${2 ** 23}-0123456789ab.old`
    const keptLinks = (): string => {
      const dir = fresh()
      writeFileSync(join(dir, 'a.wav'), 'old')
      // an old file, untouched for days: the links' age counts from their making (ctime)
      const days = (Date.now() - 5 * 24 * 3600_000) / 1000
      utimesSync(join(dir, 'a.wav'), days, days)
      for (const n of [dead, live]) linkSync(join(dir, 'a.wav'), join(dir, n))
      symlinkSync(join(dir, 'a.wav'), join(dir, deadSymlink))
      return dir
    }
    const justMade = keptLinks()
    expect(await removeStaleParts(justMade)).toEqual([])
    const later = keptLinks()
    expect((await removeStaleParts(later, Date.now() + 2 * 60_000)).sort()).toEqual(
      [join(later, dead), join(later, deadSymlink)].sort(),
    )
    expect(readdirSync(later).sort()).toEqual([live, 'a.wav'].sort())
    expect(readFileSync(join(later, 'a.wav'), 'utf8')).toBe('old')
  })

  it('a synthesis that fails half-way leaves no file, temporary or committed', async () => {
    const dir = fresh()
    const targets = [0, 1].map((source) => ({ source, path: join(dir, `s${source}.flac`) }))
    await expect(
      writeStems(audio, targets, { format: 'flac', bits: 16, openFirst: true }, (sink) =>
        fakeSynthesis(sink, 2, 2000),
      ),
    ).rejects.toThrow('synthesis failed')
    expect(readdirSync(dir)).toEqual([])
  })

  it('a source the result says was made but that got short of samples is an error, nothing left', async () => {
    const dir = fresh()
    const targets = [0, 1].map((source) => ({ source, path: join(dir, `s${source}.wav`) }))
    await expect(
      writeStems(
        audio,
        targets,
        { format: 'wav', bits: 16 },
        (sink) => fakeSynthesis(sink, 1),
        () => [0, 1],
      ),
    ).rejects.toThrow(/wrote 0 of 4800 samples of source 2/)
    expect(readdirSync(dir)).toEqual([])
  })

  it('checkStemTargets refuses the input and, without force, existing files', async () => {
    const dir = fresh()
    const input = join(dir, 'mix.wav')
    writeFileSync(input, 'x')
    const other = join(dir, 'mix.source-1.wav')
    await expect(checkStemTargets([input], input, true, 'another folder')).rejects.toThrow(
      /would overwrite the input file\. Choose another folder/,
    )
    writeFileSync(other, 'y')
    await expect(checkStemTargets([other], input, false, 'another folder')).rejects.toBeInstanceOf(
      OutputError,
    )
    await expect(checkStemTargets([other], input, true, 'another folder')).resolves.toBeUndefined()
  })
  it('targets the synthesis did not make are not committed and leave no temporary file', async () => {
    const dir = fresh()
    const targets = [0, 1, 2].map((source) => ({ source, path: join(dir, `s${source}.wav`) }))
    const w = await writeStems(
      audio,
      targets,
      { format: 'wav', bits: 16, openFirst: true },
      (sink) => fakeSynthesis(sink, 2),
      (r) => Array.from({ length: r.k }, (_, s) => s),
    )
    expect(w.files.map((f) => f.source)).toEqual([0, 1])
    expect(readdirSync(dir).sort()).toEqual(['s0.wav', 's1.wav'])
  })
})
