/**
 * Decodes an audio file into planar float32: WAV / RF64 / BW64 with our own reader
 * (wav-reader.ts), FLAC, MP3, Ogg Vorbis and Opus with the @audio/decode-* codecs (pure JS/WASM, no
 * ffmpeg). The file is read in blocks, never whole. Bad input becomes an InputError whose message
 * says what is wrong and what to do; nothing else escapes.
 */
import { open, type FileHandle } from 'node:fs/promises'
import { basename } from 'node:path'
import type { PcmAudio } from '../engine/index'
import { InputError, isUnweaveError } from '../shared/errors'
import { ascii, detect, id3Size, isMpegFrame, type Kind } from './audio-format'
import { checkChannelsAndRate, convertBlock, parseWavHeader, type WavInfo } from './wav-reader'
import { INPUT_OPEN_FLAGS, requireRegularFile, statInputFile } from './input-file'
import {
  flacAudioStart,
  flacEndsCleanly,
  mp3AnnouncedSamples,
  Mp3FrameWalk,
  oggEndsCleanly,
} from './stream-ends'

/** Decoded audio plus what the file said about itself. */
export interface DecodedAudio extends PcmAudio {
  /** Container/codec: 'wav' | 'rf64' | 'flac' | 'mp3' | 'vorbis' | 'opus'. */
  format: string
  /** Bits per sample of lossless input (PCM/FLAC: integer bits; float WAV: 32 or 64); absent for lossy. */
  bitDepth?: number
  /** Length in seconds (frames / sampleRate). */
  durationSec: number
  /** Problems that did not stop decoding (e.g. damaged MP3 frames skipped), for the user. */
  warnings?: string[]
}

/** Options of decodeAudioFile(). */
export interface DecodeOptions {
  /** Refuse inputs whose decoded float32 samples would exceed this many bytes. Default 4 GiB. */
  maxDecodedBytes?: number
  /** Abort decoding (rejects with the signal's reason). */
  signal?: AbortSignal
}

export { SUPPORTED_FORMATS } from './audio-format'

/** Default limit on decoded size: 4 GiB of float32 samples (about 3 h of 44.1 kHz stereo). */
export const DEFAULT_MAX_DECODED_BYTES = 4 * 1024 ** 3

const READ_BLOCK = 4 * 1024 * 1024

/** Decode the audio file at `path`. Throws InputError for anything unreadable or invalid. */
export async function decodeAudioFile(
  path: string,
  opts: DecodeOptions = {},
): Promise<DecodedAudio> {
  const name = `'${basename(path)}'`
  await statInputFile(path, 'an audio file')
  let fh: FileHandle
  try {
    fh = await open(path, INPUT_OPEN_FLAGS)
  } catch (e) {
    throw openError(e, path)
  }
  try {
    const st = await fh.stat()
    requireRegularFile(st, path, 'an audio file')
    const size = st.size
    if (size === 0)
      throw new InputError(`${name} is empty (0 bytes). Choose an audio file that holds sound.`)
    const readAt = async (position: number, length: number, into?: Buffer): Promise<Uint8Array> => {
      const want = Math.max(0, Math.min(length, size - position))
      const b = into && into.length >= want ? into.subarray(0, want) : Buffer.allocUnsafeSlow(want)
      let got = 0
      while (got < b.length) {
        const { bytesRead } = await fh.read(b, got, b.length - got, position + got)
        if (bytesRead === 0) break
        got += bytesRead
      }
      return got === b.length ? b : b.subarray(0, got)
    }
    const head = await readAt(0, 64 * 1024)
    const kind = detect(head, name)
    const max = opts.maxDecodedBytes ?? DEFAULT_MAX_DECODED_BYTES
    if (kind === 'wav') return await decodeWav(readAt, size, name, max, opts.signal)
    return await decodeCompressed(kind, head, readAt, size, name, max, opts.signal)
  } catch (e) {
    if (isUnweaveError(e)) throw e
    if (opts.signal?.aborted) throw e
    if (e instanceof Error && /decoder could not be loaded/.test(e.message)) throw e
    const msg = e instanceof Error ? e.message : String(e)
    if (e instanceof RangeError && /allocat|Array buffer|Invalid typed array length/i.test(msg)) {
      throw new InputError(
        `${name} is too large to decode in the memory available (${msg}). Split it into shorter parts.`,
        { cause: e },
      )
    }
    throw new InputError(
      `${name} could not be decoded: ${msg}. The file is probably corrupt; re-export it or convert it to WAV or FLAC.`,
      { cause: e },
    )
  } finally {
    await fh.close().catch(() => undefined)
  }
}

function openError(e: unknown, path: string): InputError {
  const code = (e as NodeJS.ErrnoException)?.code
  if (code === 'ENOENT')
    return new InputError(`${path} does not exist. Check the path.`, { cause: e })
  if (code === 'EACCES' || code === 'EPERM')
    return new InputError(`${path} cannot be read (permission denied). Check its permissions.`, {
      cause: e,
    })
  if (code === 'EISDIR')
    return new InputError(`${path} is a folder, not an audio file.`, { cause: e })
  return new InputError(`${path} cannot be opened: ${(e as Error)?.message ?? e}`, { cause: e })
}

function tooLarge(
  name: string,
  frames: number,
  channels: number,
  sampleRate: number,
  max: number,
): InputError {
  const gib = (frames * channels * 4) / 1024 ** 3
  const minutes = frames / sampleRate / 60
  const fit = Math.floor((max / (channels * 4) / sampleRate / 60) * 10) / 10
  return new InputError(
    `${name} is too large: ${minutes.toFixed(1)} min of ${channels}-channel audio at ${sampleRate} Hz needs ${gib.toFixed(1)} GiB as 32-bit float, over the ${(max / 1024 ** 3).toFixed(1)} GiB limit. Split it into parts of at most ${fit} min.`,
  )
}

function nonFiniteError(name: string, frame: number, sampleRate: number): InputError {
  return new InputError(
    `${name} contains invalid samples (NaN or infinity) from ${(frame / sampleRate).toFixed(3)} s on; the file is damaged. Re-export it from its source.`,
  )
}

async function decodeWav(
  readAt: (p: number, n: number, into?: Buffer) => Promise<Uint8Array>,
  size: number,
  name: string,
  max: number,
  signal?: AbortSignal,
): Promise<DecodedAudio> {
  const info: WavInfo = await parseWavHeader(readAt, size, name)
  if (info.frames * info.channels * 4 > max)
    throw tooLarge(name, info.frames, info.channels, info.sampleRate, max)
  const out = Array.from({ length: info.channels }, () => new Float32Array(info.frames))
  const framesPerBlock = Math.max(1, Math.floor(READ_BLOCK / info.blockAlign))
  // One read buffer for the whole file: no per-block allocation (and page faults).
  const scratch = Buffer.allocUnsafeSlow(Math.min(framesPerBlock, info.frames) * info.blockAlign)
  for (let f = 0; f < info.frames; f += framesPerBlock) {
    signal?.throwIfAborted()
    const n = Math.min(framesPerBlock, info.frames - f)
    const bytes = await readAt(info.dataOffset + f * info.blockAlign, n * info.blockAlign, scratch)
    if (bytes.length < n * info.blockAlign) {
      throw new InputError(
        `${name} is truncated: the file ended while reading its audio. Re-export or re-download it.`,
      )
    }
    const bad = convertBlock(info, bytes, n, out, f)
    if (bad >= 0) throw nonFiniteError(name, f + bad, info.sampleRate)
  }
  return {
    sampleRate: info.sampleRate,
    channels: out,
    format: info.container,
    bitDepth: info.bitDepth,
    durationSec: info.frames / info.sampleRate,
  }
}

/** STREAMINFO of a native FLAC stream (after an optional ID3 tag). */
function flacStreamInfo(
  head: Uint8Array,
): { sampleRate: number; channels: number; bits: number; totalSamples: number } | null {
  const at = id3Size(head)
  if (ascii(head, at, 4) !== 'fLaC' || head.length < at + 8 + 34) return null
  const b = at + 8 // after 'fLaC' and the metadata block header
  if ((head[at + 4] & 0x7f) !== 0) return null
  const sampleRate = (head[b + 10] << 12) | (head[b + 11] << 4) | (head[b + 12] >> 4)
  const channels = ((head[b + 12] >> 1) & 7) + 1
  const bits = (((head[b + 12] & 1) << 4) | (head[b + 13] >> 4)) + 1
  const totalSamples =
    (head[b + 13] & 0x0f) * 2 ** 32 +
    ((head[b + 14] << 24) >>> 0) +
    (head[b + 15] << 16) +
    (head[b + 16] << 8) +
    head[b + 17]
  return { sampleRate, channels, bits, totalSamples }
}

/** Channel count of an Ogg Opus / Vorbis stream from its identification header, or of the first MP3 frame. */
function declaredChannels(kind: Kind, head: Uint8Array): number | undefined {
  if (kind === 'opus' || kind === 'vorbis') {
    const body = 27 + (head[26] ?? 0)
    const v = kind === 'opus' ? head[body + 9] : head[body + 11]
    return v === undefined ? undefined : v
  }
  if (kind === 'mp3') {
    let at = id3Size(head)
    const end = Math.min(head.length - 4, at + 16384)
    while (at < end && !isMpegFrame(head, at)) at++
    if (at >= end) return undefined
    return head[at + 3] >> 6 === 3 ? 1 : 2
  }
  return undefined
}

interface CodecResult {
  channelData: Float32Array[]
  sampleRate: number
  samplesDecoded?: number
  bitDepth?: number
}

interface Codec {
  decode(data: Uint8Array): CodecResult
  flush?(): CodecResult
  free(): void
}

async function loadCodec(kind: Exclude<Kind, 'wav'>): Promise<Codec> {
  switch (kind) {
    case 'flac':
      return (await (await import('@audio/decode-flac')).decoder()) as unknown as Codec
    case 'mp3':
      return (await (await import('@audio/decode-mp3')).decoder()) as unknown as Codec
    case 'vorbis':
      return (await (await import('@audio/decode-vorbis')).decoder()) as unknown as Codec
    case 'opus':
      return (await (await import('@audio/decode-opus')).decoder()) as unknown as Codec
  }
}

const LABEL: Record<Exclude<Kind, 'wav'>, string> = {
  flac: 'FLAC',
  mp3: 'MP3',
  vorbis: 'Ogg Vorbis',
  opus: 'Opus',
}

async function decodeCompressed(
  kind: Exclude<Kind, 'wav'>,
  head: Uint8Array,
  readAt: (p: number, n: number) => Promise<Uint8Array>,
  size: number,
  name: string,
  max: number,
  signal?: AbortSignal,
): Promise<DecodedAudio> {
  const si = kind === 'flac' ? flacStreamInfo(head) : null
  if (si) {
    checkChannelsAndRate(si.channels, si.sampleRate, name)
    if (si.totalSamples * si.channels * 4 > max)
      throw tooLarge(name, si.totalSamples, si.channels, si.sampleRate, max)
  }
  const wantChannels = declaredChannels(kind, head)
  if (wantChannels !== undefined && (kind === 'opus' || kind === 'vorbis')) {
    if (wantChannels === 0 || wantChannels > 8) checkChannelsAndRate(wantChannels, 48000, name)
  }

  let codec: Codec
  try {
    codec = await loadCodec(kind)
  } catch (e) {
    // An installation problem, not bad input: say so instead of blaming the file.
    throw new Error(
      `the ${LABEL[kind]} decoder could not be loaded (${(e as Error)?.message ?? e}); reinstall Unweave (npm install)`,
      { cause: e },
    )
  }
  // Blocks of decoded audio per channel; concatenated channel by channel at the end.
  const blocks: Float32Array[][] = []
  let channels = 0
  let sampleRate = 0
  let frames = 0
  let collapseToMono = false
  let flacBits: number | undefined
  const take = (r: ReturnType<Codec['decode']>): void => {
    let data = r.channelData
    if (!data?.length) return
    let n = r.samplesDecoded ?? data[0].length
    n = Math.min(n, data[0].length)
    if (n === 0) return
    if (channels === 0) {
      channels = data.length
      sampleRate = r.sampleRate
      // The MP3 decoder upmixes mono frames to two identical channels; the header says mono.
      if (kind === 'mp3' && wantChannels === 1 && channels === 2) {
        collapseToMono = true
        channels = 1
      }
      checkChannelsAndRate(channels, sampleRate, name)
    }
    if (collapseToMono) data = [data[0]]
    if (data.length !== channels || r.sampleRate !== sampleRate) {
      throw new InputError(
        `${name} changes from ${channels} channels at ${sampleRate} Hz to ${data.length} at ${r.sampleRate} Hz part-way through (a chained stream). Convert it to WAV or FLAC first.`,
      )
    }
    frames += n
    if (frames * channels * 4 > max) throw tooLarge(name, frames, channels, sampleRate, max)
    const block = data.map((d) => (d.length === n ? d : d.slice(0, n)))
    if (kind === 'flac') {
      flacBits ??= r.bitDepth ?? si?.bits
      if (flacBits) for (const d of block) rescaleFlac(d, flacBits)
    }
    blocks.push(block)
  }
  // The WASM codecs report damaged frames on the console and in `errors`; collect both quietly.
  const problems: string[] = []
  const quiet = <T>(fn: () => T): T => {
    const { error, warn } = console
    const note = (...a: unknown[]): void => {
      if (problems.length < 50) problems.push(a.map(String).join(' ').replace(/\s+/g, ' ').trim())
    }
    console.error = note
    console.warn = note
    try {
      const r = fn()
      const errs = (r as { errors?: unknown[] } | undefined)?.errors
      if (Array.isArray(errs)) for (const x of errs) note((x as { message?: string })?.message ?? x)
      return r
    } finally {
      console.error = error
      console.warn = warn
    }
  }
  // Where an MP3's frames start: the chain is walked as the file is read (a cut last frame), and
  // a Xing/Info header says how many samples there are.
  let firstFrame = kind === 'mp3' ? id3Size(head) : -1
  if (kind === 'mp3') {
    const end = Math.min(head.length - 4, firstFrame + 16384)
    while (firstFrame < end && !isMpegFrame(head, firstFrame)) firstFrame++
    if (firstFrame >= end) firstFrame = -1
  }
  const walk = firstFrame >= 0 ? new Mp3FrameWalk(firstFrame) : undefined
  const announced = firstFrame >= 0 ? mp3AnnouncedSamples(head, firstFrame) : undefined
  try {
    for (let pos = 0; pos < size; pos += READ_BLOCK) {
      signal?.throwIfAborted()
      const bytes = await readAt(pos, READ_BLOCK)
      walk?.feed(bytes, pos)
      take(quiet(() => codec.decode(bytes)))
    }
    if (codec.flush) take(quiet(() => codec.flush!()))
  } catch (e) {
    if (isUnweaveError(e) || signal?.aborted) throw e
    const msg = e instanceof Error ? e.message : String(e)
    throw new InputError(
      `${name} could not be decoded as ${LABEL[kind]}: ${msg}. The file is probably corrupt or truncated; re-export it.`,
      { cause: e },
    )
  } finally {
    try {
      codec.free()
    } catch {
      // already freed by the codec after an error
    }
  }

  const firstProblem = problems.length ? ` (decoder: ${problems[0].slice(0, 160)})` : ''
  // Streams without a length in their header: is the end where the container says?
  const endCheck =
    kind === 'mp3'
      ? 'mp3'
      : ascii(head, 0, 4) === 'OggS'
        ? 'ogg'
        : si?.totalSamples === 0
          ? 'flac'
          : undefined
  const audioAt = si ? flacAudioStart(head, id3Size(head)) : undefined
  let whole: boolean | undefined
  if (endCheck) {
    // the last frame of a FLAC stream may be large (up to ~2 MB); MP3 and Ogg frames fit 64 KiB
    const n = endCheck === 'flac' ? 1 << 20 : 65536
    const from = Math.max(0, size - n)
    const tail = await readAt(from, n)
    whole =
      endCheck === 'mp3'
        ? walk?.end(size, tail)
        : endCheck === 'ogg'
          ? oggEndsCleanly(tail)
          : flacEndsCleanly(tail, Math.max(0, (audioAt ?? 0) - from))
  }
  if (frames === 0) {
    throw new InputError(
      audioAt !== undefined && audioAt > size
        ? `${name} is truncated: it ends inside its FLAC metadata, before any audio. Re-export or re-download it.`
        : endCheck === 'flac' && whole === false
          ? `${name} is truncated: it ends inside its first FLAC frame and its STREAMINFO gives no length; no audio could be decoded. Re-export or re-download it.`
          : si && si.totalSamples === 0
            ? `${name} holds no audio samples (zero-length ${LABEL[kind]}). Choose a file with sound in it.`
            : `${name} yielded no audio: the ${LABEL[kind]} data is corrupt, truncated or empty${firstProblem}. Re-export the file.`,
    )
  }
  if (si && si.totalSamples > 0 && frames < si.totalSamples) {
    throw new InputError(
      `${name} is truncated or damaged: its header announces ${si.totalSamples} samples per channel, but only ${frames} could be decoded${firstProblem}. Re-export or re-download it.`,
    )
  }
  if (si && si.totalSamples > 0 && frames > si.totalSamples) frames = si.totalSamples
  const warnings: string[] = []
  const decoded = `only ${(frames / sampleRate).toFixed(3)} s could be decoded`
  if (announced !== undefined && frames + 3 * 1152 < announced)
    throw new InputError(
      `${name} is truncated or damaged: its header announces ${announced} samples per channel (${(announced / sampleRate).toFixed(3)} s), but ${decoded}. Re-export or re-download it.`,
    )
  if (whole === false)
    warnings.push(
      endCheck === 'mp3'
        ? `${name} ends inside an MP3 frame: it is probably truncated; ${decoded}.`
        : endCheck === 'ogg'
          ? `${name} ends without the Ogg end-of-stream mark: it is probably truncated; ${decoded}.`
          : `${name} ends inside a FLAC frame and its STREAMINFO gives no length: it is probably truncated; ${decoded}.`,
    )

  const out: Float32Array[] = []
  for (let c = 0; c < channels; c++) {
    const ch = new Float32Array(frames)
    let at = 0
    for (const b of blocks) {
      const d = b[c]
      const n = Math.min(d.length, frames - at)
      if (n <= 0) break
      ch.set(n === d.length ? d : d.subarray(0, n), at)
      at += n
    }
    for (const b of blocks) b[c] = EMPTY // free as we go: peak memory ~ one channel over the result
    const bad = firstNonFinite(ch)
    if (bad >= 0) throw nonFiniteError(name, bad, sampleRate)
    out.push(ch)
  }
  return {
    sampleRate,
    channels: out,
    format: kind,
    bitDepth: si ? si.bits : undefined,
    durationSec: frames / sampleRate,
    ...(problems.length || warnings.length
      ? {
          warnings: [
            ...warnings,
            ...(problems.length
              ? [
                  `${name}: the ${LABEL[kind]} decoder reported ${problems.length >= 50 ? '50 or more' : problems.length} damaged or unreadable frame(s), e.g. ${problems[0].slice(0, 120)}; they may be heard as gaps or glitches.`,
                ]
              : []),
          ],
        }
      : {}),
  }
}

const EMPTY = new Float32Array(0)

/**
 * The FLAC codec scales integers by 1/(2^(b-1) - 1); WAV and our encoders use 1/2^(b-1). Up to 24
 * bits the integer is recovered exactly (float32 error < 0.25 LSB) and rescaled, so a FLAC decodes
 * bit-identically to the WAV it was made from.
 */
function rescaleFlac(d: Float32Array, bits: number): void {
  const m = 2 ** (bits - 1)
  if (bits <= 24) {
    const up = m - 1
    const down = 1 / m
    for (let i = 0; i < d.length; i++) d[i] = Math.round(d[i] * up) * down
  } else {
    const k = (m - 1) / m
    for (let i = 0; i < d.length; i++) d[i] *= k
  }
}

function firstNonFinite(a: Float32Array): number {
  for (let i = 0; i < a.length; i++) {
    const v = a[i]
    if (v - v !== 0) return i
  }
  return -1
}
