/** Test audio made at test time: WAV writing and 3-source mixtures (JS or sox). */
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** Writes planar float32 audio as a 32-bit float WAV. */
export function writeWavFloat(path: string, channels: Float32Array[], sampleRate: number): void {
  const n = channels[0]!.length
  const c = channels.length
  const data = Buffer.alloc(n * c * 4)
  for (let i = 0; i < n; i++)
    for (let ch = 0; ch < c; ch++) data.writeFloatLE(channels[ch]![i]!, (i * c + ch) * 4)
  const h = Buffer.alloc(44)
  h.write('RIFF', 0)
  h.writeUInt32LE(36 + data.length, 4)
  h.write('WAVE', 8)
  h.write('fmt ', 12)
  h.writeUInt32LE(16, 16)
  h.writeUInt16LE(3, 20) // IEEE float
  h.writeUInt16LE(c, 22)
  h.writeUInt32LE(sampleRate, 24)
  h.writeUInt32LE(sampleRate * c * 4, 28)
  h.writeUInt16LE(c * 4, 32)
  h.writeUInt16LE(32, 34)
  h.write('data', 36)
  h.writeUInt32LE(data.length, 40)
  writeFileSync(path, Buffer.concat([h, data]))
}

/** Three clearly different stereo sources (low harmonic drone, high beeps, noise bursts), mixed. */
export function jsMixture(seconds: number, sampleRate: number): Float32Array[] {
  const n = Math.round(seconds * sampleRate)
  const l = new Float32Array(n)
  const r = new Float32Array(n)
  let seed = 12345
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1
  for (let i = 0; i < n; i++) {
    const t = i / sampleRate
    let drone = 0
    for (let h = 1; h <= 6; h++) drone += Math.sin(2 * Math.PI * 110 * h * t) / h
    const beepOn = Math.floor(t * 4) % 2 === 0 ? 1 : 0
    const beep = beepOn * Math.sin(2 * Math.PI * 2637 * t)
    const noiseOn = Math.floor(t * 3 + 0.5) % 3 === 0 ? 1 : 0
    const noise = noiseOn * rand()
    l[i] = 0.25 * drone + 0.2 * beep + 0.08 * noise
    r[i] = 0.2 * drone + 0.25 * beep + 0.08 * noise
  }
  return [l, r]
}

/** True when sox is on PATH. */
export function haveSox(): boolean {
  try {
    execFileSync('sox', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/**
 * Renders a 3-source stereo mixture with sox (a low sawtooth bass, a pulsing square-wave lead,
 * pulsing high pink noise) to `<dir>/<name>.wav` (16-bit PCM at `rate`); returns its path.
 */
export function soxMixture(dir: string, name: string, seconds: number, rate = 44100): string {
  const sox = (...args: string[]) =>
    execFileSync('sox', args, { stdio: ['ignore', 'ignore', 'inherit'] })
  const base = ['-n', '-r', String(rate), '-c', '2', '-b', '32', '-e', 'floating-point']
  const a = join(dir, `${name}.bass.wav`)
  const b = join(dir, `${name}.lead.wav`)
  const c = join(dir, `${name}.hats.wav`)
  const len = String(seconds)
  sox(
    ...base,
    a,
    'synth',
    len,
    'sawtooth',
    '55',
    'vol',
    '0.3',
    'lowpass',
    '400',
    'tremolo',
    '1.5',
    '50',
  )
  sox(
    ...base,
    b,
    'synth',
    len,
    'square',
    '880',
    'vol',
    '0.1',
    'lowpass',
    '5000',
    'tremolo',
    '3',
    '90',
  )
  sox(
    ...base,
    c,
    'synth',
    len,
    'pinknoise',
    'vol',
    '0.3',
    'highpass',
    '6000',
    'tremolo',
    '8',
    '100',
  )
  const out = join(dir, `${name}.wav`)
  sox('-m', '-v', '1', a, '-v', '1', b, '-v', '1', c, '-b', '16', out)
  return out
}
