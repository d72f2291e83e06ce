/**
 * Decoders against files made at test time by sox / ffmpeg / flac: bit-exact for PCM WAV, float
 * WAV, RF64 and FLAC; rate, channels, length and correlation for MP3 / Vorbis / Opus; and every
 * bad input rejected with an InputError whose message says what is wrong.
 */
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeAudioFile } from '../../src/node/audio-decode'
import { InputError } from '../../src/shared/errors'
import {
  bestCorrelation,
  ffmpeg,
  ffmpegF32Reference,
  flacTool,
  makeTempDir,
  missingTools,
  sox,
  soxReference,
  soxTestSignal,
  wavBytes,
  writeFloatWav,
  pcm16StereoWav,
} from '../helpers/audio-fixtures'

const tmp = makeTempDir('unweave-decode-')
const dir = tmp.dir
afterAll(() => tmp.cleanup())
const p = (name: string): string => join(dir, name)

/** Expects decodeAudioFile(path) to reject with an InputError matching `re`. */
async function expectInputError(
  path: string,
  re: RegExp,
  opts?: Parameters<typeof decodeAudioFile>[1],
): Promise<void> {
  const err = await decodeAudioFile(path, opts).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err, `decoding ${path} should fail`).toBeInstanceOf(InputError)
  expect((err as InputError).exitCode).toBe(3)
  expect((err as InputError).message).toMatch(re)
}

function expectExact(actual: Float32Array[], reference: ArrayLike<number>[]): void {
  expect(actual.length).toBe(reference.length)
  for (let c = 0; c < reference.length; c++) {
    const a = actual[c]
    const r = reference[c]
    expect(a.length).toBe(r.length)
    let bad = -1
    for (let i = 0; i < a.length; i++) {
      if (a[i] !== Math.fround(r[i])) {
        bad = i
        break
      }
    }
    expect(bad, `channel ${c} first mismatch at ${bad}: ${a[bad]} vs ${r[bad]}`).toBe(-1)
  }
}

describe.skipIf(missingTools('sox'))('WAV (sox-made files, bit-exact)', () => {
  for (const bits of [8, 16, 24, 32]) {
    it(`${bits}-bit PCM stereo`, async () => {
      const f = p(`pcm${bits}.wav`)
      soxTestSignal(f, {
        bits,
        channels: 2,
        sec: 0.5,
        encoding: bits === 8 ? 'unsigned-integer' : 'signed-integer',
      })
      const d = await decodeAudioFile(f)
      expect(d.format).toBe('wav')
      expect(d.sampleRate).toBe(44100)
      expect(d.bitDepth).toBe(bits)
      expect(d.durationSec).toBeCloseTo(0.5, 6)
      expectExact(d.channels, soxReference(f, 2))
    })
  }

  it('WAVE_FORMAT_EXTENSIBLE, 6 channels, 24-bit at 96 kHz', async () => {
    const f = p('ext6.wav')
    soxTestSignal(f, { bits: 24, channels: 6, rate: 96000, sec: 0.3 })
    expect(readFileSync(f).readUInt16LE(20)).toBe(0xfffe)
    const d = await decodeAudioFile(f)
    expect(d.channels.length).toBe(6)
    expect(d.sampleRate).toBe(96000)
    expectExact(d.channels, soxReference(f, 6))
  })

  it('8 channels and the 8 kHz / 192 kHz rate limits are accepted', async () => {
    for (const [rate, ch] of [
      [8000, 1],
      [192000, 8],
    ]) {
      const f = p(`lim-${rate}-${ch}.wav`)
      soxTestSignal(f, { rate, channels: ch, sec: 0.1 })
      const d = await decodeAudioFile(f)
      expect([d.sampleRate, d.channels.length]).toEqual([rate, ch])
      expectExact(d.channels, soxReference(f, ch))
    }
  })

  it('A-law and mu-law WAV decode like sox does', async () => {
    for (const enc of ['a-law', 'u-law']) {
      const f = p(`${enc}.wav`)
      soxTestSignal(f, { bits: 8, encoding: enc, channels: 1, rate: 8000, sec: 0.5 })
      const d = await decodeAudioFile(f)
      expectExact(d.channels, soxReference(f, 1))
    }
  })

  it('a size field left unset by a pipe writer (sox 0x7ffff000) reads to the end of the file', async () => {
    const f = p('pipe.wav')
    const ref = p('pipe-ref.wav')
    soxTestSignal(ref, { channels: 2, sec: 0.25 })
    // sox writing to a pipe cannot seek back and leaves placeholder sizes.
    const buf = readFileSync(ref)
    const patched = Buffer.from(buf)
    patched.writeUInt32LE(0x7ffff024, 4)
    patched.writeUInt32LE(0x7ffff000, 40)
    writeFileSync(f, patched)
    const d = await decodeAudioFile(f)
    expectExact(d.channels, soxReference(ref, 2))
  })
})

describe.skipIf(missingTools('ffmpeg'))('WAV float and RF64 (ffmpeg-made files, bit-exact)', () => {
  it('32-bit and 64-bit float', async () => {
    for (const codec of ['pcm_f32le', 'pcm_f64le']) {
      const f = p(`${codec}.wav`)
      ffmpeg(
        '-f',
        'lavfi',
        '-i',
        'sine=f=440:d=0.5,volume=0.7',
        '-f',
        'lavfi',
        '-i',
        'anoisesrc=d=0.5:a=0.3',
        '-filter_complex',
        'amerge',
        '-c:a',
        codec,
        f,
      )
      const d = await decodeAudioFile(f)
      expect(d.bitDepth).toBe(codec === 'pcm_f32le' ? 32 : 64)
      expectExact(d.channels, ffmpegF32Reference(f, 2))
    }
  })

  it('RF64 (ffmpeg -rf64 always)', async () => {
    const f = p('rf64.wav')
    ffmpeg(
      '-f',
      'lavfi',
      '-i',
      'sine=f=330:d=0.5',
      '-ac',
      '2',
      '-c:a',
      'pcm_s24le',
      '-rf64',
      'always',
      f,
    )
    expect(readFileSync(f).subarray(0, 4).toString('latin1')).toBe('RF64')
    const d = await decodeAudioFile(f)
    expect(d.format).toBe('rf64')
    expect(d.channels[0].length).toBe(22050)
    expectExact(d.channels, ffmpegF32Reference(f, 2))
  })

  it('BW64 / RF64 written byte by byte, with a LIST chunk before fmt', async () => {
    const ints = new Int16Array([0, 1, -1, 32767, -32768, 1234, -4321, 77])
    const f = p('bw64.wav')
    writeFileSync(
      f,
      wavBytes({
        riff: 'BW64',
        channels: 2,
        sampleRate: 48000,
        formatTag: 1,
        bitsPerSample: 16,
        data: new Uint8Array(ints.buffer),
        before: [{ id: 'LIST', body: new Uint8Array(7) }],
      }),
    )
    const d = await decodeAudioFile(f)
    expect(Array.from(d.channels[0], (x) => x * 32768)).toEqual([0, -1, -32768, -4321])
    expect(Array.from(d.channels[1], (x) => x * 32768)).toEqual([1, 32767, 1234, 77])
  })
})

describe.skipIf(missingTools('sox', 'flac'))('FLAC (reference encoder, bit-exact)', () => {
  for (const [bits, ch, rate] of [
    [16, 2, 44100],
    [24, 2, 48000],
    [24, 8, 192000],
    [16, 1, 8000],
  ]) {
    it(`${bits}-bit, ${ch} ch, ${rate} Hz`, async () => {
      const wav = p(`f${bits}-${ch}-${rate}.wav`)
      const fl = wav.replace(/\.wav$/, '.flac')
      soxTestSignal(wav, { bits, channels: ch, rate, sec: 0.4 })
      expect(flacTool('-s', '-f', '-o', fl, wav).status).toBe(0)
      const d = await decodeAudioFile(fl)
      expect(d.format).toBe('flac')
      expect(d.bitDepth).toBe(bits)
      expect(d.sampleRate).toBe(rate)
      expectExact(d.channels, soxReference(wav, ch))
    })
  }
})

/** sox's arguments for 2 s of 440 Hz and 660 Hz at half volume. */
const TWO_TONES = 'synth 2 sine 440 sine 660 vol 0.5'.split(' ')

describe.skipIf(missingTools('sox', 'ffmpeg'))(
  'lossy codecs (ffmpeg-made): rate, channels, length, correlation',
  () => {
    const src44 = p('lossy-src-44.wav')
    const src48 = p('lossy-src-48.wav')
    beforeAll(() => {
      sox(...'-n -r 44100 -c 2 -b 16'.split(' '), src44, ...TWO_TONES)
      sox(...'-n -r 48000 -c 2 -b 16'.split(' '), src48, ...TWO_TONES)
    })

    const cases: [string, string[], string, number, string][] = [
      ['mp3', ['-c:a', 'libmp3lame', '-b:a', '192k'], 'mp3', 44100, src44],
      ['ogg', ['-c:a', 'libvorbis', '-q:a', '6'], 'vorbis', 44100, src44],
      ['opus', ['-c:a', 'libopus', '-b:a', '160k'], 'opus', 48000, src48],
    ]
    for (const [ext, args, format, rate, src] of cases) {
      it(`${format}: stereo, ${rate} Hz, 2 s`, async () => {
        const f = p(`lossy.${ext}`)
        ffmpeg('-i', src, ...args, f)
        const d = await decodeAudioFile(f)
        const ref = await decodeAudioFile(src)
        expect(d.format).toBe(format)
        expect(d.sampleRate).toBe(rate)
        expect(d.channels.length).toBe(2)
        expect(Math.abs(d.durationSec - 2)).toBeLessThan(0.06)
        for (let c = 0; c < 2; c++) {
          const { r } = bestCorrelation(ref.channels[c], d.channels[c], 1200, 20000, 8192)
          expect(r).toBeGreaterThan(0.98)
        }
      })
    }

    it('mono MP3 decodes as one channel', async () => {
      const mono = p('mono.wav')
      sox('-n', '-r', '22050', '-c', '1', '-b', '16', mono, 'synth', '1', 'sine', '300')
      const f = p('mono.mp3')
      ffmpeg('-i', mono, '-c:a', 'libmp3lame', f)
      const d = await decodeAudioFile(f)
      expect(d.channels.length).toBe(1)
      expect(d.sampleRate).toBe(22050)
    })

    it('6-channel Opus and Vorbis keep their channels', async () => {
      const six = p('six.wav')
      soxTestSignal(six, { channels: 6, rate: 48000, sec: 0.5 })
      for (const [ext, args] of [
        ['opus', ['-c:a', 'libopus', '-mapping_family', '1']],
        ['ogg', ['-c:a', 'libvorbis']],
      ] as const) {
        const f = p(`six.${ext}`)
        ffmpeg('-i', six, ...args, f)
        const d = await decodeAudioFile(f)
        expect(d.channels.length).toBe(6)
      }
    })
  },
)

describe('bad input: InputError with a message that says what is wrong', () => {
  it('missing file and folder', async () => {
    await expectInputError(p('does-not-exist.wav'), /does not exist/)
    await expectInputError(dir, /is a folder/)
  })

  it.skipIf(process.platform === 'win32')(
    'a FIFO, a device: refused without opening them (no hang)',
    async () => {
      execFileSync('mkfifo', [p('fifo-input.wav')])
      await expectInputError(p('fifo-input.wav'), /is a named pipe \(FIFO\), not an audio file/)
      await expectInputError('/dev/zero', /is a device, not an audio file/)
    },
  )

  it('empty file', async () => {
    writeFileSync(p('empty.wav'), '')
    await expectInputError(p('empty.wav'), /is empty \(0 bytes\)/)
  })

  it('not audio at all', async () => {
    writeFileSync(p('text.wav'), 'hello, this is not audio\n'.repeat(20))
    await expectInputError(p('text.wav'), /not an audio format Unweave recognises/)
    const rnd = new Uint8Array(4096).map((_, i) => (i * 2654435761) >>> 24)
    writeFileSync(p('random.flac'), rnd)
    await expectInputError(p('random.flac'), /not an audio format|could not be decoded|corrupt/)
  })

  it('zero-length WAV', async () => {
    writeFileSync(p('zero.wav'), pcm16StereoWav(new Uint8Array(0)))
    await expectInputError(p('zero.wav'), /no audio samples \(zero-length/)
  })

  it('0 channels and 9 channels', async () => {
    writeFileSync(
      p('ch0.wav'),
      wavBytes({
        channels: 0,
        sampleRate: 44100,
        formatTag: 1,
        bitsPerSample: 16,
        data: new Uint8Array(64),
      }),
    )
    await expectInputError(p('ch0.wav'), /0 audio channels/)
    writeFileSync(
      p('ch9.wav'),
      wavBytes({
        channels: 9,
        sampleRate: 44100,
        formatTag: 1,
        bitsPerSample: 16,
        data: new Uint8Array(18 * 10),
      }),
    )
    await expectInputError(p('ch9.wav'), /has 9 channels.*at most 8/)
  })

  it('sample rate outside 8-192 kHz', async () => {
    writeFileSync(
      p('sr4k.wav'),
      wavBytes({
        channels: 1,
        sampleRate: 4000,
        formatTag: 1,
        bitsPerSample: 16,
        data: new Uint8Array(100),
      }),
    )
    await expectInputError(p('sr4k.wav'), /sample rate of 4000 Hz.*8000 to 192000/)
    writeFileSync(
      p('sr384k.wav'),
      wavBytes({
        channels: 1,
        sampleRate: 384000,
        formatTag: 1,
        bitsPerSample: 16,
        data: new Uint8Array(100),
      }),
    )
    await expectInputError(p('sr384k.wav'), /sample rate of 384000 Hz/)
  })

  it('NaN and infinite samples in a float WAV', async () => {
    const a = new Float32Array(1000).map((_, i) => Math.sin(i / 10) * 0.5)
    const b = a.slice()
    b[500] = NaN
    writeFloatWav(p('nan.wav'), [a, b], 1000 * 8)
    await expectInputError(p('nan.wav'), /invalid samples \(NaN or infinity\) from 0\.063 s/)
    const c = a.slice()
    c[10] = Infinity
    writeFloatWav(p('inf.wav'), [c], 8000)
    await expectInputError(p('inf.wav'), /invalid samples \(NaN or infinity\)/)
  })

  it('truncated WAV (header promises more data than the file holds)', async () => {
    const data = new Uint8Array(4000)
    const full = wavBytes({ channels: 2, sampleRate: 44100, formatTag: 1, bitsPerSample: 16, data })
    writeFileSync(p('trunc.wav'), full.subarray(0, full.length - 1000))
    await expectInputError(
      p('trunc.wav'),
      /truncated: its header announces 4000 bytes of audio but only 3000/,
    )
    writeFileSync(p('trunc-header.wav'), full.subarray(0, 30))
    await expectInputError(p('trunc-header.wav'), /truncated|no 'fmt ' chunk/)
  })

  it('unsupported WAV encodings and other formats name what they are', async () => {
    writeFileSync(
      p('adpcm.wav'),
      wavBytes({
        channels: 1,
        sampleRate: 8000,
        formatTag: 2,
        bitsPerSample: 4,
        data: new Uint8Array(256),
      }),
    )
    await expectInputError(p('adpcm.wav'), /Microsoft ADPCM \(format 0x0002\).*cannot read/)
    writeFileSync(
      p('f16.wav'),
      wavBytes({
        channels: 1,
        sampleRate: 8000,
        formatTag: 3,
        bitsPerSample: 16,
        data: new Uint8Array(256),
      }),
    )
    await expectInputError(p('f16.wav'), /floating point with 16-bit samples/)
    const aiff = Buffer.alloc(64)
    aiff.write('FORM', 0, 'latin1')
    aiff.write('AIFF', 8, 'latin1')
    writeFileSync(p('x.aiff'), aiff)
    await expectInputError(
      p('x.aiff'),
      /an AIFF file, which Unweave cannot read.*Convert it to WAV or FLAC/,
    )
  })

  it('files too large for the decode limit', async () => {
    writeFileSync(
      p('big.wav'),
      wavBytes({
        channels: 2,
        sampleRate: 8000,
        formatTag: 1,
        bitsPerSample: 16,
        data: new Uint8Array(40000),
      }),
    )
    await expectInputError(p('big.wav'), /too large: .* over the 0\.0 GiB limit. Split it/, {
      maxDecodedBytes: 1000,
    })
  })

  describe.skipIf(missingTools('sox', 'flac', 'ffmpeg'))('made by the tools', () => {
    it('truncated and corrupt FLAC, zero-length FLAC', async () => {
      const wav = p('bad-src.wav')
      soxTestSignal(wav, { channels: 2, sec: 2 })
      const fl = p('bad-src.flac')
      expect(flacTool('-s', '-f', '-o', fl, wav).status).toBe(0)
      copyFileSync(fl, p('cut.flac'))
      truncateSync(p('cut.flac'), Math.floor(readFileSync(fl).length / 3))
      await expectInputError(
        p('cut.flac'),
        /truncated or damaged: its header announces 88200 samples/,
      )

      const corrupt = Buffer.from(readFileSync(fl))
      for (let i = 200; i < corrupt.length; i += 50) corrupt[i] ^= 0x5a
      writeFileSync(p('corrupt.flac'), corrupt)
      await expectInputError(p('corrupt.flac'), /corrupt|truncated or damaged|yielded no audio/)

      const z = p('zero-src.raw')
      writeFileSync(z, '')
      const zf = p('zero.flac')
      const raw = [
        '--force-raw-format',
        '--endian=little',
        '--sign=signed',
        '--channels=1',
        '--bps=16',
        '--sample-rate=44100',
      ]
      expect(flacTool('-s', '-f', ...raw, '-o', zf, z).status).toBe(0)
      await expectInputError(zf, /no audio samples \(zero-length FLAC\)/)
    })

    it('9-channel WAV from sox', async () => {
      const f = p('nine.wav')
      soxTestSignal(f, { channels: 9, sec: 0.1 })
      await expectInputError(f, /has 9 channels/)
    })

    it('unsupported containers made by ffmpeg (AU, M4A)', async () => {
      const src = p('bad-src.wav')
      for (const [ext, re] of [
        ['au', /Sun\/NeXT AU file/],
        ['m4a', /MP4\/M4A/],
      ] as const) {
        const f = p(`x.${ext}`)
        ffmpeg('-i', src, '-t', '0.2', f)
        await expectInputError(f, re)
      }
    })
  })

  it('never throws anything but InputError on garbage after a valid header', async () => {
    mkdirSync(p('fuzz'), { recursive: true })
    const base = pcm16StereoWav(new Uint8Array(400))
    for (let cut = 0; cut < 80; cut += 3) {
      const f = p(`fuzz/cut${cut}.wav`)
      writeFileSync(f, base.subarray(0, cut))
      const r = await decodeAudioFile(f).then(
        () => 'ok',
        (e: unknown) => (e instanceof InputError ? 'input' : `other: ${String(e)}`),
      )
      expect(r, `cut at ${cut}`).toBe('input')
    }
  })
})

describe.skipIf(missingTools('sox', 'ffmpeg', 'flac'))(
  'damaged compressed files never crash',
  () => {
    it('random byte damage and cuts give audio (maybe with warnings) or an InputError', async () => {
      const src = p('dmg-src.wav')
      soxTestSignal(src, { channels: 2, sec: 1 })
      const files: string[] = []
      for (const [ext, args] of [
        ['mp3', ['-c:a', 'libmp3lame']],
        ['ogg', ['-c:a', 'libvorbis']],
        ['opus', ['-c:a', 'libopus']],
      ] as const) {
        const f = p(`dmg.${ext}`)
        ffmpeg('-i', src, ...args, f)
        files.push(f)
      }
      const fl = p('dmg.flac')
      expect(flacTool('-s', '-f', '-o', fl, src).status).toBe(0)
      files.push(fl)
      let seed = 3
      const rnd = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32
      for (const f of files) {
        const orig = readFileSync(f)
        for (let k = 0; k < 12; k++) {
          const b = Buffer.from(orig)
          for (let i = 0; i < 20; i++)
            b[100 + Math.floor(rnd() * (b.length - 100))] = Math.floor(rnd() * 256)
          const data = k % 2 ? b.subarray(0, 64 + Math.floor(rnd() * b.length)) : b
          const g = `${f}.${k}`
          writeFileSync(g, data)
          const r = await decodeAudioFile(g).then(
            (d) => (d.warnings ? 'warn' : 'ok'),
            (e: unknown) => (e instanceof InputError ? 'input' : `other: ${String(e)}`),
          )
          expect(['ok', 'warn', 'input'], `${g}: ${r}`).toContain(r)
        }
      }
    })
  },
)

describe.skipIf(missingTools('sox', 'ffmpeg'))(
  'truncated streams without a length in the header (issue 16): said, not silently short',
  () => {
    const cut = (src: string, dst: string, keep: number): void => {
      const b = readFileSync(src)
      writeFileSync(dst, b.subarray(0, Math.floor(b.length * keep)))
    }

    it('Ogg Vorbis and Opus cut short: a warning with the decoded length; whole files none', async () => {
      const wav = p('trunc-src.wav')
      soxTestSignal(wav, { rate: 48000, channels: 1, sec: 3 })
      for (const [ext, args] of [
        ['ogg', ['-c:a', 'libvorbis']],
        ['opus', ['-c:a', 'libopus']],
      ] as const) {
        const whole = p(`trunc-whole.${ext}`)
        ffmpeg('-i', wav, ...args, whole)
        expect((await decodeAudioFile(whole)).warnings ?? []).toEqual([])
        const short = p(`trunc-short.${ext}`)
        cut(whole, short, 0.75)
        const d = await decodeAudioFile(short)
        expect(d.durationSec).toBeLessThan(2.9)
        expect(d.warnings?.join(' '), ext).toMatch(
          /ends without the Ogg end-of-stream mark: it is probably truncated; only [\d.]+ s could be decoded/,
        )
      }
    })

    it.skipIf(missingTools('flac'))(
      'FLAC from a pipe (no length in STREAMINFO): every cut inside a frame is a warning; whole files, with or without an ID3v1 tag, none',
      async () => {
        let cutsWarned = 0
        for (const [channels, bits, block] of [
          [2, 16, 4096],
          [1, 24, 1152],
          [3, 16, 192],
        ] as const) {
          const wav = p(`pipe-${channels}.wav`)
          soxTestSignal(wav, { rate: 44100, channels, sec: 2, bits })
          const raw = execFileSync('sox', ['-q', wav, '-t', 'raw', '-L', '-'])
          const flac = execFileSync(
            'flac',
            [
              '-s',
              '--force-raw-format',
              '--endian=little',
              '--sign=signed',
              `--channels=${channels}`,
              `--bps=${bits}`,
              '--sample-rate=44100',
              `--blocksize=${block}`,
              '-',
              '-c',
            ],
            { input: raw, maxBuffer: 1 << 28 },
          )
          const what = `${channels} ch, ${bits}-bit, blocks of ${block}`
          expect(flac.readUInt32BE(8 + 14), `${what}: STREAMINFO gives no length`).toBe(0)
          const whole = p('pipe-whole.flac')
          writeFileSync(whole, flac)
          const all = await decodeAudioFile(whole)
          expect(all.channels[0]!.length, what).toBe(2 * 44100)
          expect(all.warnings ?? [], what).toEqual([])
          writeFileSync(whole, Buffer.concat([flac, Buffer.from('TAG'), Buffer.alloc(125)]))
          expect((await decodeAudioFile(whole)).warnings ?? [], `${what}, ID3v1`).toEqual([])
          for (let k = 1; k <= 12; k++) {
            const short = p('pipe-short.flac')
            writeFileSync(short, flac.subarray(0, Math.floor((flac.length * k) / 13)))
            const cut = `${what}, cut at ${k}/13`
            const d = await decodeAudioFile(short).catch((e: unknown) => e)
            if (d instanceof InputError) {
              // nothing decoded before the cut (flac pads its metadata with 8 KiB): refused, and
              // not called zero-length
              expect(d.message, cut).toMatch(
                /is truncated: it ends inside its (first FLAC frame|FLAC metadata)/,
              )
              continue
            }
            const got = d as Awaited<ReturnType<typeof decodeAudioFile>>
            expect(got.durationSec, cut).toBeLessThan(2)
            expect(got.warnings?.join(' '), cut).toMatch(
              new RegExp(
                `ends inside a FLAC frame and its STREAMINFO gives no length: it is probably truncated; only ${got.durationSec.toFixed(3)} s could be decoded`,
              ),
            )
            cutsWarned++
          }
          // cut in the metadata, and in the first frame: no audio, a truncated file
          let first = 4
          for (let last = false; !last; first += 4 + flac.readUIntBE(first + 1, 3))
            last = (flac[first]! & 0x80) !== 0
          const stub = p('pipe-stub.flac')
          writeFileSync(stub, flac.subarray(0, first + 40))
          await expectInputError(stub, /is truncated: it ends inside its first FLAC frame/)
          writeFileSync(stub, flac.subarray(0, first - 10))
          await expectInputError(stub, /is truncated: it ends inside its FLAC metadata/)
        }
        expect(cutsWarned, 'most cuts decode some audio and warn').toBeGreaterThan(30)
      },
    )

    it('MP3: a Xing/Info header that announces more is an InputError; without one, a cut frame is a warning', async () => {
      const wav = p('trunc-mp3.wav')
      soxTestSignal(wav, { rate: 44100, channels: 2, sec: 3 })
      const xing = p('trunc-xing.mp3')
      ffmpeg('-i', wav, '-c:a', 'libmp3lame', '-b:a', '128k', xing)
      expect((await decodeAudioFile(xing)).warnings ?? []).toEqual([])
      const xingShort = p('trunc-xing-short.mp3')
      cut(xing, xingShort, 0.45)
      await expectInputError(
        xingShort,
        /header announces \d+ samples per channel .* but only [\d.]+ s could be decoded/,
      )
      const plain = p('trunc-plain.mp3')
      ffmpeg('-i', wav, '-c:a', 'libmp3lame', '-b:a', '128k', '-write_xing', '0', plain)
      expect((await decodeAudioFile(plain)).warnings ?? []).toEqual([])
      const plainShort = p('trunc-plain-short.mp3')
      cut(plain, plainShort, 0.45)
      const d = await decodeAudioFile(plainShort)
      expect(d.durationSec).toBeLessThan(2)
      expect(d.warnings?.join(' ')).toMatch(
        /ends inside an MP3 frame: it is probably truncated; only [\d.]+ s/,
      )
    })
  },
)
