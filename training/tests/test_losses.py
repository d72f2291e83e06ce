import torch

from unweave_train.losses import (dominant_source_labels, dpcl_loss, dpcl_loss_naive,
                                  magnitude_weights, silence_weights)


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
