/**
 * Whether a compressed stream ends where its container says (issue 16): a cut Ogg or MP3 file
 * decodes without an error from the codecs, so the decoder checks the ends itself. Ogg: the last
 * page must be whole and carry the end-of-stream flag. MP3: the frame chain, walked from the first
 * frame header, must end at the end of the file (or at an ID3v1 / APE tag), and a Xing/Info header's
 * frame count says how many samples there are. FLAC whose STREAMINFO gives no length (total
 * samples 0, as a pipe encoder leaves it): the file must end with a whole frame, its CRC-16 the
 * last two bytes.
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

/** An MSB-first CRC table of `width` bits (8 or 16) for polynomial `poly` (FLAC's CRC-8 and CRC-16). */
function crcTable(width: number, poly: number): Uint16Array {
  const top = 1 << (width - 1)
  const mask = (1 << width) - 1
  return Uint16Array.from({ length: 256 }, (_, byte) => {
    let c = byte << (width - 8)
    for (let k = 0; k < 8; k++) c = (c & top ? (c << 1) ^ poly : c << 1) & mask
    return c
  })
}
const CRC8 = crcTable(8, 0x07)
const CRC16 = crcTable(16, 0x8005)

function crc8(b: Uint8Array, from: number, to: number): number {
  let c = 0
  for (let i = from; i < to; i++) c = CRC8[c ^ b[i]!]!
  return c
}

function crc16(b: Uint8Array, from: number, to: number): number {
  let c = 0
  for (let i = from; i < to; i++) c = ((c << 8) & 0xffff) ^ CRC16[(c >> 8) ^ b[i]!]!
  return c
}

/** Length of a FLAC frame header at `at` whose CRC-8 checks (RFC 9639, 9.1), or 0. */
function flacFrameHeader(b: Uint8Array, at: number): number {
  if (at + 6 > b.length || b[at] !== 0xff || (b[at + 1]! & 0xfe) !== 0xf8) return 0
  const sizeCode = b[at + 2]! >> 4
  const rateCode = b[at + 2]! & 0x0f
  const chans = b[at + 3]! >> 4
  if (sizeCode === 0 || rateCode === 15 || chans > 10 || (b[at + 3]! & 1) !== 0) return 0
  // the frame or sample number, UTF-8 coded: 1 to 7 bytes
  const lead = b[at + 4]!
  let n = 1
  if (lead >= 0x80) {
    if (lead < 0xc0 || lead === 0xff) return 0
    while (n < 7 && lead & (0x80 >> n)) n++
  }
  let len = 4 + n
  len += sizeCode === 6 ? 1 : sizeCode === 7 ? 2 : 0
  len += rateCode === 12 ? 1 : rateCode === 13 || rateCode === 14 ? 2 : 0
  if (at + len + 1 > b.length) return 0
  return crc8(b, at, at + len) === b[at + len] ? len + 1 : 0
}

/**
 * Where a native FLAC stream's audio starts: the offset after its last metadata block, the stream
 * starting with 'fLaC' at `at` of `head` (the file's first bytes). It may lie past `head`'s end (or
 * the file's, when the file is cut in its metadata); undefined when a block header is not in `head`.
 */
export function flacAudioStart(head: Uint8Array, at: number): number | undefined {
  let o = at + 4
  for (;;) {
    if (o + 4 > head.length) return undefined
    const last = (head[o]! & 0x80) !== 0
    o += 4 + ((head[o + 1]! << 16) | (head[o + 2]! << 8) | head[o + 3]!)
    if (last) return o
  }
}

/**
 * Whether a native FLAC stream ends with a whole frame: a frame header (CRC-8 checked) in `tail`,
 * the file's last bytes, from which the CRC-16 up to the end is the last two bytes (an ID3v1 tag
 * after it is allowed), looked for from `from` on (where the audio starts in `tail`). false when
 * the headers nearest the end all fail that (the file is cut), undefined when there is none.
 */
export function flacEndsCleanly(tail: Uint8Array, from = 0): boolean | undefined {
  let end = tail.length
  if (end >= 128 + 2 && String.fromCharCode(...tail.subarray(end - 128, end - 125)) === 'TAG')
    end -= 128
  if (end < 2) return undefined
  const want = (tail[end - 2]! << 8) | tail[end - 1]!
  let headers = 0
  // The last frame's header is the nearest true one; a few more allow for chance look-alikes.
  for (let o = end - 2 - 6; o >= from && headers < 16; o--) {
    if (tail[o] !== 0xff || !flacFrameHeader(tail, o)) continue
    headers++
    if (crc16(tail, o, end - 2) === want) return true
  }
  return headers ? false : undefined
}
