"""STFT, features and iSTFT exactly as the model contract (src/shared/model.ts) defines them.

features[t, f] = ln(|X[t, f]| + eps), X = torch.stft(x, n_fft, hop, window=hann(n_fft, periodic),
center=True, pad_mode='constant', onesided, unnormalised); frames = floor(n / hop) + 1.
"""

from __future__ import annotations

import numpy as np
import torch


def hann(n_fft: int) -> torch.Tensor:
    """Periodic Hann window of length n_fft, float32."""
    return torch.hann_window(n_fft, periodic=True, dtype=torch.float32)


def _frames(n_fft: int, hop: int) -> dict:
    """What torch.stft and torch.istft are both told: the contract's frames, window and bins."""
    return dict(n_fft=n_fft, hop_length=hop, win_length=n_fft, window=hann(n_fft), center=True,
                normalized=False, onesided=True)


def stft(x: torch.Tensor, n_fft: int, hop: int) -> torch.Tensor:
    """Complex STFT of x [..., samples] -> [..., frames, bins] (complex64)."""
    shape = x.shape
    flat = x.reshape(-1, shape[-1]).to(torch.float32)
    X = torch.stft(flat, pad_mode="constant", return_complex=True, **_frames(n_fft, hop))
    # [N, bins, frames]
    X = X.transpose(-1, -2)
    return X.reshape(*shape[:-1], X.shape[-2], X.shape[-1])


def istft(X: torch.Tensor, n_fft: int, hop: int, length: int) -> torch.Tensor:
    """Inverse of stft(): X [..., frames, bins] complex -> [..., length] float32."""
    shape = X.shape
    flat = X.reshape(-1, shape[-2], shape[-1]).transpose(-1, -2)
    y = torch.istft(flat, length=length, **_frames(n_fft, hop))
    return y.reshape(*shape[:-2], length)


def log_magnitude(X: torch.Tensor, eps: float) -> torch.Tensor:
    """Network input features ln(|X| + eps) of a complex STFT."""
    return torch.log(X.abs() + eps)


def features(x: torch.Tensor, n_fft: int, hop: int, eps: float) -> torch.Tensor:
    """Features of a waveform x [..., samples] -> [..., frames, bins] float32."""
    return log_magnitude(stft(x, n_fft, hop), eps)


def num_frames(samples: int, hop: int) -> int:
    """Frames of the centred STFT of `samples` samples."""
    return samples // hop + 1


def stft_numpy(x: np.ndarray, n_fft: int, hop: int) -> np.ndarray:
    """Plain numpy reference of stft() for a 1-D signal -> [frames, bins] complex128."""
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)
    pad = n_fft // 2
    xp = np.concatenate([np.zeros(pad), np.asarray(x, dtype=np.float64), np.zeros(pad)])
    frames = len(x) // hop + 1
    out = np.empty((frames, n_fft // 2 + 1), dtype=np.complex128)
    for t in range(frames):
        seg = xp[t * hop : t * hop + n_fft]
        if len(seg) < n_fft:
            seg = np.concatenate([seg, np.zeros(n_fft - len(seg))])
        out[t] = np.fft.rfft(seg * window)
    return out
