/** The CLI's argument parser and progress bar, in-process (fast; the spawned CLI is cli.test.ts). */
import { describe, expect, it } from 'vitest'
import { didYouMean, editDistance, parseCommandLine } from '../../src/cli/args'
import { ProgressBar } from '../../src/cli/progress'
import { stemPath } from '../../src/cli/separate'
import { UsageError } from '../../src/shared/errors'

describe('parseCommandLine', () => {
  it('defaults: 24-bit WAV, soft masks, device auto, no force, no json', () => {
    expect(parseCommandLine(['separate', 'in.mp3', '--sources', 'auto'])).toEqual({
      command: 'separate',
      input: 'in.mp3',
      sources: 'auto',
      out: undefined,
      format: 'wav',
      bits: 24,
      mask: 'soft',
      stereoCue: false,
      model: undefined,
      device: 'auto',
      force: false,
      json: false,
    })
  })

  it('--stereo-cue on|off|weight', () => {
    const cue = (v: string) =>
      (
        parseCommandLine(['separate', 'x.wav', '-n', '2', `--stereo-cue=${v}`]) as {
          stereoCue: unknown
        }
      ).stereoCue
    expect([cue('on'), cue('off'), cue('1.5'), cue('0')]).toEqual([true, false, 1.5, false])
    for (const bad of ['yes', '-1', '101', '2e1', ''])
      expect(() => cue(bad), bad).toThrow(/--stereo-cue must be on, off or a weight from 0 to 100/)
    expect(() =>
      parseCommandLine(['separate', '--project', 'p.unweave', '--stereo-cue', 'on']),
    ).toThrow(/--stereo-cue does not apply with --project/)
  })

  it('every option, in any order, with = or a space', () => {
    const c = parseCommandLine([
      '--json',
      'separate',
      '--sources=4',
      'a b.flac',
      '--out',
      'o',
      '--format=flac',
      '--bits',
      '16',
      '--mask',
      'hard',
      '--model',
      'm.json',
      '--device',
      'cpu',
      '--force',
    ])
    expect(c).toMatchObject({
      input: 'a b.flac',
      sources: 4,
      out: 'o',
      format: 'flac',
      bits: 16,
      mask: 'hard',
      model: 'm.json',
      device: 'cpu',
      force: true,
      json: true,
    })
    expect(parseCommandLine(['separate', 'x.wav', '-n', '2', '--bits', '32f'])).toMatchObject({
      sources: 2,
      bits: '32f',
    })
  })

  it('help and version win over everything else', () => {
    expect(parseCommandLine(['--help'])).toEqual({ command: 'help', topic: undefined })
    expect(parseCommandLine(['separate', '-h'])).toEqual({ command: 'help', topic: 'separate' })
    expect(parseCommandLine(['--version'])).toEqual({ command: 'version' })
  })

  it('usage errors have exit code 2', () => {
    for (const argv of [
      ['separate', 'x', '--sources', '1.5'],
      ['devices', '--force'],
      ['separate', 'x', '--sources'],
    ]) {
      const e = (() => {
        try {
          parseCommandLine(argv)
        } catch (x) {
          return x
        }
      })()
      expect(e, argv.join(' ')).toBeInstanceOf(UsageError)
      expect((e as UsageError).exitCode).toBe(2)
    }
  })
})

describe('did you mean', () => {
  it('names the nearest option or command for a typo, nothing for a stranger', () => {
    const opts = ['sources', 'out', 'format', 'bits', 'stereo-cue', 'json', 'project']
    expect(didYouMean('source', opts)).toBe('sources')
    expect(didYouMean('foramt', opts)).toBe('format')
    expect(didYouMean('stereo', opts)).toBe('stereo-cue')
    expect(didYouMean('jsn', opts)).toBe('json')
    expect(didYouMean('loud', opts)).toBeUndefined()
    expect(editDistance('kitten', 'sitting')).toBe(3)
  })
})

describe('stemPath', () => {
  it('<out>/<input name without extension>.source-<k>.<ext>', () => {
    expect(stemPath('/o', '/music/Song Name.final.mp3', 1, 'wav')).toBe(
      '/o/Song Name.final.source-1.wav',
    )
    expect(stemPath('/o', '/music/noext', 3, 'flac')).toBe('/o/noext.source-3.flac')
  })
})

describe('ProgressBar', () => {
  it('draws on a terminal and erases itself', () => {
    const out: string[] = []
    const bar = new ProgressBar({ isTTY: true, columns: 60, write: (s: string) => out.push(s) })
    bar.update(0.5, 'embed')
    expect(out[0]).toMatch(/^\r\[#+-+\] {2}50% embed/)
    bar.update(1, 'done')
    bar.clear()
    expect(out[out.length - 1]).toMatch(/^\r +\r$/)
  })

  it('shows the time left, from the time so far and the fraction done', () => {
    const out: string[] = []
    let now = 1000
    const bar = new ProgressBar(
      { isTTY: true, columns: 80, write: (s: string) => out.push(s) },
      () => now,
    )
    bar.update(0.01, 'decode')
    expect(out.at(-1)).toMatch(/ 1% decode +… left$/)
    now += 30_000
    bar.update(0.25, 'embed')
    expect(out.at(-1)).toMatch(/ 25% embed +1:30 left$/)
    now += 60_000
    bar.update(0.75, 'kmeans')
    expect(out.at(-1)).toMatch(/ 75% kmeans +0:30 left$/)
  })

  it('writes nothing when the stream is not a terminal', () => {
    const out: string[] = []
    const bar = new ProgressBar({ isTTY: false, write: (s: string) => out.push(s) })
    bar.update(0.3, 'embed')
    bar.clear()
    expect(out).toEqual([])
  })
})

describe('parseCommandLine: separate --project', () => {
  it('parses an edited project export with its output options', () => {
    expect(
      parseCommandLine([
        'separate',
        '--project',
        'song.unweave',
        '--out',
        'stems',
        '--format',
        'flac',
        '--bits',
        '16',
        '--force',
        '--json',
      ]),
    ).toEqual({
      command: 'separate-project',
      project: 'song.unweave',
      out: 'stems',
      format: 'flac',
      bits: 16,
      force: true,
      json: true,
    })
    expect(parseCommandLine(['separate', '-p', 'a.unweave'])).toMatchObject({
      bits: 24,
      format: 'wav',
      force: false,
    })
  })
  it('refuses what does not apply to a project', () => {
    expect(() => parseCommandLine(['separate', 'in.wav', '--project', 'a.unweave'])).toThrow(
      /either an input file or --project/,
    )
    for (const o of [
      ['--sources', '3'],
      ['--mask', 'hard'],
      ['--model', 'm.json'],
      ['--device', 'cpu'],
    ])
      expect(() => parseCommandLine(['separate', '--project', 'a.unweave', ...o])).toThrow(
        /does not apply with --project/,
      )
    expect(() => parseCommandLine(['separate', '--project', ''])).toThrow(/needs a project file/)
    expect(() =>
      parseCommandLine(['separate', '--project', 'a.unweave', '--format', 'flac', '--bits', '32f']),
    ).toThrow(/FLAC/)
    expect(() => parseCommandLine(['devices', '--project', 'a.unweave'])).toThrow(
      /does not apply to 'devices'/,
    )
  })
})
