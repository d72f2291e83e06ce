import numpy as np
import torch

from unweave_train import dsp


def test_stft_matches_numpy_reference():
    rng = np.random.default_rng(0)
    for n in (1000, 4096, 5000):
        x = rng.standard_normal(n).astype(np.float32)
        X = dsp.stft(torch.from_numpy(x), 512, 256).numpy()
        ref = dsp.stft_numpy(x, 512, 256)
        assert X.shape == ref.shape == (n // 256 + 1, 257)
        assert np.abs(X - ref).max() < 1e-4 * np.abs(ref).max()


def test_features_are_log_magnitude():
    x = torch.randn(3000)
    f = dsp.features(x, 512, 256, 1e-8)
    X = dsp.stft_numpy(x.numpy(), 512, 256)
    assert np.allclose(f.numpy(), np.log(np.abs(X) + 1e-8), atol=1e-3)


def test_istft_round_trip_and_batch_shapes():
    x = torch.randn(2, 3, 4000)
    X = dsp.stft(x, 512, 256)
    assert X.shape == (2, 3, 4000 // 256 + 1, 257)
    y = dsp.istft(X, 512, 256, 4000)
    assert torch.max(torch.abs(y - x)) < 1e-4
