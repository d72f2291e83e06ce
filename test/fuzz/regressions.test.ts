/**
 * Inputs the fuzzer (`npm run fuzz`, bench/fuzz.ts) found, each reduced to the smallest file that
 * shows it and kept here so that it stays fixed.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { decodeAudioFile } from '../../src/node/audio-decode'
import { MAX_WAV_CHUNKS } from '../../src/node/wav-reader'
import { InputError } from '../../src/shared/errors'
import { makeTempDir, wavBytes } from '../helpers/audio-fixtures'

const tmp = makeTempDir('unweave-fuzz-regressions-')
afterAll(() => tmp.cleanup())

/** A 16-bit mono WAV of 100 frames with `n` empty JUNK chunks before its 'fmt '. */
function junkWav(n: number): string {
  const path = join(tmp.dir, `junk-${n}.wav`)
  const before = Array.from({ length: n }, () => ({ id: 'JUNK', body: new Uint8Array(0) }))
  const data = new Uint8Array(200).map((_, i) => i)
  writeFileSync(
    path,
    wavBytes({ channels: 1, sampleRate: 8000, formatTag: 1, bitsPerSample: 16, data, before }),
  )
  return path
}

describe('fuzz regressions', () => {
  it('a WAV of empty chunks is refused after MAX_WAV_CHUNKS reads (one read each: 1 M of them took 45 s)', async () => {
    const err = await decodeAudioFile(junkWav(MAX_WAV_CHUNKS + 1)).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(InputError)
    expect((err as Error).message).toMatch(
      /junk-4097\.wav' is corrupt: its header runs past 4096 chunks without both 'fmt ' and 'data'/,
    )
    // a few hundred chunks before the audio are still read
    const ok = await decodeAudioFile(junkWav(300))
    expect(ok.channels[0]!.length).toBe(100)
    expect(ok.channels[0]![3]).toBeCloseTo((6 + 7 * 256) / 32768, 6)
  })
})
