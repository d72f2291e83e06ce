import { describe, expect, it } from 'vitest'
import { downmix } from './downmix'

describe('downmix', () => {
  it('averages the channels', () => {
    expect(Array.from(downmix([Float32Array.of(1, 0, -1), Float32Array.of(0, 0.5, 1)]))).toEqual([
      0.5, 0.25, 0,
    ])
    expect(
      Array.from(downmix([Float32Array.of(1), Float32Array.of(0), Float32Array.of(0.5)])),
    ).toEqual([0.5])
  })
  it('copies a mono signal', () => {
    const x = Float32Array.of(0.1, 0.2)
    const y = downmix([x])
    expect(y).toEqual(x)
    expect(y).not.toBe(x)
  })
  it('rejects no channels and ragged channels', () => {
    expect(() => downmix([])).toThrow(RangeError)
    expect(() => downmix([new Float32Array(2), new Float32Array(3)])).toThrow(RangeError)
  })
})
