/**
 * Our own WAV / RF64 / BW64 reader: parses the chunk list with positional reads and converts the
 * `data` chunk block by block, so it is bit-exact, handles files over 4 GiB (RF64 `ds64`), and
 * never holds the encoded file in memory. No Node-only API leaks out: the caller passes a reader.
 */
import { InputError } from '../shared/errors'

/** Reads up to `length` bytes at byte `position` of the file; fewer only at the end of the file. */
export type ReadAt = (position: number, length: number) => Promise<Uint8Array>

/** What the `fmt ` chunk (and `ds64`) say about the audio in a WAV file. */
export interface WavInfo {
  /** 'wav' for RIFF, 'rf64' for RF64/BW64. */
  container: 'wav' | 'rf64'
  /** Effective format tag: 1 PCM int, 3 IEEE float, 6 A-law, 7 mu-law (after resolving EXTENSIBLE). */
  formatTag: number
  extensible: boolean
  channels: number
  sampleRate: number
  /** Bytes per sample frame (all channels). */
  blockAlign: number
  /** Bytes per sample in the container (blockAlign / channels). */
  containerBytes: number
  /** Meaningful bits per sample (wValidBitsPerSample for EXTENSIBLE, else wBitsPerSample). */
  bitDepth: number
  /** Byte offset of the first sample in the file. */
  dataOffset: number
  /** Bytes of sample data that are actually present (whole frames only). */
  dataBytes: number
  /** Sample frames (samples per channel). */
  frames: number
}

const KNOWN_TAGS: Record<number, string> = {
  0x0002: 'Microsoft ADPCM',
  0x0011: 'IMA ADPCM',
  0x0031: 'GSM 6.10',
  0x0040: 'G.721 ADPCM',
  0x0050: 'MPEG-1 Layer I/II',
  0x0055: 'MPEG Layer III (MP3)',
  0x0092: 'Dolby AC-3 SPDIF',
  0x00ff: 'AAC',
  0x0160: 'WMA v1',
  0x0161: 'WMA v2',
  0x1610: 'HE-AAC',
  0x2000: 'Dolby AC-3',
  0x2001: 'DTS',
}

/** The GUID tail every KSDATAFORMAT_SUBTYPE_* for a classic format tag shares: -0000-0010-8000-00AA00389B71. */
const KS_GUID_TAIL = [
  0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71,
]

function fourcc(b: Uint8Array, at: number): string {
  return String.fromCharCode(b[at], b[at + 1], b[at + 2], b[at + 3])
}

function u16(b: Uint8Array, at: number): number {
  return b[at] | (b[at + 1] << 8)
}

function u32(b: Uint8Array, at: number): number {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16)) + b[at + 3] * 0x1000000
}

function u64(b: Uint8Array, at: number): number {
  return u32(b, at) + u32(b, at + 4) * 0x100000000
}

/**
 * Sizes that writers leave in the header when they cannot seek back to fix it: 0xFFFFFFFF
 * (ffmpeg and others), 0x7FFFF000 (sox), and 0 when the RIFF size is unset too.
 */
function isPlaceholderSize(size32: number, riffSize: number): boolean {
  return (
    size32 === 0xffffffff ||
    size32 === 0x7ffff000 ||
    (size32 === 0 && (riffSize === 0 || riffSize === 0xffffffff))
  )
}

function describeTag(tag: number): string {
  const hex = '0x' + tag.toString(16).padStart(4, '0')
  return KNOWN_TAGS[tag] ? `${KNOWN_TAGS[tag]} (format ${hex})` : `format ${hex}`
}

/**
 * Chunks read before the audio is found: real files have a handful; each costs one read, so a file
 * of empty chunks (8 bytes each) would otherwise take minutes per 100 MB before its verdict.
 */
export const MAX_WAV_CHUNKS = 4096

/**
 * Parses the chunk list of a RIFF/RF64/BW64 WAVE file of `fileSize` bytes. `name` is used in
 * messages. Throws InputError for anything it cannot or will not decode.
 */
export async function parseWavHeader(
  readAt: ReadAt,
  fileSize: number,
  name: string,
): Promise<WavInfo> {
  const head = await readAt(0, 12)
  if (head.length < 12)
    throw new InputError(`${name} is truncated: it ends inside the WAV header. Re-export the file.`)
  const riff = fourcc(head, 0)
  if (fourcc(head, 8) !== 'WAVE' || (riff !== 'RIFF' && riff !== 'RF64' && riff !== 'BW64')) {
    throw new InputError(`${name} is not a WAV file (no RIFF/WAVE header).`)
  }
  const isRf64 = riff !== 'RIFF'
  const riffSize = u32(head, 4)
  let ds64DataSize: number | undefined
  let fmt: Uint8Array | undefined
  let dataOffset = -1
  let declaredDataSize = 0
  let dataSizeUnknown = false

  let pos = 12
  for (let chunks = 0; pos + 8 <= fileSize; chunks++) {
    if (chunks === MAX_WAV_CHUNKS)
      throw new InputError(
        `${name} is corrupt: its header runs past ${MAX_WAV_CHUNKS} chunks without both 'fmt ' and 'data' (real WAV files have a few). Re-export the file.`,
      )
    const hdr = await readAt(pos, 8)
    if (hdr.length < 8) break
    const id = fourcc(hdr, 0)
    const size32 = u32(hdr, 4)
    const bodyAt = pos + 8
    if (id === 'data') {
      dataOffset = bodyAt
      if (isRf64 && size32 === 0xffffffff) {
        if (ds64DataSize === undefined) {
          throw new InputError(
            `${name} is corrupt: an RF64 file whose 'ds64' chunk is missing or comes after 'data'.`,
          )
        }
        declaredDataSize = ds64DataSize
      } else if (
        isPlaceholderSize(size32, riffSize) &&
        fileSize > bodyAt &&
        (size32 === 0 || size32 > fileSize - bodyAt)
      ) {
        // A writer that could not seek back (a pipe) leaves a placeholder size: the data runs to the end.
        declaredDataSize = fileSize - bodyAt
        dataSizeUnknown = true
      } else {
        declaredDataSize = size32
      }
      if (fmt) break // everything needed is known; trailing chunks (LIST, id3 …) are irrelevant
      pos = bodyAt + declaredDataSize + (declaredDataSize & 1)
      continue
    }
    if (id === 'ds64' || id === 'fmt ') {
      if (size32 > 1024)
        throw new InputError(`${name} is corrupt: its '${id.trim()}' chunk claims ${size32} bytes.`)
      const body = await readAt(bodyAt, size32)
      if (body.length < size32)
        throw new InputError(
          `${name} is truncated inside its '${id.trim()}' chunk. Re-export the file.`,
        )
      if (id === 'ds64') {
        if (size32 < 24)
          throw new InputError(
            `${name} is corrupt: its 'ds64' chunk is ${size32} bytes, expected at least 24.`,
          )
        ds64DataSize = u64(body, 8)
      } else {
        fmt = body
      }
    }
    pos = bodyAt + size32 + (size32 & 1)
  }

  if (!fmt)
    throw new InputError(
      `${name} is not a usable WAV file: it has no 'fmt ' chunk (corrupt or truncated header).`,
    )
  if (dataOffset < 0)
    throw new InputError(
      `${name} has no audio: its WAV 'data' chunk is missing (corrupt or truncated file).`,
    )
  if (fmt.length < 16)
    throw new InputError(
      `${name} is corrupt: its 'fmt ' chunk is ${fmt.length} bytes, expected at least 16.`,
    )

  let formatTag = u16(fmt, 0)
  const channels = u16(fmt, 2)
  const sampleRate = u32(fmt, 4)
  const blockAlign = u16(fmt, 12)
  const bitsPerSample = u16(fmt, 14)
  let bitDepth = bitsPerSample
  const extensible = formatTag === 0xfffe
  if (extensible) {
    if (fmt.length < 40)
      throw new InputError(
        `${name} is corrupt: WAVE_FORMAT_EXTENSIBLE header of ${fmt.length} bytes, expected 40.`,
      )
    const valid = u16(fmt, 18)
    if (valid > 0) bitDepth = valid
    formatTag = u16(fmt, 24)
    for (let i = 0; i < KS_GUID_TAIL.length; i++) {
      if (fmt[26 + i] !== KS_GUID_TAIL[i]) {
        throw new InputError(
          `${name} uses a WAVE_FORMAT_EXTENSIBLE sub-format Unweave cannot read (not PCM or float, e.g. ambisonic B-format). Convert it to plain PCM WAV or FLAC.`,
        )
      }
    }
  }

  checkChannelsAndRate(channels, sampleRate, name)
  if (blockAlign === 0 || blockAlign % channels !== 0) {
    throw new InputError(
      `${name} is corrupt: block size ${blockAlign} bytes does not fit ${channels} channels.`,
    )
  }
  const containerBytes = blockAlign / channels

  if (formatTag === 1) {
    if (
      containerBytes < 1 ||
      containerBytes > 4 ||
      bitsPerSample > containerBytes * 8 ||
      bitsPerSample === 0
    ) {
      throw new InputError(
        `${name} is PCM with ${bitsPerSample} bits in ${containerBytes}-byte samples; Unweave reads 8, 16, 24 and 32-bit PCM. Convert it (e.g. to 24-bit WAV or FLAC).`,
      )
    }
  } else if (formatTag === 3) {
    if (containerBytes !== 4 && containerBytes !== 8) {
      throw new InputError(
        `${name} is floating point with ${containerBytes * 8}-bit samples; Unweave reads 32 and 64-bit float WAV.`,
      )
    }
    bitDepth = containerBytes * 8
  } else if (formatTag === 6 || formatTag === 7) {
    if (containerBytes !== 1)
      throw new InputError(
        `${name} is corrupt: ${formatTag === 6 ? 'A-law' : 'mu-law'} with ${containerBytes}-byte samples.`,
      )
    bitDepth = 8
  } else {
    throw new InputError(
      `${name} is a WAV file with ${describeTag(formatTag)} audio, which Unweave cannot read. Convert it to PCM WAV or FLAC (e.g. ffmpeg -i in.wav -c:a pcm_s24le out.wav).`,
    )
  }

  const available = Math.max(0, fileSize - dataOffset)
  if (!dataSizeUnknown && declaredDataSize > available) {
    throw new InputError(
      `${name} is truncated: its header announces ${declaredDataSize} bytes of audio but only ${available} are in the file. Re-export or re-download it.`,
    )
  }
  const frames = Math.floor(Math.min(declaredDataSize, available) / blockAlign)
  if (frames === 0) {
    throw new InputError(
      `${name} holds no audio samples (zero-length WAV). Choose a file with sound in it.`,
    )
  }
  return {
    container: isRf64 ? 'rf64' : 'wav',
    formatTag,
    extensible,
    channels,
    sampleRate,
    blockAlign,
    containerBytes,
    bitDepth,
    dataOffset,
    dataBytes: frames * blockAlign,
    frames,
  }
}

/** Rejects channel counts and rates outside what Unweave supports (1-8 channels, 8-192 kHz). */
export function checkChannelsAndRate(channels: number, sampleRate: number, name: string): void {
  if (channels === 0)
    throw new InputError(
      `${name} declares 0 audio channels, so it holds no audio (corrupt header).`,
    )
  if (channels > 8) {
    throw new InputError(
      `${name} has ${channels} channels; Unweave separates mono up to 8-channel audio. Split or downmix it to at most 8 channels first.`,
    )
  }
  if (!(sampleRate >= 8000 && sampleRate <= 192000)) {
    throw new InputError(
      `${name} has a sample rate of ${sampleRate} Hz; Unweave reads 8000 to 192000 Hz. Resample it into that range first.`,
    )
  }
}

/** A-law byte -> linear value in [-1, 1) (ITU-T G.711), scaled by 1/32768. */
function alawTable(): Float32Array {
  const t = new Float32Array(256)
  for (let i = 0; i < 256; i++) {
    const a = i ^ 0x55
    const exp = (a & 0x70) >> 4
    let mag = (a & 0x0f) << 4
    mag = exp === 0 ? mag + 8 : (mag + 0x108) << (exp - 1)
    t[i] = (a & 0x80 ? mag : -mag) / 32768
  }
  return t
}

/** mu-law byte -> linear value (ITU-T G.711), scaled by 1/32768. */
function mulawTable(): Float32Array {
  const t = new Float32Array(256)
  for (let i = 0; i < 256; i++) {
    const u = ~i & 0xff
    const exp = (u & 0x70) >> 4
    const mag = (((u & 0x0f) << 3) + 0x84) << exp
    t[i] = (u & 0x80 ? 0x84 - mag : mag - 0x84) / 32768
  }
  return t
}

/** Whether this machine stores numbers little-endian (WAV's order). */
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

/**
 * Converts `frames` interleaved frames in `bytes` (starting at frame 0) into `out[c][at + i]`.
 * Integers map to [-1, 1) by dividing by 2^(bits-1) of the container (exact in float32 up to 24 bits).
 * Returns the index of the first non-finite sample (float formats), or -1.
 */
export function convertBlock(
  info: WavInfo,
  bytes: Uint8Array,
  frames: number,
  out: Float32Array[],
  at: number,
): number {
  const ch = info.channels
  const n = frames * ch
  const bo = bytes.byteOffset
  const buf = bytes.buffer
  let bad = -1
  switch (
    info.formatTag === 1
      ? `i${info.containerBytes}`
      : info.formatTag === 3
        ? `f${info.containerBytes}`
        : `g${info.formatTag}`
  ) {
    case 'i1': {
      for (let c = 0; c < ch; c++) {
        const o = out[c]
        for (let f = 0, i = c; f < frames; f++, i += ch) o[at + f] = (bytes[i] - 128) / 128
      }
      break
    }
    case 'i2': {
      const k = 1 / 32768
      if (LITTLE_ENDIAN && bo % 2 === 0) {
        const s = new Int16Array(buf, bo, n)
        for (let c = 0; c < ch; c++) {
          const o = out[c]
          for (let f = 0, i = c; f < frames; f++, i += ch) o[at + f] = s[i] * k
        }
      } else {
        const dv = new DataView(buf, bo, n * 2)
        for (let c = 0; c < ch; c++) {
          const o = out[c]
          for (let f = 0, i = c; f < frames; f++, i += ch) o[at + f] = dv.getInt16(i * 2, true) * k
        }
      }
      break
    }
    case 'i3': {
      const k = 1 / 8388608
      const stride = ch * 3
      for (let c = 0; c < ch; c++) {
        const o = out[c]
        for (let f = 0, b = c * 3; f < frames; f++, b += stride) {
          // assemble in the top 24 bits, then an arithmetic shift sign-extends
          o[at + f] = (((bytes[b] << 8) | (bytes[b + 1] << 16) | (bytes[b + 2] << 24)) >> 8) * k
        }
      }
      break
    }
    case 'i4': {
      const k = 1 / 2147483648
      if (LITTLE_ENDIAN && bo % 4 === 0) {
        const s = new Int32Array(buf, bo, n)
        for (let c = 0; c < ch; c++) {
          const o = out[c]
          for (let f = 0, i = c; f < frames; f++, i += ch) o[at + f] = s[i] * k
        }
      } else {
        const dv = new DataView(buf, bo, n * 4)
        for (let c = 0; c < ch; c++) {
          const o = out[c]
          for (let f = 0, i = c; f < frames; f++, i += ch) o[at + f] = dv.getInt32(i * 4, true) * k
        }
      }
      break
    }
    case 'f4': {
      const s = LITTLE_ENDIAN && bo % 4 === 0 ? new Float32Array(buf, bo, n) : null
      const dv = new DataView(buf, bo, n * 4)
      for (let c = 0; c < ch; c++) {
        const o = out[c]
        for (let f = 0, i = c; f < frames; f++, i += ch) {
          const v = s ? s[i] : dv.getFloat32(i * 4, true)
          if (v - v !== 0 && (bad < 0 || f < bad)) bad = f
          o[at + f] = v
        }
      }
      break
    }
    case 'f8': {
      const s = LITTLE_ENDIAN && bo % 8 === 0 ? new Float64Array(buf, bo, n) : null
      const dv = new DataView(buf, bo, n * 8)
      for (let c = 0; c < ch; c++) {
        const o = out[c]
        for (let f = 0, i = c; f < frames; f++, i += ch) {
          const v = Math.fround(s ? s[i] : dv.getFloat64(i * 8, true))
          if (v - v !== 0 && (bad < 0 || f < bad)) bad = f
          o[at + f] = v
        }
      }
      break
    }
    case 'g6':
    case 'g7': {
      const t = info.formatTag === 6 ? (ALAW ??= alawTable()) : (MULAW ??= mulawTable())
      for (let c = 0; c < ch; c++) {
        const o = out[c]
        for (let f = 0, i = c; f < frames; f++, i += ch) o[at + f] = t[bytes[i]]
      }
      break
    }
    default:
      throw new InputError(
        `unsupported WAV sample layout (format ${info.formatTag}, ${info.containerBytes} bytes)`,
      )
  }
  return bad
}

let ALAW: Float32Array | undefined
let MULAW: Float32Array | undefined
