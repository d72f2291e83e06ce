"""Separation metrics: SI-SDR (Le Roux et al. 2019) and BSS-Eval SDR (512-tap distortion
filter, as bss_eval_sources / mir_eval), with the best permutation of estimates."""

from __future__ import annotations

import itertools

import numpy as np
from scipy.linalg import toeplitz
from scipy.signal import fftconvolve


def si_sdr(est: np.ndarray, ref: np.ndarray) -> float:
    """Scale-invariant SDR in dB of one estimate against one reference (1-D)."""
    est = est.astype(np.float64) - est.mean()
    ref = ref.astype(np.float64) - ref.mean()
    a = np.dot(est, ref) / (np.dot(ref, ref) + 1e-12)
    t = a * ref
    e = t - est
    return float(10 * np.log10((np.dot(t, t) + 1e-12) / (np.dot(e, e) + 1e-12)))


class BssEval:
    """BSS Eval v3 SDR against fixed references [k, n]: an L-tap filter of each reference is
    allowed for the target; the Gram matrices are factorised once and reused for every estimate."""

    def __init__(self, refs: np.ndarray, L: int = 512):
        from scipy.linalg import cho_factor

        self.k, self.n = refs.shape
        self.L = L
        self.refs = refs.astype(np.float64)
        self.nfft = int(2 ** np.ceil(np.log2(self.n + L - 1)))
        self.R = np.fft.rfft(self.refs, self.nfft)
        k = self.k
        G = np.zeros((k * L, k * L))
        for a in range(k):
            for b in range(a, k):
                c = np.fft.irfft(np.conj(self.R[a]) * self.R[b], self.nfft)
                T = toeplitz(np.concatenate([c[0:1], c[::-1][: L - 1]]), c[:L])
                G[a * L:(a + 1) * L, b * L:(b + 1) * L] = T
                G[b * L:(b + 1) * L, a * L:(a + 1) * L] = T.T
        self.Gj = []
        for j in range(k):
            g = G[j * L:(j + 1) * L, j * L:(j + 1) * L].copy()
            g += 1e-10 * np.trace(g) / L * np.eye(L)
            self.Gj.append(cho_factor(g))

    def sdr(self, est: np.ndarray, j: int) -> float:
        from scipy.linalg import cho_solve

        L = self.L
        E = np.fft.rfft(est.astype(np.float64), self.nfft)
        d = np.fft.irfft(np.conj(self.R[j]) * E, self.nfft)[:L]
        c = cho_solve(self.Gj[j], d)
        s_target = fftconvolve(self.refs[j], c)[: self.n]
        e = est - s_target
        return float(10 * np.log10((np.dot(s_target, s_target) + 1e-12) / (np.dot(e, e) + 1e-12)))


def best_permutation(est: np.ndarray, refs: np.ndarray) -> tuple[int, ...]:
    """Permutation p maximising the mean SI-SDR of est[p[j]] against refs[j]."""
    k = refs.shape[0]
    m = np.array([[si_sdr(est[i], refs[j]) for j in range(k)] for i in range(est.shape[0])])
    best, bp = -np.inf, None
    for p in itertools.permutations(range(est.shape[0]), k):
        v = sum(m[p[j], j] for j in range(k))
        if v > best:
            best, bp = v, p
    return bp


def score(est: np.ndarray, refs: np.ndarray, mix: np.ndarray, with_sdr: bool = True,
          bss: "BssEval | None" = None) -> dict:
    """Mean SI-SDR, SI-SDR improvement and (optionally) SDR and SDR improvement over the mixture,
    best permutation; est, refs [k, n], mix [n]."""
    p = best_permutation(est, refs)
    k = refs.shape[0]
    si = [si_sdr(est[p[j]], refs[j]) for j in range(k)]
    si_mix = [si_sdr(mix, refs[j]) for j in range(k)]
    out = {"sisdr": float(np.mean(si)), "sisdri": float(np.mean(si) - np.mean(si_mix)),
           "sisdr_mix": float(np.mean(si_mix))}
    if with_sdr:
        bss = bss or BssEval(refs)
        sd = [bss.sdr(est[p[j]], j) for j in range(k)]
        sd_mix = [bss.sdr(mix, j) for j in range(k)]
        out.update({"sdr": float(np.mean(sd)), "sdri": float(np.mean(sd) - np.mean(sd_mix)),
                    "sdr_mix": float(np.mean(sd_mix))})
    return out
