import math

import torch

from unweave_train.losses import (cluster_mask_loss, dominant_source_labels, dpcl_loss,
                                  dpcl_loss_naive, kmeans_mask_loss, magnitude_weights,
                                  silence_weights, spherical_kmeans)


def _rand(B=2, T=7, F=9, D=5, C=3):
    g = torch.Generator().manual_seed(0)
    V = torch.nn.functional.normalize(torch.randn(B, T, F, D, generator=g), dim=-1)
    Y = dominant_source_labels(torch.rand(B, C, T, F, generator=g))
    return V, Y


def test_low_rank_equals_naive_unweighted_and_weighted():
    V, Y = _rand()
    mag = torch.rand(2, 7, 9) + 0.01
    for w in (torch.ones(2, 7, 9), silence_weights(mag, 6.0), magnitude_weights(mag, 10.0)):
        a = dpcl_loss(V, Y, w)
        b = dpcl_loss_naive(V, Y, w)
        assert torch.allclose(a, b, rtol=1e-4, atol=1e-6), (a, b)


def test_loss_zero_when_embeddings_are_the_labels():
    _, Y = _rand(D=3)
    V = Y.clone()  # one-hot embeddings equal to the labels (D = C)
    assert float(dpcl_loss(V, Y, torch.ones(Y.shape[:-1]))) < 1e-6


def test_silence_weights_threshold():
    mag = torch.tensor([[[1.0, 0.011, 0.009]]])
    w = silence_weights(mag, 40.0)
    assert w.tolist() == [[[1.0, 1.0, 0.0]]]


def test_loss_gradient_flows():
    V, Y = _rand()
    V = V.clone().requires_grad_(True)
    dpcl_loss(V, Y, torch.ones(V.shape[:-1])).backward()
    assert V.grad is not None and torch.isfinite(V.grad).all()


def _cluster_mask_loss_naive(V, Xs, active, beta):
    """Loop-by-loop reading of cluster_mask_loss's docstring (tests only)."""
    B, C, T, F = Xs.shape
    out = []
    for b in range(B):
        X = Xs[b].sum(0)
        present = [c for c in range(C) if float(Xs[b, c].abs().max()) > 0]
        cent = {}
        for c in present:
            num, den = torch.zeros(V.shape[-1]), 0.0
            for t in range(T):
                for f in range(F):
                    if active[b, t, f] > 0 and int(Xs[b, :, t, f].abs().argmax()) == c:
                        num += float(X[t, f].abs()) * V[b, t, f]
                        den += float(X[t, f].abs())
            cent[c] = num / max(den, 1e-8)
        err, tot = 0.0, 0.0
        for t in range(T):
            for f in range(F):
                m = float(X[t, f].abs())
                tot += m
                logits = torch.stack([beta * torch.dot(V[b, t, f], cent[c]) / max(float(cent[c].norm()), 1e-8)
                                      for c in present])
                masks = torch.softmax(logits, 0)
                for i, c in enumerate(present):
                    s = Xs[b, c, t, f]
                    psa = float(s.abs()) * math.cos(float(torch.angle(s) - torch.angle(X[t, f]))) if m > 0 else 0.0
                    err += abs(float(masks[i]) * m - min(max(psa, 0.0), m))
        out.append(err / tot)
    return sum(out) / B


def _complex_sources(B=2, C=3, T=4, F=5, seed=1):
    g = torch.Generator().manual_seed(seed)
    return torch.complex(torch.randn(B, C, T, F, generator=g), torch.randn(B, C, T, F, generator=g))


def test_cluster_mask_loss_matches_its_definition_with_padding_sources():
    Xs = _complex_sources()
    Xs[1, 2] = 0  # the second example has two sources; its third row is padding
    g = torch.Generator().manual_seed(2)
    V = torch.nn.functional.normalize(torch.randn(2, 4, 5, 6, generator=g), dim=-1)
    active = (torch.rand(2, 4, 5, generator=g) > 0.2).float()
    a = float(cluster_mask_loss(V, Xs, active, beta=5.0))
    b = _cluster_mask_loss_naive(V, Xs, active, 5.0)
    assert abs(a - b) < 1e-4 * max(1.0, b), (a, b)


def test_cluster_mask_loss_prefers_embeddings_of_the_true_partition_and_is_order_free():
    Xs = _complex_sources(B=1, C=3, T=20, F=30)
    Y = dominant_source_labels(Xs.abs())  # [1, T, F, 3]
    active = torch.ones(1, 20, 30)
    V_true = torch.nn.functional.pad(Y, (0, 2))  # one-hot embeddings of the dominant source, D = 5
    g = torch.Generator().manual_seed(3)
    V_rand = torch.nn.functional.normalize(torch.randn(1, 20, 30, 5, generator=g), dim=-1)
    good = float(cluster_mask_loss(V_true, Xs, active, beta=20.0))
    bad = float(cluster_mask_loss(V_rand, Xs, active, beta=20.0))
    assert good < 0.8 * bad, (good, bad)
    perm = Xs[:, [2, 0, 1]]
    assert abs(float(cluster_mask_loss(V_rand, perm, active, 20.0)) - bad) < 1e-5


def test_cluster_mask_loss_gradient_flows_to_the_embeddings():
    Xs = _complex_sources()
    V = torch.nn.functional.normalize(torch.randn(2, 4, 5, 6), dim=-1).requires_grad_(True)
    cluster_mask_loss(V, Xs, torch.ones(2, 4, 5)).backward()
    assert V.grad is not None and torch.isfinite(V.grad).all() and float(V.grad.abs().sum()) > 0


def test_spherical_kmeans_finds_separated_directions():
    g = torch.Generator().manual_seed(4)
    axes = torch.eye(6)[:3]
    truth = torch.randint(3, (900,), generator=g)
    P = torch.nn.functional.normalize(axes[truth] + 0.2 * torch.randn(900, 6, generator=g), dim=1)
    lab = spherical_kmeans(P, torch.rand(900, generator=g) + 0.1, 3, g)
    # the same partition up to the names of the clusters
    for c in range(3):
        assert len(set(lab[truth == c].tolist())) == 1
    assert len(set(lab.tolist())) == 3


def test_kmeans_mask_loss_equals_the_true_partition_loss_when_kmeans_finds_it():
    Xs = _complex_sources(B=2, C=3, T=20, F=30)
    Xs[1, 2] = 0  # two sources in the second example
    V = torch.nn.functional.pad(dominant_source_labels(Xs.abs()), (0, 2))  # separated embeddings
    active = torch.ones(2, 20, 30)
    want = float(cluster_mask_loss(V, Xs, active, beta=20.0))
    for order in ([0, 1, 2], [2, 0, 1], [1, 2, 0]):  # whatever the order of the sources
        got = float(kmeans_mask_loss(V, Xs[:, order], active, beta=20.0))
        assert abs(got - want) < 1e-5, (order, got, want)


def test_kmeans_mask_loss_gradient_flows_and_random_embeddings_score_worse():
    Xs = _complex_sources(B=2, C=3, T=20, F=30)
    V_true = torch.nn.functional.pad(dominant_source_labels(Xs.abs()), (0, 2))
    g = torch.Generator().manual_seed(5)
    V = torch.nn.functional.normalize(torch.randn(2, 20, 30, 5, generator=g), dim=-1).requires_grad_(True)
    active = torch.ones(2, 20, 30)
    loss = kmeans_mask_loss(V, Xs, active, beta=5.0)
    loss.backward()
    assert torch.isfinite(V.grad).all() and float(V.grad.abs().sum()) > 0
    assert float(kmeans_mask_loss(V_true, Xs, active, beta=5.0)) < 0.9 * float(loss)
