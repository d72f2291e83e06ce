// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest'
import { Backend } from '../lib/backend'
import { createFakeApi, FakeAudioContext } from '../test/fake-api'
import { BLOCK_SEC, Playback, effectiveGains, type AudioContextLike } from './playback.svelte'

function setup() {
  const fake = createFakeApi({ durationSec: 10, sampleRate: 8000, channels: 2 })
  const ctx = new FakeAudioContext()
  const errors: unknown[] = []
  const pb = new Playback(
    new Backend(fake.api),
    () => ctx as unknown as AudioContextLike,
    (e) => errors.push(e),
  )
  pb.setMedia(fake.file.fileId, 8000, 10)
  return { fake, ctx, pb, errors }
}

const flush = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setTimeout(r, 0))
}

afterEach(() => vi.useRealTimers())

describe('solo / mute / gain', () => {
  it('mute wins, then solo, then gain', () => {
    expect(
      effectiveGains([
        { solo: false, mute: false, gain: 0.5 },
        { solo: false, mute: true, gain: 1 },
      ]),
    ).toEqual([0.5, 0])
    expect(
      effectiveGains([
        { solo: true, mute: false, gain: 1 },
        { solo: false, mute: false, gain: 1 },
        { solo: true, mute: true, gain: 1 },
      ]),
    ).toEqual([1, 0, 0])
  })

  it('keys 1-9 solo exclusively and a second press clears', () => {
    const { pb } = setup()
    pb.setSources('sep-1', 3)
    pb.soloExclusive(1)
    expect(pb.mix.map((m) => m.solo)).toEqual([false, true, false])
    expect(pb.gains).toEqual([0, 1, 0])
    expect(pb.listen).toBe('sources')
    pb.soloExclusive(2)
    expect(pb.mix.map((m) => m.solo)).toEqual([false, false, true])
    pb.soloExclusive(2)
    expect(pb.anySolo).toBe(false)
    pb.soloExclusive(7) // no such source
    expect(pb.anySolo).toBe(false)
  })

  it('strip buttons toggle solo additively, mute, and clamp gain', () => {
    const { pb } = setup()
    pb.setSources('sep-1', 2)
    pb.toggleSolo(0)
    pb.toggleSolo(1)
    expect(pb.gains).toEqual([1, 1])
    pb.toggleMute(1)
    expect(pb.gains).toEqual([1, 0])
    pb.setGain(0, 5)
    expect(pb.mix[0].gain).toBe(2)
    pb.setGain(0, Number.NaN)
    expect(pb.mix[0].gain).toBe(1)
  })

  it('keeps mixer settings by index when the count changes; B needs sources', () => {
    const { pb } = setup()
    expect(pb.listen).toBe('mixture')
    pb.setListen('sources')
    expect(pb.listen).toBe('mixture')
    pb.setSources('sep-1', 3)
    expect(pb.listen).toBe('sources')
    pb.toggleMute(0)
    pb.setSources('sep-2', 2)
    expect(pb.mix).toHaveLength(2)
    expect(pb.mix[0].mute).toBe(true)
    pb.toggleListen()
    expect(pb.listen).toBe('mixture')
  })
})

describe('transport', () => {
  it('plays the mixture and the stems in blocks from main, pauses, seeks', async () => {
    const { fake, ctx, pb } = setup()
    pb.setSources('sep-1', 2)
    await pb.play()
    await flush()
    expect(pb.playing).toBe(true)
    const audio = fake.callsTo('getAudio')
    expect(audio[0].args).toMatchObject({
      fileId: 'file-1',
      range: { from: 0, to: BLOCK_SEC * 8000 },
    })
    const stems = fake
      .callsTo('getStemAudio')
      .filter((c) => (c.args as { range: { to: number } }).range.to > 1)
    expect(stems[0].args).toMatchObject({ separationId: 'sep-1', sources: [0, 1] })
    // mixture + 2 stems started for the first block
    expect(ctx.started.length).toBeGreaterThanOrEqual(3)
    ctx.currentTime = 1
    expect(pb.currentTime()).toBeGreaterThan(0.9)
    pb.pause()
    expect(pb.playing).toBe(false)
    expect(pb.position).toBeGreaterThan(0.9)
    pb.seek(7.5)
    expect(pb.position).toBe(7.5)
    pb.seek(99)
    expect(pb.position).toBe(10)
    pb.stop()
    expect(pb.position).toBe(0)
  })

  it('loops a selection: playing starts at the loop start and blocks wrap', async () => {
    const { ctx, pb } = setup()
    pb.setLoop(6, 3)
    expect(pb.loop).toEqual({ startSec: 3, endSec: 6 })
    pb.setLoopEnabled(true)
    await pb.play()
    await flush()
    // 3 s lies in block floor(3 / BLOCK_SEC): the first segment starts that far into it
    expect(ctx.started[0].offset).toBeCloseTo(3 - Math.floor(3 / BLOCK_SEC) * BLOCK_SEC)
    // let the audio clock run 8 s: the playhead keeps wrapping inside [3, 6)
    const seen: number[] = []
    for (let i = 0; i < 16; i++) {
      ctx.currentTime += 0.5
      await new Promise((r) => setTimeout(r, 50))
      seen.push(pb.currentTime())
    }
    expect(Math.min(...seen)).toBeGreaterThanOrEqual(3)
    expect(Math.max(...seen)).toBeLessThanOrEqual(6)
    expect(seen.some((t, i) => i > 0 && t < seen[i - 1])).toBe(true) // wrapped at least once
    pb.setLoop(1, 1.001)
    expect(pb.loop).toBeNull()
    expect(pb.loopEnabled).toBe(false)
    pb.pause()
  })

  it('plays the mixture while main is still building the stems, then switches to the sources', async () => {
    const { fake, ctx, pb } = setup()
    pb.setSources('sep-1', 2)
    const release = fake.hold('getStemAudio')
    await pb.play()
    await flush()
    await new Promise((r) => setTimeout(r, 40))
    expect(pb.playing).toBe(true)
    expect(pb.fallback).toBe(true)
    const before = ctx.started.length
    expect(before).toBeGreaterThanOrEqual(1) // the mixture plays
    ctx.currentTime = 0.5
    release()
    await flush()
    expect(pb.fallback).toBe(false)
    const late = ctx.started.slice(before)
    expect(late.length).toBeGreaterThanOrEqual(2) // both stems joined
    expect(late[0].when).toBeGreaterThanOrEqual(0.5)
    expect(late[0].offset).toBeGreaterThan(0.4) // started mid-block, in step with the mixture
    pb.pause()
  })

  it('reports a failing read and stops', async () => {
    const { fake, pb, errors } = setup()
    fake.failNext('getAudio', 'file vanished', 'input')
    await pb.play()
    await flush()
    expect(pb.playing).toBe(false)
    expect(String((errors[0] as Error).message)).toContain('file vanished')
  })

  it('builds the stems ahead and cancels that when the count changes', async () => {
    const { fake, pb } = setup()
    pb.setSources('sep-1', 3)
    const release = fake.hold('getStemAudio')
    const p = pb.prepareStems()
    await Promise.resolve()
    expect(pb.preparing).toBe(0)
    pb.setSources('sep-2', 2)
    expect(fake.callsTo('cancelTask')).toHaveLength(1)
    release()
    await p
    expect(pb.preparing).toBeNull()
  })

  it('an edit under the playhead re-reads and restarts (marked afterEdit); an edit elsewhere leaves the sound alone', async () => {
    const { fake, ctx, pb } = setup()
    pb.setSources('sep-1', 2)
    await pb.play()
    await flush()
    const started = ctx.started.length
    const reads = () => fake.callsTo('getStemAudio').length
    // far from what is scheduled (0..~2-4 s): nothing restarts
    const r0 = reads()
    pb.invalidate(8, 9)
    await flush()
    expect(ctx.started.length).toBe(started)
    expect(reads()).toBe(r0)
    // under the playhead: the stems (not the mixture) are read again; the old sound plays on until
    // they are here, then the block is scheduled anew, marked as carrying the edit
    performance.clearMarks('playback:stems')
    const mixReads = fake.callsTo('getAudio').length
    const stopped = ctx.stopped
    const release = fake.hold('getStemAudio')
    pb.invalidate(0.2, 0.6)
    await flush()
    expect(reads()).toBeGreaterThan(r0)
    expect(ctx.stopped).toBe(stopped)
    expect(ctx.started.length).toBe(started)
    release()
    await flush()
    await new Promise((r) => setTimeout(r, 40))
    expect(ctx.stopped).toBeGreaterThan(stopped)
    expect(ctx.started.length).toBeGreaterThan(started)
    expect(fake.callsTo('getAudio').length).toBe(mixReads)
    const marks = performance.getEntriesByName('playback:stems', 'mark') as PerformanceMark[]
    expect(marks.length).toBeGreaterThanOrEqual(1)
    expect((marks[0].detail as { afterEdit: boolean }).afterEdit).toBe(true)
    expect(marks.slice(1).every((m) => !(m.detail as { afterEdit: boolean }).afterEdit)).toBe(true)
    pb.pause()
  })
})
