/** The zip container of a project: written with fixed timestamps, read by its central directory. */
import { deflateRawSync, inflateRawSync } from 'node:zlib'
import { strFromU8, strToU8 } from 'fflate'
import { crc32 } from './crc32'

/** One entry of writeZip(). */
export interface ZipEntry {
  name: string
  data: Uint8Array
  /** Deflate it (the manifest); else stored as is. */
  deflate?: boolean
}

/**
 * A zip container (no zip64: a project stays far below 4 GiB). Written here rather than with a
 * general zip library because saving is also the autosave, every 30 s in the engine's process: a
 * JavaScript CRC over a 10-minute project's 26 MB took 80-180 ms of it, zlib's takes ~5 ms.
 * Timestamps are fixed (2020-01-01), so the same project gives the same bytes.
 */
export function writeZip(entries: ZipEntry[]): Uint8Array {
  const DOS_TIME = 0
  const DOS_DATE = ((2020 - 1980) << 9) | (1 << 5) | 1
  const parts = entries.map((e) => {
    const name = strToU8(e.name)
    const body = e.deflate ? deflateRawSync(e.data, { level: 6 }) : e.data
    return { name, body, crc: crc32(e.data), size: e.data.length, method: e.deflate ? 8 : 0 }
  })
  const local = parts.reduce((a, p) => a + 30 + p.name.length + p.body.length, 0)
  const central = parts.reduce((a, p) => a + 46 + p.name.length, 0)
  const out = new Uint8Array(local + central + 22)
  const dv = new DataView(out.buffer)
  let o = 0
  const offsets: number[] = []
  /** The fields local and central headers share: version needed .. name length (26 bytes). */
  const common = (at: number, p: (typeof parts)[number]): void => {
    dv.setUint16(at, 20, true) // version needed
    dv.setUint16(at + 2, 0x0800, true) // UTF-8 names
    dv.setUint16(at + 4, p.method, true)
    dv.setUint16(at + 6, DOS_TIME, true)
    dv.setUint16(at + 8, DOS_DATE, true)
    dv.setUint32(at + 10, p.crc, true)
    dv.setUint32(at + 14, p.body.length, true)
    dv.setUint32(at + 18, p.size, true)
    dv.setUint16(at + 22, p.name.length, true)
  }
  for (const p of parts) {
    offsets.push(o)
    dv.setUint32(o, 0x04034b50, true)
    common(o + 4, p) // extra length: 0
    out.set(p.name, o + 30)
    out.set(p.body, o + 30 + p.name.length)
    o += 30 + p.name.length + p.body.length
  }
  const cd = o
  parts.forEach((p, i) => {
    dv.setUint32(o, 0x02014b50, true)
    dv.setUint16(o + 4, 20, true) // made by
    common(o + 6, p)
    // extra, comment, disk, internal and external attributes: 0
    dv.setUint32(o + 42, offsets[i]!, true)
    out.set(p.name, o + 46)
    o += 46 + p.name.length
  })
  dv.setUint32(o, 0x06054b50, true)
  dv.setUint16(o + 8, parts.length, true)
  dv.setUint16(o + 10, parts.length, true)
  dv.setUint32(o + 12, o - cd, true)
  dv.setUint32(o + 16, cd, true)
  return out
}

/** One entry of a container as readZip() found it: nothing inflated or checked yet. */
export interface ZipRecord {
  /** The stored bytes (a view into the container). */
  data: Uint8Array
  /** 0 stored, 8 deflated. */
  method: number
  /** CRC-32 of the entry's content, from the central directory. */
  crc: number
  /** Size of the content in bytes, from the central directory. */
  size: number
}

/**
 * The entries of a zip container by name (a Map: no name reaches an object's prototype), the stored
 * bytes as views into `bytes`. Reads the central directory; `only` limits it to one name, and at
 * most `maxEntries` entries are accepted. Throws RangeError on a malformed container, a repeated
 * name or too many entries. Nothing is inflated: zipEntryBytes() does that with a cap.
 */
export function readZip(
  bytes: Uint8Array,
  opts: { only?: string; maxEntries?: number } = {},
): Map<string, ZipRecord> {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const u32 = (o: number): number => {
    if (o < 0 || o + 4 > bytes.length) throw new RangeError('truncated')
    return dv.getUint32(o, true)
  }
  const u16 = (o: number): number => {
    if (o < 0 || o + 2 > bytes.length) throw new RangeError('truncated')
    return dv.getUint16(o, true)
  }
  // end of central directory: 22 bytes + a comment of up to 65,535
  let eocd = -1
  for (let o = bytes.length - 22; o >= Math.max(0, bytes.length - 22 - 65535); o--)
    if (u32(o) === 0x06054b50) {
      eocd = o
      break
    }
  if (eocd < 0) throw new RangeError('no end of central directory (not a zip file, or truncated)')
  const count = u16(eocd + 10)
  const max = opts.maxEntries ?? Infinity
  if (count > max) throw new RangeError(`it holds ${count} entries, more than ${max}`)
  let o = u32(eocd + 16)
  const out = new Map<string, ZipRecord>()
  for (let i = 0; i < count; i++) {
    if (u32(o) !== 0x02014b50) throw new RangeError('bad central directory')
    const method = u16(o + 10)
    const crc = u32(o + 16)
    const csize = u32(o + 20)
    const usize = u32(o + 24)
    const nlen = u16(o + 28)
    if (o + 46 + nlen > bytes.length) throw new RangeError('truncated')
    const name = strFromU8(bytes.subarray(o + 46, o + 46 + nlen))
    const local = u32(o + 42)
    o += 46 + nlen + u16(o + 30) + u16(o + 32)
    if (opts.only !== undefined && name !== opts.only) continue
    if (out.has(name)) throw new RangeError(`the entry ${name} is there twice`)
    if (u32(local) !== 0x04034b50) throw new RangeError(`bad local header of ${name}`)
    const start = local + 30 + u16(local + 26) + u16(local + 28)
    if (start + csize > bytes.length) throw new RangeError(`${name} runs past the end`)
    if (method !== 0 && method !== 8) throw new RangeError(`${name} uses zip method ${method}`)
    if (method === 0 && csize !== usize)
      throw new RangeError(`${name} is stored with two different sizes`)
    // a plain Uint8Array view (a Buffer's slice() would not copy)
    const data = new Uint8Array(bytes.buffer, bytes.byteOffset + start, csize)
    out.set(name, { data, method, crc, size: usize })
  }
  return out
}

/**
 * The content of an entry: the stored view, or inflated into at most `maxBytes` (refused before
 * inflating when the directory says more, and stopped when the stream makes more than it said);
 * its CRC-32 checked. Throws RangeError saying what is wrong.
 */
export function zipEntryBytes(name: string, rec: ZipRecord, maxBytes: number): Uint8Array {
  if (rec.size > maxBytes)
    throw new RangeError(`the entry ${name} would be ${rec.size} bytes, more than ${maxBytes}`)
  let data = rec.data
  if (rec.method === 8) {
    try {
      data =
        rec.size === 0 ? new Uint8Array(0) : inflateRawSync(rec.data, { maxOutputLength: rec.size })
    } catch (e) {
      throw new RangeError(`the entry ${name} cannot be inflated (${(e as Error).message})`, {
        cause: e,
      })
    }
  }
  if (data.length !== rec.size)
    throw new RangeError(`the entry ${name} has ${data.length} bytes, not the ${rec.size} it says`)
  if (crc32(data) !== rec.crc) throw new RangeError(`the entry ${name} fails its CRC-32`)
  return data
}
