/**
 * The binary entries of a project as stored: raw, or raw-deflate in independent chunks compressed
 * and inflated in parallel on zlib's thread pool, with the manifest's record of each.
 */
import { promisify } from 'node:util'
import { constants as zlibConstants, deflateRaw, inflateRaw } from 'node:zlib'
import { sha256 } from './hash'

const deflateRawAsync = promisify(deflateRaw)
const inflateRawAsync = promisify(inflateRaw)

/** One binary entry as stored: its payload (raw, or raw-deflate chunks) and the manifest's record of it. */
export interface PackedEntry {
  stored: Uint8Array
  record: {
    sha256: string
    bytes: number
    rawBytes: number
    compression: 'deflate-raw' | 'none'
    /** Raw bytes per chunk (the last may be shorter); each chunk is its own raw-deflate stream. */
    chunkRawBytes?: number
    /** Compressed size of every chunk, in order. */
    chunks?: number[]
  }
}

/** Raw bytes per independently compressed chunk (compressed in parallel on zlib's thread pool). */
const CHUNK = 4 << 20
/** Largest chunk a reader accepts. */
const MAX_CHUNK = 64 << 20

/**
 * Compresses in independent chunks, in parallel. `huffman`: entropy coding only (Z_HUFFMAN_ONLY),
 * which is as small as LZ on mask planes (they hold no repeats worth finding) and ~3x faster.
 */
export async function pack(raw: Uint8Array, level: number, huffman = false): Promise<PackedEntry> {
  if (level === 0) {
    return {
      stored: raw,
      record: { sha256: sha256(raw), bytes: raw.length, rawBytes: raw.length, compression: 'none' },
    }
  }
  const parts: Promise<Buffer>[] = []
  for (let o = 0; o < raw.length || o === 0; o += CHUNK)
    parts.push(
      deflateRawAsync(raw.subarray(o, Math.min(raw.length, o + CHUNK)), {
        level,
        strategy: huffman ? zlibConstants.Z_HUFFMAN_ONLY : zlibConstants.Z_DEFAULT_STRATEGY,
      }),
    )
  const chunks = await Promise.all(parts)
  const stored = concat(chunks)
  return {
    stored,
    record: {
      sha256: sha256(stored),
      bytes: stored.length,
      rawBytes: raw.length,
      compression: 'deflate-raw',
      chunkRawBytes: CHUNK,
      chunks: chunks.map((c) => c.length),
    },
  }
}

/**
 * Inverse of pack(): inflates the chunks in parallel into one buffer of `rec.rawBytes`. The chunk
 * table must fit that size before anything is inflated, and no chunk may inflate past its share,
 * so a crafted entry costs at most `rec.rawBytes` (which the caller has checked).
 */
export async function unpack(stored: Uint8Array, rec: PackedEntry['record']): Promise<Uint8Array> {
  const raw = rec.rawBytes
  const per = rec.chunkRawBytes ?? raw
  const sizes = Array.isArray(rec.chunks) ? rec.chunks : [stored.length]
  if (!Number.isInteger(raw) || raw < 0) throw new RangeError('its size is not a byte count')
  if (!Number.isInteger(per) || per < 1 || per > MAX_CHUNK)
    throw new RangeError('its chunk size is not a byte count up to 64 MiB')
  if (
    sizes.length !== Math.max(1, Math.ceil(raw / per)) ||
    !sizes.every((x) => Number.isInteger(x) && x >= 0) ||
    sizes.reduce((a, b) => a + b, 0) !== stored.length
  )
    throw new RangeError('its chunk table does not match its size')
  const parts: Promise<Buffer>[] = []
  let o = 0
  sizes.forEach((sz, i) => {
    const want = Math.min(per, raw - i * per)
    // one output buffer per chunk (zlib's default 16 KB pieces cost a concatenation: ~2x slower)
    parts.push(
      want <= 0
        ? Promise.resolve(Buffer.alloc(0))
        : inflateRawAsync(stored.subarray(o, o + sz), {
            chunkSize: Math.max(64 * 1024, Math.min(CHUNK, want)),
            maxOutputLength: want,
          }).then((b) => {
            if (b.length !== want)
              throw new RangeError(`chunk ${i} inflates to ${b.length} bytes, not ${want}`)
            return b
          }),
    )
    o += sz
  })
  return concat(await Promise.all(parts))
}

/** The chunks one after the other in one new buffer. */
function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((a, c) => a + c.length, 0))
  let o = 0
  for (const c of chunks) {
    out.set(c, o)
    o += c.length
  }
  return out
}
