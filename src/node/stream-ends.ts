/**
 * Whether a compressed stream ends where its container says (issue 16): a cut Ogg or MP3 file
 * decodes without an error from the codecs, so the decoder checks the ends itself. Ogg: the last
 * page must be whole and carry the end-of-stream flag. MP3: the frame chain, walked from the first
 * frame header, must end at the end of the file (or at an ID3v1 / APE tag), and a Xing/Info header's
 * frame count says how many samples there are.
 */

/** Bitrates in kbit/s by [MPEG-1 ? 0 : 1][layer 1..3][index]. */
const BITRATES = [
  [
    [],
    [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
    [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
    [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  ],
  [
    [],
    [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
    [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
    [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  ],
]
const RATES: Record<number, number[]> = {
  3: [44100, 48000, 32000],
  2: [22050, 24000, 16000],
  0: [11025, 12000, 8000],
}

/** An MPEG audio frame header at `at`: its length in bytes and samples, or undefined. */
export function mpegFrame(
  b: Uint8Array,
  at: number,
): { bytes: number; samples: number } | undefined {
  if (at + 4 > b.length || b[at] !== 0xff || (b[at + 1]! & 0xe0) !== 0xe0) return undefined
  const version = (b[at + 1]! >> 3) & 3 // 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
  const layer = 4 - ((b[at + 1]! >> 1) & 3) // 1..3
  const bi = b[at + 2]! >> 4
  const ri = (b[at + 2]! >> 2) & 3
  if (version === 1 || layer === 4 || bi === 0 || bi === 15 || ri === 3) return undefined
  const kbps = BITRATES[version === 3 ? 0 : 1]![layer]![bi]!
  const rate = RATES[version]![ri]!
  const pad = (b[at + 2]! >> 1) & 1
  if (layer === 1) return { bytes: (Math.floor((12000 * kbps) / rate) + pad) * 4, samples: 384 }
  const samples = layer === 3 && version !== 3 ? 576 : 1152
  return { bytes: Math.floor(((samples / 8) * 1000 * kbps) / rate) + pad, samples }
}

/** Samples per channel a Xing/Info (or VBRI) header in the first frame at `at` announces. */
export function mp3AnnouncedSamples(b: Uint8Array, at: number): number | undefined {
  const f = mpegFrame(b, at)
  if (!f) return undefined
  const end = Math.min(b.length, at + f.bytes)
  const tag = (o: number, s: string): boolean =>
    o + 4 <= end && String.fromCharCode(b[o]!, b[o + 1]!, b[o + 2]!, b[o + 3]!) === s
  for (let o = at + 4; o + 16 <= end; o++) {
    if (tag(o, 'Xing') || tag(o, 'Info')) {
      const flags = (b[o + 7]! | (b[o + 6]! << 8)) >>> 0
      if (!(flags & 1)) return undefined
      const frames = ((b[o + 8]! << 24) | (b[o + 9]! << 16) | (b[o + 10]! << 8) | b[o + 11]!) >>> 0
      return frames * f.samples
    }
    if (tag(o, 'VBRI') && o + 18 <= end) {
      const frames =
        ((b[o + 14]! << 24) | (b[o + 15]! << 16) | (b[o + 16]! << 8) | b[o + 17]!) >>> 0
      return frames * f.samples
    }
  }
  return undefined
}

/**
 * Walks the MPEG frame chain over the file's blocks as they are read. `end(size)` says whether the
 * last frame is whole: true, false (cut), or undefined (lost the chain: nothing can be said).
 */
export class Mp3FrameWalk {
  #next: number
  #lost = false
  #carry = new Uint8Array(0)

  constructor(firstFrame: number) {
    this.#next = firstFrame
  }

  /** Feeds the block of the file that starts at byte `pos`. */
  feed(block: Uint8Array, pos: number): void {
    if (this.#lost) return
    // keep up to 3 bytes of the previous block so a header split across blocks is read whole
    const buf = new Uint8Array(this.#carry.length + block.length)
    buf.set(this.#carry)
    buf.set(block, this.#carry.length)
    const base = pos - this.#carry.length
    while (this.#next + 4 <= base + buf.length) {
      if (this.#next < base) {
        this.#lost = true
        return
      }
      const f = mpegFrame(buf, this.#next - base)
      if (!f) {
        this.#lost = true
        return
      }
      this.#next += f.bytes
    }
    const keep = Math.max(0, base + buf.length - this.#next)
    this.#carry = buf.subarray(buf.length - Math.min(keep, 3))
  }

  /** Whether the chain ends at the file's end (or a trailing tag); `tail` is the file's last bytes. */
  end(size: number, tail: Uint8Array): boolean | undefined {
    if (this.#next === size) return true
    if (this.#next < size) {
      // a tag after the last frame: ID3v1 ('TAG', 128 bytes) or APE ('APETAGEX')
      const at = this.#next - (size - tail.length)
      const text = (o: number, n: number): string =>
        o >= 0 && o + n <= tail.length ? String.fromCharCode(...tail.subarray(o, o + n)) : ''
      if (text(at, 3) === 'TAG' || text(at, 8) === 'APETAGEX' || text(at, 3) === 'ID3') return true
      return undefined // something else after the chain: nothing to say
    }
    return this.#lost ? undefined : false
  }
}

/**
 * Whether an Ogg stream's last page is whole and marks the end of the stream; `tail` is the last
 * bytes of the file (64 KiB hold any page). undefined when no page starts in the tail.
 */
export function oggEndsCleanly(tail: Uint8Array): boolean | undefined {
  for (let o = tail.length - 27; o >= 0; o--) {
    if (tail[o] !== 0x4f || tail[o + 1] !== 0x67 || tail[o + 2] !== 0x67 || tail[o + 3] !== 0x53)
      continue
    const n = tail[o + 26]!
    if (o + 27 + n > tail.length) return false
    let body = 0
    for (let i = 0; i < n; i++) body += tail[o + 27 + i]!
    if (o + 27 + n + body > tail.length) return false // the last page is cut
    return (tail[o + 5]! & 0x04) !== 0
  }
  return undefined
}
