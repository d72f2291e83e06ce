/**
 * The test bridge's wire format for IPC results: JSON for the structure, raw bytes for typed
 * arrays (no base64, no number lists), so the browser decodes a spectrogram page without a long
 * task. Layout: 'UWB1', u32 LE header length, header JSON (utf-8), zero padding to 8 bytes, then
 * each typed array's bytes, each padded to 8. In the header, a typed array is
 * `{ "$bin": i }` and `bins[i] = [type, byteOffset (from the body start), length]`.
 * Browser-safe: no Node built-ins (client.ts bundles the decoder).
 */

const MAGIC = 0x31425755 // 'UWB1' little-endian

type TypedArray =
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array

const CTORS = {
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
} as const
type TypeName = keyof typeof CTORS

interface Header {
  v: unknown
  bins: [TypeName, number, number][]
}

const pad8 = (n: number): number => (n + 7) & ~7

/** Encodes `value` as a list of byte chunks (write them in order) and their total length. */
export function encode(value: unknown): { chunks: Uint8Array[]; length: number } {
  const arrays: TypedArray[] = []
  const bins: Header['bins'] = []
  let offset = 0
  const strip = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v
    if (ArrayBuffer.isView(v)) {
      const name = v.constructor.name as TypeName
      if (!(name in CTORS)) throw new Error(`wire: cannot send ${name}`)
      const a = v as TypedArray
      bins.push([name, offset, a.length])
      arrays.push(a)
      offset += pad8(a.byteLength)
      return { $bin: bins.length - 1 }
    }
    if (Array.isArray(v)) return v.map(strip)
    const out: Record<string, unknown> = {}
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = strip(x)
    return out
  }
  const header: Header = { v: strip(value), bins }
  const json = new TextEncoder().encode(JSON.stringify(header))
  const head = new Uint8Array(pad8(8 + json.length))
  const dv = new DataView(head.buffer)
  dv.setUint32(0, MAGIC, true)
  dv.setUint32(4, json.length, true)
  head.set(json, 8)
  const chunks: Uint8Array[] = [head]
  for (const a of arrays) {
    chunks.push(new Uint8Array(a.buffer, a.byteOffset, a.byteLength))
    const rest = pad8(a.byteLength) - a.byteLength
    if (rest) chunks.push(new Uint8Array(rest))
  }
  return { chunks, length: head.length + offset }
}

/**
 * Decodes what `encode` made. Every typed array gets its own ArrayBuffer (as structured clone
 * would give it), so the caller may transfer or keep it without pinning the whole response.
 */
export function decode(buf: ArrayBuffer): unknown {
  const dv = new DataView(buf)
  if (buf.byteLength < 8 || dv.getUint32(0, true) !== MAGIC)
    throw new Error('wire: not a bridge message')
  const n = dv.getUint32(4, true)
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 8, n))) as Header
  const body = pad8(8 + n)
  const restore = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v
    if (Array.isArray(v)) return v.map(restore)
    const o = v as Record<string, unknown>
    if (typeof o.$bin === 'number' && Object.keys(o).length === 1) {
      const [type, off, len] = header.bins[o.$bin]!
      const Ctor = CTORS[type]
      return new Ctor(buf.slice(body + off, body + off + len * Ctor.BYTES_PER_ELEMENT))
    }
    const out: Record<string, unknown> = {}
    for (const [k, x] of Object.entries(o)) out[k] = restore(x)
    return out
  }
  return restore(header.v)
}
