/** Which codec a file needs, from its first bytes (never from its extension). */
import { InputError } from '../shared/errors'

/** Formats decodeAudioFile() accepts, for help texts. */
export const SUPPORTED_FORMATS =
  'WAV (8/16/24/32-bit int, 32/64-bit float, RF64), FLAC, MP3, Ogg Vorbis, Opus'

/** The codecs Unweave decodes. */
export type Kind = 'wav' | 'flac' | 'mp3' | 'vorbis' | 'opus'

export function ascii(b: Uint8Array, at: number, n: number): string {
  let s = ''
  for (let i = 0; i < n && at + i < b.length; i++) s += String.fromCharCode(b[at + i])
  return s
}

/** Size of a leading ID3v2 tag (0 if none). */
export function id3Size(b: Uint8Array): number {
  if (ascii(b, 0, 3) !== 'ID3' || b.length < 10) return 0
  const size = ((b[6] & 0x7f) << 21) | ((b[7] & 0x7f) << 14) | ((b[8] & 0x7f) << 7) | (b[9] & 0x7f)
  return 10 + size + (b[5] & 0x10 ? 10 : 0)
}

/** True if b[at..] starts a plausible MPEG audio frame header (layer I-III, not AAC ADTS). */
export function isMpegFrame(b: Uint8Array, at: number): boolean {
  if (at + 4 > b.length || b[at] !== 0xff || (b[at + 1] & 0xe0) !== 0xe0) return false
  const version = (b[at + 1] >> 3) & 3
  const layer = (b[at + 1] >> 1) & 3
  const bitrate = b[at + 2] >> 4
  const rate = (b[at + 2] >> 2) & 3
  return version !== 1 && layer !== 0 && bitrate !== 15 && rate !== 3
}

const OTHER_FORMATS: [test: (b: Uint8Array) => boolean, label: string][] = [
  [(b) => ascii(b, 0, 4) === 'FORM' && /^AIF[FC]$/.test(ascii(b, 8, 4)), 'an AIFF file'],
  [(b) => ascii(b, 0, 4) === 'caff', 'a Core Audio (CAF) file'],
  [(b) => ascii(b, 4, 4) === 'ftyp', 'an MP4/M4A (AAC or ALAC) file'],
  [(b) => b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3, 'a Matroska/WebM file'],
  [(b) => ascii(b, 0, 4) === '.snd', 'a Sun/NeXT AU file'],
  [(b) => ascii(b, 0, 4) === 'RIFX', 'a big-endian (RIFX) WAV file'],
  [(b) => ascii(b, 0, 4) === 'MThd', 'a MIDI file (notes, not audio)'],
  [(b) => ascii(b, 0, 4) === 'ADIF' || (b[0] === 0xff && (b[1] & 0xf6) === 0xf0), 'an AAC file'],
  [(b) => ascii(b, 0, 4) === 'wvpk', 'a WavPack file'],
  [(b) => ascii(b, 0, 4) === 'MAC ', "a Monkey's Audio (APE) file"],
  [(b) => ascii(b, 0, 4) === 'TTA1', 'a TTA file'],
  [(b) => ascii(b, 0, 5) === '#!AMR', 'an AMR file'],
  [(b) => b[0] === 0x30 && b[1] === 0x26 && b[2] === 0xb2 && b[3] === 0x75, 'a WMA/ASF file'],
  [(b) => ascii(b, 0, 4) === 'qoaf', 'a QOA file'],
]

/** Finds the codec from the first bytes of the file (never from its extension). */
export function detect(head: Uint8Array, name: string): Kind {
  const magic = ascii(head, 0, 4)
  if ((magic === 'RIFF' || magic === 'RF64' || magic === 'BW64') && ascii(head, 8, 4) === 'WAVE')
    return 'wav'
  if (magic === 'RIFF' || magic === 'RF64' || magic === 'BW64') {
    if (head.length < 12)
      throw new InputError(`${name} is truncated: it ends inside its RIFF header.`)
    throw new InputError(
      `${name} is a RIFF file of type '${ascii(head, 8, 4)}', not WAVE audio. Unweave reads ${SUPPORTED_FORMATS}.`,
    )
  }
  if (magic === 'fLaC') return 'flac'
  if (magic === 'OggS') {
    // The first page's first packet says which codec the stream carries.
    const segs = head[26] ?? 0
    const body = 27 + segs
    if (ascii(head, body, 8) === 'OpusHead') return 'opus'
    if (head[body] === 1 && ascii(head, body + 1, 6) === 'vorbis') return 'vorbis'
    if (head[body] === 0x7f && ascii(head, body + 1, 4) === 'FLAC') return 'flac'
    if (head.length < body + 8)
      throw new InputError(`${name} is truncated: it ends inside its first Ogg page.`)
    const codec = ascii(head, body, 8).replace(/[^\x20-\x7e]/g, '?')
    throw new InputError(
      `${name} is an Ogg file with a codec Unweave cannot read ('${codec}'). Convert it to WAV or FLAC.`,
    )
  }
  const skip = id3Size(head)
  if (skip > 0) {
    if (ascii(head, skip, 4) === 'fLaC') return 'flac'
    return 'mp3' // an ID3 tag says MP3 in practice; the decoder judges the frames
  }
  if (isMpegFrame(head, 0)) return 'mp3'
  for (const [test, label] of OTHER_FORMATS) {
    if (head.length >= 4 && test(head)) {
      throw new InputError(
        `${name} is ${label}, which Unweave cannot read. Convert it to WAV or FLAC (e.g. ffmpeg -i input output.wav). Supported: ${SUPPORTED_FORMATS}.`,
      )
    }
  }
  const hex = Array.from(head.subarray(0, 8), (x) => x.toString(16).padStart(2, '0')).join(' ')
  throw new InputError(
    `${name} is not an audio format Unweave recognises (it starts with bytes ${hex}); the file may be corrupt or of another type. Supported: ${SUPPORTED_FORMATS}.`,
  )
}
