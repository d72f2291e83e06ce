/**
 * Where the structure of a file is, for the fuzzer's mutations (bench/fuzz-cases.ts): its units
 * (RIFF chunks, FLAC metadata blocks and frames, MP3 frames, Ogg pages, zip records), which are
 * cut at, removed, duplicated and swapped, and its header fields (sizes, rates, channel counts, bit
 * depths, CRCs, offsets), which are set to hostile values. Parsing is forgiving and bounded: any
 * bytes give some layout, and every loop advances.
 */
import { id3Size } from '../src/node/audio-format'
import { mpegFrame } from '../src/node/stream-ends'

/** A header field: byte offset, width in bytes, byte order. */
export interface Field {
  name: string
  at: number
  width: 1 | 2 | 3 | 4 | 8
  be?: boolean
}

/** A structural span of the file, [start, end). */
export interface Unit {
  name: string
  start: number
  end: number
}

export interface Layout {
  units: Unit[]
  fields: Field[]
}

/**
 * Adds to `fields` those of a record at `base` (inside the file of `length` bytes) that `spec`
 * lists as 'name offset width [be], …', named `prefix name`.
 */
function addFields(
  fields: Field[],
  base: number,
  prefix: string,
  spec: string,
  length: number,
): void {
  for (const x of spec.split(', ')) {
    const w = x.split(' ')
    const be = w[w.length - 1] === 'be'
    if (be) w.pop()
    const width = Number(w.pop()) as Field['width']
    const at = base + Number(w.pop())
    if (at + width <= length) fields.push({ name: `${prefix} ${w.join(' ')}`, at, width, be })
  }
}

/** A leading ID3v2 tag as a unit with its size field; where the audio starts. */
function id3Unit(b: Uint8Array, units: Unit[], fields: Field[]): number {
  const size = id3Size(b)
  if (size > 0) {
    units.push({ name: 'id3', start: 0, end: Math.min(size, b.length) })
    fields.push({ name: 'id3 size', at: 6, width: 4, be: true })
  }
  return size
}

const FMT =
  'format tag 0 2, channels 2 2, sample rate 4 4, byte rate 8 4, block align 12 2, bits 14 2'
const STREAMINFO =
  'min block 0 2 be, max block 2 2 be, min frame 4 3 be, max frame 7 3 be, rate/channels/bits 10 4 be, total samples 14 4 be'

const tag = (b: Uint8Array, at: number, s: string): boolean => {
  for (let i = 0; i < s.length; i++) if (b[at + i] !== s.charCodeAt(i)) return false
  return at + s.length <= b.length
}
const u16le = (b: Uint8Array, at: number): number => (b[at] ?? 0) | ((b[at + 1] ?? 0) << 8)
const u32le = (b: Uint8Array, at: number): number => (u16le(b, at) + u16le(b, at + 2) * 65536) >>> 0
const u24be = (b: Uint8Array, at: number): number =>
  ((b[at] ?? 0) << 16) | ((b[at + 1] ?? 0) << 8) | (b[at + 2] ?? 0)

/** RIFF / RF64 / BW64 WAVE: the chunk list, the fmt and ds64 fields. */
export function wavLayout(b: Uint8Array): Layout {
  const units: Unit[] = [{ name: 'riff header', start: 0, end: Math.min(12, b.length) }]
  const fields: Field[] = [{ name: 'riff size', at: 4, width: 4 }]
  let pos = 12
  for (let n = 0; pos + 8 <= b.length && n < 64; n++) {
    const id = String.fromCharCode(...b.subarray(pos, pos + 4)).replace(/[^\x20-\x7e]/g, '?')
    const size = u32le(b, pos + 4)
    let end = pos + 8 + size + (size & 1)
    if (id === 'data' && (size === 0xffffffff || end > b.length)) end = b.length
    units.push({ name: `chunk ${id}`, start: pos, end: Math.min(end, b.length) })
    fields.push({ name: `${id} size`, at: pos + 4, width: 4 })
    if (id === 'fmt ') addFields(fields, pos + 8, 'fmt', FMT, b.length)
    if (id === 'fmt ' && size >= 40)
      addFields(
        fields,
        pos + 8,
        'fmt',
        'cbSize 16 2, valid bits 18 2, channel mask 20 4, sub-format tag 24 2',
        b.length,
      )
    if (id === 'ds64')
      addFields(
        fields,
        pos + 8,
        'ds64',
        'riff size 0 8, data size 8 8, sample count 16 8, table length 24 4',
        b.length,
      )
    pos = Math.max(end, pos + 8)
  }
  return { units, fields }
}

/** Native FLAC (after an optional ID3 tag): the metadata blocks, STREAMINFO's fields, the frames. */
export function flacLayout(b: Uint8Array): Layout {
  if (tag(b, 0, 'OggS')) return oggLayout(b)
  const units: Unit[] = []
  const fields: Field[] = []
  let pos = id3Unit(b, units, fields)
  if (!tag(b, pos, 'fLaC')) return { units, fields }
  pos += 4
  for (let n = 0; pos + 4 <= b.length && n < 64; n++) {
    const type = b[pos]! & 0x7f
    const len = u24be(b, pos + 1)
    units.push({ name: `metadata ${type}`, start: pos, end: Math.min(b.length, pos + 4 + len) })
    fields.push({ name: `metadata ${type} type`, at: pos, width: 1 })
    fields.push({ name: `metadata ${type} length`, at: pos + 1, width: 3, be: true })
    if (type === 0) addFields(fields, pos + 4, 'streaminfo', STREAMINFO, b.length)
    const last = (b[pos]! & 0x80) !== 0
    pos += 4 + len
    if (last) break
  }
  // frames: at the sync code 0xFFF8 / 0xFFF9 (a frame's header; in the data too, now and then)
  let prev = -1
  for (let at = pos; at + 1 < b.length && units.length < 256; at++) {
    if (b[at] === 0xff && (b[at + 1]! & 0xfe) === 0xf8) {
      if (prev >= 0) units.push({ name: 'frame', start: prev, end: at })
      fields.push({ name: 'frame header', at, width: 4, be: true })
      prev = at
      at += 8
    }
  }
  if (prev >= 0) units.push({ name: 'frame', start: prev, end: b.length })
  return { units, fields }
}

/** MP3: the ID3 tag and the frame chain from the first frame header, the Xing/Info frame count. */
export function mp3Layout(b: Uint8Array): Layout {
  const units: Unit[] = []
  const fields: Field[] = []
  let pos = id3Unit(b, units, fields)
  while (pos + 4 <= b.length && !mpegFrame(b, pos) && pos < 65536) pos++
  for (let n = 0; pos + 4 <= b.length && n < 512; n++) {
    const f = mpegFrame(b, pos)
    if (!f) break
    units.push({ name: 'frame', start: pos, end: Math.min(b.length, pos + f.bytes) })
    fields.push({ name: 'frame header', at: pos, width: 4, be: true })
    if (n === 0) {
      for (let o = pos + 4; o + 12 <= Math.min(b.length, pos + f.bytes); o++) {
        if (tag(b, o, 'Xing') || tag(b, o, 'Info')) {
          fields.push({ name: 'xing flags', at: o + 4, width: 4, be: true })
          fields.push({ name: 'xing frames', at: o + 8, width: 4, be: true })
          break
        }
      }
    }
    pos += Math.max(1, f.bytes)
  }
  return { units, fields }
}

/** Ogg: the pages, their header fields, and the identification header's channels and rate. */
export function oggLayout(b: Uint8Array): Layout {
  const units: Unit[] = []
  const fields: Field[] = []
  let pos = 0
  for (let n = 0; pos + 27 <= b.length && n < 256; n++) {
    if (!tag(b, pos, 'OggS')) {
      const next = b.indexOf(0x4f, pos + 1)
      if (next < 0) break
      pos = next
      continue
    }
    const segs = b[pos + 26]!
    let body = 0
    for (let i = 0; i < segs; i++) body += b[pos + 27 + i] ?? 0
    const end = Math.min(b.length, pos + 27 + segs + body)
    units.push({ name: `page ${n}`, start: pos, end })
    const page =
      'version 4 1, flags 5 1, granule 6 8, serial 14 4, sequence 18 4, crc 22 4, segments 26 1'
    addFields(fields, pos, 'page', segs > 0 ? `${page}, lacing 27 1` : page, b.length)
    const p = pos + 27 + segs
    if (n === 0 && tag(b, p, 'OpusHead'))
      addFields(
        fields,
        p,
        'opus',
        'channels 9 1, pre-skip 10 2, rate 12 4, gain 16 2, mapping family 18 1',
        b.length,
      )
    else if (n === 0 && tag(b, p + 1, 'vorbis'))
      addFields(fields, p, 'vorbis', 'channels 11 1, rate 12 4, block sizes 28 1', b.length)
    else if (n === 0 && tag(b, p + 1, 'FLAC'))
      addFields(fields, p + 17, 'ogg flac streaminfo', STREAMINFO, b.length)
    pos = Math.max(end, pos + 1)
  }
  return { units, fields }
}

const OGG_CRC = (() => {
  const t = new Uint32Array(256)
  for (let i = 0; i < 256; i++) {
    let r = i << 24
    for (let k = 0; k < 8; k++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1
    t[i] = r >>> 0
  }
  return t
})()

/** Recomputes the CRC of every whole Ogg page, so that a mutation reaches the codec. */
export function resealOgg(b: Uint8Array): void {
  for (const u of oggLayout(b).units) {
    if (u.end - u.start < 27) continue
    b.fill(0, u.start + 22, u.start + 26)
    let crc = 0
    for (let i = u.start; i < u.end; i++)
      crc = ((crc << 8) ^ OGG_CRC[((crc >>> 24) ^ b[i]!) & 255]!) >>> 0
    new DataView(b.buffer, b.byteOffset).setUint32(u.start + 22, crc, true)
  }
}

/** Zip records by the last two bytes of their signature: what they are, where they end, their fields. */
const ZIP: Record<
  string,
  [name: string, end: (b: Uint8Array, at: number) => number, spec: string]
> = {
  '3,4': [
    'local entry',
    (b, at) => at + 30 + u16le(b, at + 26) + u16le(b, at + 28) + u32le(b, at + 18),
    'flags 6 2, method 8 2, crc 14 4, compressed size 18 4, size 22 4, name length 26 2, extra length 28 2',
  ],
  '1,2': [
    'central record',
    (b, at) => at + 46 + u16le(b, at + 28) + u16le(b, at + 30) + u16le(b, at + 32),
    'method 10 2, crc 16 4, compressed size 20 4, size 24 4, name length 28 2, extra length 30 2, local offset 42 4',
  ],
  '5,6': [
    'end record',
    (b) => b.length,
    'entries on disk 8 2, entries 10 2, directory size 12 4, directory offset 16 4, comment length 20 2',
  ],
}

/** Zip: local headers, central directory records and the end record, with their size fields. */
export function zipLayout(b: Uint8Array): Layout {
  const units: Unit[] = []
  const fields: Field[] = []
  for (let at = 0; at + 4 <= b.length && units.length < 64; at++) {
    const record =
      b[at] === 0x50 && b[at + 1] === 0x4b ? ZIP[`${b[at + 2]},${b[at + 3]}`] : undefined
    if (!record) continue
    const [name, end, spec] = record
    units.push({ name, start: at, end: Math.min(end(b, at), b.length) })
    addFields(fields, at, name, spec, b.length)
  }
  return { units, fields }
}
