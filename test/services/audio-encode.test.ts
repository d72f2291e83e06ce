/**
 * Stem writers: round trips through our decoder and the reference tools (sox, ffprobe, `flac -t`),
 * rounding and clipping, RF64, and atomicity (temp file only until commit, nothing left after
 * abort, no overwrite without force, the input is never overwritten).
 */
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { decodeAudioFile } from '../../src/node/audio-decode'
import { openStemWriter, type StemBits, type StemFormat } from '../../src/node/audio-encode'
import { OutputError, UsageError } from '../../src/shared/errors'
import {
  ffprobe,
  flacTool,
  makeTempDir,
  missingTools,
  soxReference,
} from '../helpers/audio-fixtures'

const tmp = makeTempDir('unweave-encode-')
afterAll(() => tmp.cleanup())
const freshDir = tmp.fresh
/** 16-bit mono WAV at 8 kHz: the writer options of the atomicity tests. */
const MONO_WAV16 = { format: 'wav', bits: 16, sampleRate: 8000, channels: 1 } as const

/** A deterministic test signal: tones plus pseudo-noise, within [-0.9, 0.9]. */
function signal(channels: number, frames: number, rate: number): Float32Array[] {
  let seed = 12345
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1
  return Array.from({ length: channels }, (_, c) => {
    const a = new Float32Array(frames)
    for (let i = 0; i < frames; i++)
      a[i] = 0.6 * Math.sin((2 * Math.PI * (220 * (c + 1)) * i) / rate) + 0.25 * rnd()
    return a
  })
}

async function writeStem(
  path: string,
  audio: Float32Array[],
  rate: number,
  format: StemFormat,
  bits: StemBits,
  extra: { force?: boolean; forceRf64?: boolean; block?: number } = {},
): Promise<void> {
  const w = await openStemWriter(path, {
    format,
    bits,
    sampleRate: rate,
    channels: audio.length,
    force: extra.force,
    forceRf64: extra.forceRf64,
  })
  const block = extra.block ?? 4096
  for (let i = 0; i < audio[0].length; i += block)
    await w.write(audio.map((ch) => ch.subarray(i, i + block)))
  await w.commit()
}

const q = (x: number, bits: number): number => {
  const s = 2 ** (bits - 1)
  const v = x * s
  const r = v >= 0 ? Math.floor(v + 0.5) : -Math.floor(0.5 - v)
  return Math.max(-s, Math.min(s - 1, r)) / s
}

describe('round trips through our decoder', () => {
  const rate = 44100
  const audio = signal(2, 30_000, rate)
  for (const [format, bits] of [
    ['wav', 16],
    ['wav', 24],
    ['wav', '32f'],
    ['flac', 16],
    ['flac', 24],
  ] as [StemFormat, StemBits][]) {
    it(`${format} ${bits}: exactly the rounded samples`, async () => {
      const f = join(freshDir(), `rt.${format}`)
      await writeStem(f, audio, rate, format, bits, { block: 1000 })
      const d = await decodeAudioFile(f)
      expect(d.sampleRate).toBe(rate)
      expect(d.channels.length).toBe(2)
      expect(d.channels[0].length).toBe(audio[0].length)
      for (let c = 0; c < 2; c++) {
        for (let i = 0; i < audio[c].length; i++) {
          const want = bits === '32f' ? audio[c][i] : Math.fround(q(audio[c][i], bits))
          if (d.channels[c][i] !== want)
            expect.fail(`channel ${c} sample ${i}: ${d.channels[c][i]} vs ${want}`)
        }
      }
    })
  }

  it('rounds to nearest (ties away from zero) and clips, without dither', async () => {
    const vals = new Float32Array([
      0,
      0.5 / 32768,
      -0.5 / 32768,
      1.49 / 32768,
      1,
      -1,
      1.5,
      -1.5,
      NaN,
      32767.5 / 32768,
    ])
    const f = join(freshDir(), 'clip.wav')
    const w = await openStemWriter(f, MONO_WAV16)
    await w.write([vals])
    expect(w.clippedSamples).toBe(4)
    await w.commit()
    const d = await decodeAudioFile(f)
    expect(Array.from(d.channels[0], (x) => x * 32768)).toEqual([
      0, 1, -1, 1, 32767, -32768, 32767, -32768, 0, 32767,
    ])
  })

  it('6-channel 24-bit WAV uses WAVE_FORMAT_EXTENSIBLE', async () => {
    const f = join(freshDir(), 'six.wav')
    await writeStem(f, signal(6, 5000, 48000), 48000, 'wav', 24)
    expect(readFileSync(f).readUInt16LE(12 + 36 + 8)).toBe(0xfffe)
    const d = await decodeAudioFile(f)
    expect(d.channels.length).toBe(6)
  })

  it('a stem with an odd number of data bytes is padded to a word boundary', async () => {
    const f = join(freshDir(), 'odd.wav')
    await writeStem(f, signal(1, 101, 8000), 8000, 'wav', 24)
    expect(readFileSync(f).length % 2).toBe(0)
    expect((await decodeAudioFile(f)).channels[0].length).toBe(101)
  })
})

describe.skipIf(missingTools('sox', 'ffprobe', 'flac'))(
  'the reference tools read our files',
  () => {
    const rate = 48000
    const audio = signal(2, 48_000, rate)

    it('sox reads our 16/24-bit WAV bit-exactly and ffprobe our 32f WAV', async () => {
      const d = freshDir()
      for (const bits of [16, 24] as const) {
        const f = join(d, `s${bits}.wav`)
        await writeStem(f, audio, rate, 'wav', bits)
        const ref = soxReference(f, 2)
        for (let i = 0; i < 1000; i++) expect(ref[0][i]).toBe(q(audio[0][i], bits))
      }
      const f = join(d, 'f.wav')
      await writeStem(f, audio, rate, 'wav', '32f')
      expect(ffprobe(f)).toMatchObject({ sampleRate: rate, channels: 2, codec: 'pcm_f32le' })
    })

    it('flac -t passes on our FLAC 16 and 24, and flac -d gives the same samples', async () => {
      const d = freshDir()
      for (const bits of [16, 24] as const) {
        const f = join(d, `x${bits}.flac`)
        await writeStem(f, audio, rate, 'flac', bits)
        const t = flacTool('-t', f)
        expect(t.status, t.output).toBe(0)
        expect(t.output).toMatch(/ok/)
        const wav = join(d, `x${bits}.dec.wav`)
        expect(flacTool('-s', '-d', '-f', '-o', wav, f).status).toBe(0)
        const ref = soxReference(wav, 2)
        expect(ref[0].length).toBe(audio[0].length)
        for (let i = 0; i < ref[0].length; i += 7) expect(ref[1][i]).toBe(q(audio[1][i], bits))
      }
    })

    it('RF64 (forced) is read by ffprobe and by our decoder', async () => {
      const f = join(freshDir(), 'rf.wav')
      await writeStem(f, audio, rate, 'wav', '32f', { forceRf64: true })
      const b = readFileSync(f)
      expect(b.subarray(0, 4).toString('latin1')).toBe('RF64')
      expect(b.subarray(12, 16).toString('latin1')).toBe('ds64')
      expect(ffprobe(f)).toMatchObject({ sampleRate: rate, channels: 2 })
      const dec = await decodeAudioFile(f)
      expect(dec.format).toBe('rf64')
      expect(dec.channels[1]).toEqual(audio[1])
    })
  },
)

describe('atomic writes', () => {
  it('only a hidden temp file exists until commit; none is left after', async () => {
    const d = freshDir()
    const f = join(d, 'stem.wav')
    const w = await openStemWriter(f, { format: 'wav', bits: 24, sampleRate: 8000, channels: 1 })
    await w.write([new Float32Array(1000).fill(0.1)])
    const during = readdirSync(d)
    expect(during).toHaveLength(1)
    expect(during[0]).toMatch(/^\.stem\.wav\.\d+-[0-9a-f]{12}\.part$/)
    await w.commit()
    expect(readdirSync(d)).toEqual(['stem.wav'])
  })

  it('abort removes the temp file and leaves nothing', async () => {
    const d = freshDir()
    for (const format of ['wav', 'flac'] as const) {
      const w = await openStemWriter(join(d, `a.${format}`), {
        format,
        bits: 16,
        sampleRate: 8000,
        channels: 2,
      })
      await w.write([new Float32Array(5000), new Float32Array(5000)])
      await w.abort()
      await w.abort() // idempotent
      await expect(w.write([new Float32Array(1), new Float32Array(1)])).rejects.toThrow(/aborted/)
    }
    expect(readdirSync(d)).toEqual([])
  })

  it('refuses to overwrite an existing file unless force, and then replaces it', async () => {
    const d = freshDir()
    const f = join(d, 'exists.wav')
    writeFileSync(f, 'precious')
    const err = await openStemWriter(f, MONO_WAV16).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OutputError)
    expect((err as OutputError).exitCode).toBe(5)
    expect((err as OutputError).message).toMatch(/exists already. Use --force/)
    expect(readFileSync(f, 'utf8')).toBe('precious')
    expect(readdirSync(d)).toEqual(['exists.wav'])
    await writeStem(f, [new Float32Array(100)], 8000, 'wav', 16, { force: true })
    expect((await decodeAudioFile(f)).channels[0].length).toBe(100)
    expect(readdirSync(d)).toEqual(['exists.wav'])
  })

  it('a file that appears while writing is not overwritten at commit', async () => {
    const d = freshDir()
    const f = join(d, 'race.wav')
    const w = await openStemWriter(f, MONO_WAV16)
    await w.write([new Float32Array(100)])
    writeFileSync(f, 'someone else')
    await expect(w.commit()).rejects.toThrow(/appeared while Unweave was writing/)
    expect(readFileSync(f, 'utf8')).toBe('someone else')
    expect(readdirSync(d)).toEqual(['race.wav'])
  })

  it('never overwrites a protected path (the input), even with force', async () => {
    const d = freshDir()
    const f = join(d, 'input.wav')
    writeFileSync(f, 'the input')
    const err = await openStemWriter(f, {
      ...MONO_WAV16,
      force: true,
      protect: [f],
    }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OutputError)
    expect((err as Error).message).toMatch(/it is the input file/)
    expect(readFileSync(f, 'utf8')).toBe('the input')
  })

  it('missing folder, a file as folder, and an unwritable folder are OutputErrors', async () => {
    const d = freshDir()
    const opts = { format: 'wav', bits: 16, sampleRate: 8000, channels: 1 } as const
    await expect(openStemWriter(join(d, 'nope', 'x.wav'), opts)).rejects.toThrow(
      /folder .* does not exist/,
    )
    writeFileSync(join(d, 'file'), '')
    await expect(openStemWriter(join(d, 'file', 'x.wav'), opts)).rejects.toThrow(/is not a folder/)
    if (process.getuid?.() !== 0) {
      const ro = join(d, 'ro')
      mkdirSync(ro)
      chmodSync(ro, 0o555)
      await expect(openStemWriter(join(ro, 'x.wav'), opts)).rejects.toThrow(/permission denied/)
      chmodSync(ro, 0o755)
    }
  })

  it('rejects impossible settings as usage errors', async () => {
    const f = join(freshDir(), 'x.flac')
    await expect(
      openStemWriter(f, { format: 'flac', bits: '32f', sampleRate: 8000, channels: 1 }),
    ).rejects.toBeInstanceOf(UsageError)
    await expect(
      openStemWriter(f, { format: 'wav', bits: 16, sampleRate: 8000, channels: 9 }),
    ).rejects.toBeInstanceOf(UsageError)
  })
})

describe.skipIf(!process.env.UNWEAVE_SLOW_TESTS)(
  'over 4 GiB (set UNWEAVE_SLOW_TESTS=1; writes 4.1 GiB)',
  () => {
    it('a 32f stem past 4 GiB becomes RF64 with a ds64 chunk that readers accept', async () => {
      const d = freshDir()
      const f = join(d, 'huge.wav')
      const frames = 550_000_000 // x 8 bytes (stereo float) = 4.4 GB > 2^32
      const w = await openStemWriter(f, {
        format: 'wav',
        bits: '32f',
        sampleRate: 192000,
        channels: 2,
      })
      const block = 1 << 20
      const ch = [new Float32Array(block).fill(0.25), new Float32Array(block).fill(-0.25)]
      for (let i = 0; i < frames; i += block) {
        const m = Math.min(block, frames - i)
        await w.write(m === block ? ch : ch.map((c) => c.subarray(0, m)))
      }
      await w.commit()
      const { openSync, readSync, closeSync, statSync, unlinkSync } = await import('node:fs')
      const head = Buffer.alloc(128)
      const fd = openSync(f, 'r')
      readSync(fd, head, 0, 128, 0)
      closeSync(fd)
      expect(head.subarray(0, 4).toString('latin1')).toBe('RF64')
      expect(head.subarray(12, 16).toString('latin1')).toBe('ds64')
      expect(Number(head.readBigUInt64LE(28))).toBe(frames * 8)
      expect(Number(head.readBigUInt64LE(20))).toBe(statSync(f).size - 8)
      const { parseWavHeader } = await import('../../src/node/wav-reader')
      const { open } = await import('node:fs/promises')
      const fh = await open(f, 'r')
      try {
        const info = await parseWavHeader(
          async (p, n) => {
            const b = Buffer.alloc(n)
            const { bytesRead } = await fh.read(b, 0, n, p)
            return b.subarray(0, bytesRead)
          },
          statSync(f).size,
          'huge.wav',
        )
        expect(info).toMatchObject({ container: 'rf64', frames, channels: 2, formatTag: 3 })
      } finally {
        await fh.close()
      }
      if (!missingTools('ffprobe'))
        expect(ffprobe(f)).toMatchObject({ sampleRate: 192000, channels: 2 })
      unlinkSync(f)
    }, 600_000)
  },
)
