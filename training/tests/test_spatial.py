import numpy as np

from unweave_train.evaluate import fit_centroids, masks_from_centroids
from unweave_train.spatial import augmented_masks, ild_feature


def test_ild_feature_signed_and_absolute():
    L = np.array([[1.0, 1.0, 0.01, 1e-6, 0.0]])
    R = np.array([[1.0, 0.5, 1.0, 1.0, 0.0]])
    f = ild_feature(L, R)
    assert f[0, 0] == 0.0 and f[0, 2] == -1.0 and f[0, 3] == -1.0 and f[0, 4] == 0.0
    assert abs(f[0, 1] - 20 * np.log10(2) / 20) < 1e-6  # eps 1e-8 in the ratio
    assert np.array_equal(ild_feature(L, R, signed=False), np.abs(f))
    assert np.allclose(ild_feature(R, L), -f, atol=1e-12)


def _unit(x):
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def test_without_the_cue_it_is_the_evaluation_and_with_it_the_cue_splits_the_bins():
    rng = np.random.default_rng(0)
    T, F, D = 40, 30, 6
    # embeddings: two clusters split by time (first / second half); the cue splits by frequency
    V = np.zeros((T, F, D))
    V[: T // 2, :, 0] = 1.0
    V[T // 2:, :, 1] = 1.0
    V = _unit(V + 0.05 * rng.standard_normal((T, F, D)))
    feat = np.zeros((T, F))
    feat[:, F // 2:] = 1.0
    mag = 0.5 + rng.random((T, F))
    plain = augmented_masks(V, feat, mag, 2, 0.0, 40.0, seed=3)
    ref = masks_from_centroids(V.astype(np.float32), fit_centroids(V, mag, 2, 40.0, "mag", 3), "soft")
    assert np.allclose(plain, ref, atol=1e-5)
    # lam 0: the masks follow the embeddings (time halves)
    lab = plain.argmax(0)
    assert (lab[: T // 2] == lab[0, 0]).mean() > 0.95 and (lab[T // 2:] != lab[0, 0]).mean() > 0.95
    # a strong cue: the masks follow the cue (frequency halves)
    cued = augmented_masks(V, feat, mag, 2, 8.0, 40.0, seed=3).argmax(0)
    assert (cued[:, : F // 2] == cued[0, 0]).mean() > 0.95 and (cued[:, F // 2:] != cued[0, 0]).mean() > 0.95
    assert np.allclose(augmented_masks(V, feat, mag, 2, 8.0, 40.0, seed=3).sum(0), 1.0, atol=1e-5)
