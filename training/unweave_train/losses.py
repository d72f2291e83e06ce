"""Deep-clustering loss by the low-rank identity, with per-bin weights.

L = ||V^T W V||_F^2 - 2 ||V^T W Y||_F^2 + ||Y^T W Y||_F^2  (= ||W^1/2 (VV^T - YY^T) W^1/2||_F^2)
normalised by (sum w)^2 per example; V [B, N, D] unit-norm embeddings, Y [B, N, C] one-hot
dominant-source labels, w [B, N] bin weights (N = T*F).
"""

from __future__ import annotations

import itertools

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


def psa_target(Xs: torch.Tensor) -> torch.Tensor:
    """Truncated phase-sensitive targets [B, C, T, F] of the source STFTs Xs [B, C, T, F]:
    clamp(|S| cos(angle S - angle X), 0, |X|) with X their sum; |S| cos(..) = Re(S conj X) / |X|."""
    X = Xs.sum(dim=1, keepdim=True)
    mag = X.abs()
    psa = (Xs * X.conj()).real / mag.clamp_min(1e-8)
    return torch.minimum(psa.clamp_min(0.0), mag)


def cluster_mask_loss(V: torch.Tensor, Xs: torch.Tensor, active: torch.Tensor,
                      beta: float = 5.0) -> torch.Tensor:
    """Mean over the batch of the soft masks' phase-sensitive L1 error, through the clustering.

    The masks are the app's: softmax over the sources of beta * cos(v, c_s), with c_s the
    magnitude-weighted mean embedding of the active bins that source s dominates (the centroid
    k-means reaches when it finds the true partition). So the network is trained on what the user
    hears, for any k, without a fixed-size mask head (cf. Isik et al., Interspeech 2016, trained
    through soft k-means; Wang et al., ICASSP 2018, for the truncated phase-sensitive target).

    V [B, T, F, D] unit-norm embeddings; Xs [B, C, T, F] complex source STFTs (all-zero rows are
    padding: no mask is given to them); active [B, T, F] 0/1 bins that define the centroids.
    Error: sum_s |M_s |X| - clamp(|S_s| cos(angle S_s - angle X), 0, |X|)| / sum |X| per example.
    """
    X = Xs.sum(dim=1)  # [B, T, F]
    mag = X.abs()
    S = Xs.abs()  # [B, C, T, F]
    present = S.flatten(2).amax(dim=2) > 0  # [B, C]
    Y = dominant_source_labels(S)  # [B, T, F, C]
    w = (mag * active).unsqueeze(-1) * Y  # [B, T, F, C]
    c = torch.einsum("btfc,btfd->bcd", w, V) / w.sum((1, 2)).clamp_min(1e-8).unsqueeze(-1)
    cu = c / c.norm(dim=-1, keepdim=True).clamp_min(1e-8)
    logits = beta * torch.einsum("btfd,bcd->btfc", V, cu)
    logits = logits.masked_fill(~present[:, None, None, :], float("-inf"))
    M = torch.softmax(logits, dim=-1)  # [B, T, F, C]
    target = psa_target(Xs).permute(0, 2, 3, 1)
    err = (M * mag.unsqueeze(-1) - target).abs() * present[:, None, None, :]
    B = V.shape[0]
    return (err.reshape(B, -1).sum(1) / mag.reshape(B, -1).sum(1).clamp_min(1e-8)).mean()


def spherical_kmeans(P: torch.Tensor, w: torch.Tensor, k: int, gen: torch.Generator,
                     iters: int = 15) -> torch.Tensor:
    """Labels [N] of a magnitude-weighted spherical k-means (k-means++ seeding, one start) of the
    unit vectors P [N, D] with weights w [N] (no gradient; the engine's clustering, cheaper)."""
    with torch.no_grad():
        N = P.shape[0]
        c = P[torch.multinomial(w, 1, generator=gen)]
        for _ in range(1, k):
            d = (1.0 - (P @ c.T).max(dim=1).values).clamp_min(0.0) * w
            pick = torch.multinomial(d, 1, generator=gen) if float(d.sum()) > 0 else \
                torch.randint(N, (1,), generator=gen)
            c = torch.cat([c, P[pick]])
        lab = torch.zeros(N, dtype=torch.long)
        for it in range(iters):
            new = (P @ c.T).argmax(dim=1)
            if it > 0 and torch.equal(new, lab):
                break
            lab = new
            sums = torch.zeros(k, P.shape[1]).index_add_(0, lab, P * w[:, None])
            norm = sums.norm(dim=1, keepdim=True)
            c = torch.where(norm > 0, sums / norm.clamp_min(1e-12), c)
        return lab


def kmeans_mask_loss(V: torch.Tensor, Xs: torch.Tensor, active: torch.Tensor, beta: float = 5.0,
                     gen: torch.Generator | None = None, max_points: int = 4000) -> torch.Tensor:
    """Like cluster_mask_loss, but through the partition the app's k-means finds, not the true one.

    Per example: spherical k-means (k = the number of sources) on up to max_points active bins
    (no gradient), every active bin assigned to its nearest centroid; the centroids are then
    recomputed from the embeddings of that partition (with gradient), masks = softmax(beta cos);
    the error against the truncated phase-sensitive targets is taken under the best permutation
    of the sources (utterance-level PIT). So the network learns embeddings for which k-means finds
    the sources, the step the deep-clustering loss leaves to chance.
    """
    gen = gen if gen is not None else torch.Generator().manual_seed(0)
    mag = Xs.sum(dim=1).abs()
    target = psa_target(Xs)  # [B, C, T, F]
    out = []
    for b in range(V.shape[0]):
        present = [c for c in range(Xs.shape[1]) if float(Xs[b, c].abs().max()) > 0]
        k = len(present)
        v = V[b].reshape(-1, V.shape[-1])  # [N, D]
        m = mag[b].reshape(-1)
        act = (active[b].reshape(-1) > 0) & (m > 0)
        idx = torch.nonzero(act).squeeze(1)
        if k < 2 or idx.numel() < k:
            continue
        fit = idx if idx.numel() <= max_points else \
            idx[torch.randperm(idx.numel(), generator=gen)[:max_points]]
        with torch.no_grad():
            lab_fit = spherical_kmeans(v[fit].detach(), m[fit], k, gen)
            sums = torch.zeros(k, v.shape[1]).index_add_(0, lab_fit, v[fit].detach() * m[fit, None])
            c0 = sums / sums.norm(dim=1, keepdim=True).clamp_min(1e-12)
            lab = (v[idx].detach() @ c0.T).argmax(dim=1)
        onehot = torch.nn.functional.one_hot(lab, k).to(v.dtype) * m[idx, None]  # [n_act, k]
        c = onehot.T @ v[idx] / onehot.sum(0).clamp_min(1e-8)[:, None]
        cu = c / c.norm(dim=1, keepdim=True).clamp_min(1e-8)
        M = torch.softmax(beta * (v @ cu.T), dim=1)  # [N, k]
        est = M * m[:, None]
        tgt = target[b, present].reshape(k, -1).T  # [N, k]
        # The L1 error is a sum over (cluster, source) pairs: cost[j, s] = sum |est_j - tgt_s|.
        cost = (est[:, :, None] - tgt[:, None, :]).abs().sum(0)  # [k, k]
        perm = min(itertools.permutations(range(k)),
                   key=lambda p: float(sum(cost[j, p[j]] for j in range(k))))
        out.append(sum(cost[j, perm[j]] for j in range(k)) / m.sum().clamp_min(1e-8))
    if not out:
        return V.sum() * 0.0
    return torch.stack(out).mean()
