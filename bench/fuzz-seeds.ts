/**
 * The valid files the fuzzer (bench/fuzz.ts) mutates, made at its start: WAV / RF64 and FLAC by
 * Unweave's own stem writers and the test helpers' byte-exact WAV builder, MP3, Ogg Vorbis, Opus and
 * Ogg FLAC by ffmpeg (those targets are skipped, and said so, where ffmpeg is missing), and a valid
 * `.unweave` project with its recording. Short signals, so that a case costs milliseconds.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { openStemWriter, type StemBits, type StemFormat } from '../src/node/index'
import { hasTool, wavBytes } from '../test/helpers/audio-fixtures'
import { validProject, type Container } from '../test/helpers/hostile-projects'
import { syntheticSong } from './signals'

/** The readers the fuzzer drives. */
export const TARGETS = ['wav', 'flac', 'mp3', 'ogg', 'project'] as const
export type Target = (typeof TARGETS)[number]

/** One valid file: its name and bytes. */
export interface Seed {
  name: string
  bytes: Uint8Array
}

/** The seeds of every target that could be made, the project's container, and what was skipped. */
export interface Seeds {
  files: Record<Target, Seed[]>
  /** The valid project taken apart (for the structured hostile cases). */
  container: Container
  /** Targets without seeds, with the reason. */
  skipped: string[]
}

/** A file's extension per target (the readers detect by content; this is for people). */
export const EXT: Record<Target, string> = {
  wav: 'wav',
  flac: 'flac',
  mp3: 'mp3',
  ogg: 'ogg',
  project: 'unweave',
}

async function written(
  dir: string,
  name: string,
  format: StemFormat,
  bits: StemBits,
  rate: number,
  channels: Float32Array[],
  forceRf64 = false,
): Promise<Seed> {
  const path = join(dir, name)
  const w = await openStemWriter(path, {
    format,
    bits,
    sampleRate: rate,
    channels: channels.length,
    forceRf64,
  })
  await w.write(channels)
  await w.commit()
  return { name, bytes: new Uint8Array(readFileSync(path)) }
}

/** Interleaved little-endian sample bytes of `channels` (int of `bits`, or float when `float`). */
function interleaved(channels: Float32Array[], bits: number, float = false): Uint8Array {
  const n = channels[0]!.length
  const bytes = bits / 8
  const out = Buffer.alloc(n * channels.length * bytes)
  let o = 0
  for (let i = 0; i < n; i++) {
    for (const ch of channels) {
      const v = ch[i]!
      if (float && bits === 64) out.writeDoubleLE(v, o)
      else if (float) out.writeFloatLE(v, o)
      else if (bits === 8) out.writeUInt8(Math.round(v * 127) + 128, o)
      else out.writeIntLE(Math.round(v * (2 ** (bits - 1) - 1)), o, bytes)
      o += bytes
    }
  }
  return out
}

/** Makes the seeds in `dir` (a fresh temp folder the caller removes). */
export async function makeSeeds(dir: string): Promise<Seeds> {
  const stereo = syntheticSong(44100, 0.25).mix
  const mono16k = [syntheticSong(16000, 0.3).mix[0]!]
  const short = stereo.map((c) => c.subarray(0, 2000))
  const wav: Seed[] = [
    await written(dir, 'pcm16-stereo.wav', 'wav', 16, 44100, stereo),
    await written(dir, 'pcm24-mono.wav', 'wav', 24, 16000, mono16k),
    await written(dir, 'float32-stereo.wav', 'wav', '32f', 44100, short),
    await written(dir, 'rf64-pcm16.wav', 'wav', 16, 16000, mono16k, true),
  ]
  const raw = (
    name: string,
    o: Omit<Parameters<typeof wavBytes>[0], 'data'>,
    data: Uint8Array,
  ): Seed => ({
    name,
    bytes: wavBytes({ ...o, data }),
  })
  wav.push(
    raw(
      'u8-mono.wav',
      { channels: 1, sampleRate: 8000, formatTag: 1, bitsPerSample: 8 },
      interleaved([short[0]!], 8),
    ),
    raw(
      'float64-stereo.wav',
      { channels: 2, sampleRate: 22050, formatTag: 3, bitsPerSample: 64 },
      interleaved(short, 64, true),
    ),
    raw(
      'extensible-pcm24-list.wav',
      {
        channels: 2,
        sampleRate: 48000,
        formatTag: 1,
        bitsPerSample: 24,
        extensible: true,
        before: [{ id: 'LIST', body: new TextEncoder().encode('INFOISFT\x06\0\0\0fuzz\0\0') }],
      },
      interleaved(short, 24),
    ),
    raw(
      'bw64-pcm32.wav',
      { channels: 1, sampleRate: 96000, formatTag: 1, bitsPerSample: 32, riff: 'BW64' },
      interleaved([short[0]!], 32),
    ),
  )
  const flac: Seed[] = [
    await written(dir, 'flac16-stereo.flac', 'flac', 16, 44100, stereo),
    await written(dir, 'flac24-mono.flac', 'flac', 24, 16000, mono16k),
  ]
  const files: Record<Target, Seed[]> = { wav, flac, mp3: [], ogg: [], project: [] }
  const skipped: string[] = []
  if (hasTool('ffmpeg')) {
    const src = join(dir, 'pcm16-stereo.wav')
    const mono = join(dir, 'pcm24-mono.wav')
    const encode = (input: string, name: string, ...args: string[]): Seed => {
      const out = join(dir, name)
      execFileSync('ffmpeg', ['-nostdin', '-loglevel', 'error', '-y', '-i', input, ...args, out], {
        stdio: ['ignore', 'ignore', 'pipe'],
      })
      return { name, bytes: new Uint8Array(readFileSync(out)) }
    }
    files.flac.push(
      encode(src, 'ffmpeg-seektable.flac', '-c:a', 'flac', '-frame_size', '1024'),
      encode(src, 'ogg-flac.oga', '-c:a', 'flac', '-f', 'ogg'),
    )
    files.mp3.push(
      encode(src, 'cbr128-xing.mp3', '-c:a', 'libmp3lame', '-b:a', '128k'),
      encode(mono, 'vbr-mono-16k.mp3', '-c:a', 'libmp3lame', '-q:a', '6'),
      encode(
        src,
        'id3-noxing.mp3',
        '-c:a',
        'libmp3lame',
        '-b:a',
        '64k',
        '-write_xing',
        '0',
        '-metadata',
        'title=fuzz',
        '-id3v2_version',
        '3',
      ),
    )
    files.ogg.push(
      encode(src, 'vorbis-stereo.ogg', '-c:a', 'libvorbis', '-q:a', '2'),
      encode(mono, 'opus-mono.opus', '-c:a', 'libopus', '-b:a', '24k'),
      encode(src, 'opus-stereo.opus', '-c:a', 'libopus', '-b:a', '48k', '-frame_duration', '10'),
    )
  } else {
    skipped.push('mp3 and ogg (and two FLAC seeds): ffmpeg is not installed')
  }
  const project = await validProject(dir)
  files.project.push({ name: 'valid.unweave', bytes: project.good })
  return { files, container: project.c, skipped }
}
