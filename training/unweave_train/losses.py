"""Deep-clustering loss by the low-rank identity, with per-bin weights.

L = ||V^T W V||_F^2 - 2 ||V^T W Y||_F^2 + ||Y^T W Y||_F^2  (= ||W^1/2 (VV^T - YY^T) W^1/2||_F^2)
normalised by (sum w)^2 per example; V [B, N, D] unit-norm embeddings, Y [B, N, C] one-hot
dominant-source labels, w [B, N] bin weights (N = T*F).
"""

from __future__ import annotations

import torch


def dominant_source_labels(source_mags: torch.Tensor) -> torch.Tensor:
    """One-hot labels of the loudest source per bin: mags [B, C, T, F] -> Y [B, T, F, C]."""
    idx = source_mags.argmax(dim=1)  # [B, T, F]
    C = source_mags.shape[1]
    return torch.nn.functional.one_hot(idx, C).to(torch.float32)


def silence_weights(mix_mag: torch.Tensor, threshold_db: float) -> torch.Tensor:
    """1 for bins within threshold_db of each example's maximum, else 0: [B, T, F] -> [B, T, F]."""
    B = mix_mag.shape[0]
    mx = mix_mag.reshape(B, -1).max(dim=1).values.clamp_min(1e-12)
    thr = mx * (10.0 ** (-threshold_db / 20.0))
    return (mix_mag > thr.view(B, 1, 1)).to(torch.float32)


def magnitude_weights(mix_mag: torch.Tensor, threshold_db: float) -> torch.Tensor:
    """Magnitude weights |X| / mean|X| on the non-silent bins (0 on silent ones)."""
    active = silence_weights(mix_mag, threshold_db)
    w = mix_mag * active
    B = w.shape[0]
    mean = w.reshape(B, -1).sum(1) / active.reshape(B, -1).sum(1).clamp_min(1.0)
    return w / mean.clamp_min(1e-12).view(B, 1, 1)


def dpcl_loss(V: torch.Tensor, Y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """Mean over the batch of the weighted, normalised low-rank deep-clustering loss.

    V [B, ..., D], Y [B, ..., C], w [B, ...] (the middle axes are flattened).
    """
    B = V.shape[0]
    V = V.reshape(B, -1, V.shape[-1])
    Y = Y.reshape(B, -1, Y.shape[-1])
    w = w.reshape(B, -1, 1)
    sw = torch.sqrt(w)
    Vw = V * sw
    Yw = Y * sw
    vtv = torch.bmm(Vw.transpose(1, 2), Vw)
    vty = torch.bmm(Vw.transpose(1, 2), Yw)
    yty = torch.bmm(Yw.transpose(1, 2), Yw)
    loss = vtv.pow(2).sum((1, 2)) - 2 * vty.pow(2).sum((1, 2)) + yty.pow(2).sum((1, 2))
    norm = w.reshape(B, -1).sum(1).pow(2).clamp_min(1.0)
    return (loss / norm).mean()


def dpcl_loss_naive(V: torch.Tensor, Y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """Reference O(N^2) form ||W^1/2 (VV^T - YY^T) W^1/2||^2 / (sum w)^2 (tests only)."""
    B = V.shape[0]
    V = V.reshape(B, -1, V.shape[-1])
    Y = Y.reshape(B, -1, Y.shape[-1])
    w = w.reshape(B, -1)
    out = []
    for b in range(B):
        A = V[b] @ V[b].T - Y[b] @ Y[b].T
        W = torch.outer(w[b], w[b])
        out.append((A.pow(2) * W).sum() / w[b].sum().pow(2).clamp_min(1.0))
    return torch.stack(out).mean()
