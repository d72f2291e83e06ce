import { describe, expect, it } from 'vitest'
import { decode, encode } from './wire'

function join(chunks: Uint8Array[], length: number): ArrayBuffer {
  const out = new Uint8Array(length)
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.length
  }
  expect(at).toBe(length)
  return out.buffer
}

describe('bridge wire format', () => {
  it('round-trips JSON with typed arrays, each in its own buffer', () => {
    const f = new Float32Array([1.5, -2, 3e-8])
    const u = new Uint8Array([1, 2, 3, 4, 5])
    const sub = new Float32Array([9, 8, 7, 6]).subarray(1, 3)
    const value = { type: 'ok', value: { a: f, b: [u, sub], c: 'x', d: null, n: 3, e: undefined } }
    const { chunks, length } = encode(value)
    const back = decode(join(chunks, length)) as typeof value
    expect(back.type).toBe('ok')
    expect(back.value.a).toBeInstanceOf(Float32Array)
    expect([...back.value.a]).toEqual([...f])
    expect([...(back.value.b[0] as Uint8Array)]).toEqual([1, 2, 3, 4, 5])
    expect([...(back.value.b[1] as Float32Array)]).toEqual([8, 7])
    expect(back.value.a.buffer.byteLength).toBe(12)
    expect(back.value).toMatchObject({ c: 'x', d: null, n: 3 })
    expect('e' in back.value).toBe(false)
  })
  it('refuses what it did not make', () => {
    expect(() => decode(new ArrayBuffer(16))).toThrow(/not a bridge message/)
  })
})
