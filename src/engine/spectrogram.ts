import type { PcmAudio, Spectrogram, SpectrogramOptions } from './types'

/** Magnitude spectrogram (dB) of the channels' mean, for the editor's display. */
export function magnitudeSpectrogram(
  _audio: PcmAudio,
  _opts: SpectrogramOptions = {},
): Spectrogram {
  throw new Error('magnitudeSpectrogram: not implemented')
}
