"""Validation splits (testsets --val) and the inference-settings sweep (tune.py)."""

import json
import os
import shutil

import numpy as np
import pytest
import soundfile as sf
import torch

from unweave_train import dsp
from unweave_train.config import ModelConfig
from unweave_train.data import testsets
from unweave_train.data.mixtures import MixtureSampler
from unweave_train.evaluate import apply_masks, model_masks
from unweave_train.metrics import score
from unweave_train.models import DeepClusteringNet
from unweave_train.evaluate import fit_centroids
from unweave_train.tune import main as tune_main, true_partition_centroids, tune_split

SMALL = [("val_music3", "other", "music", "fluidr3", 3, 3, 1.0, "3 instruments"),
         ("val_speech2", "speech", "speech", None, 2, 3, 1.0, "two talkers")]


def _only_split(cache: str, dst: str, keep: str) -> str:
    """A copy of the cache with the material of one split only."""
    shutil.copytree(cache, dst)
    for root, _, files in os.walk(dst):
        for f in files:
            if f.endswith(".json"):
                with open(os.path.join(root, f)) as fh:
                    meta = json.load(fh)
                if meta.get("split") != keep:
                    os.remove(os.path.join(root, f))
                    os.remove(os.path.join(root, f[:-5] + ".npy"))
    return dst


def test_val_splits_draw_only_validation_material(synthetic_cache, tmp_path, monkeypatch):
    val_only = _only_split(synthetic_cache, str(tmp_path / "valcache"), "val")
    monkeypatch.setattr(testsets, "VAL_SPLITS", SMALL)
    out = tmp_path / "valsets"
    testsets.main(["--val", "--cache", val_only, "--out", str(out)])
    for name, _, _, _, k, count, seconds, _ in SMALL:
        man = json.load(open(out / name / "manifest.json"))
        assert len(man["mixtures"]) == count
        for item in man["mixtures"]:
            srcs = [sf.read(out / name / s)[0] for s in item["sources"]]
            mix = sf.read(out / name / item["mix"])[0]
            assert len(srcs) == k and len(mix) == int(seconds * 16000)
            assert np.allclose(np.sum(srcs, axis=0), mix, atol=1e-6)
    # The test splits cannot be made from the same material: nothing of the test split is there.
    for spec in SMALL:
        with pytest.raises(RuntimeError, match="no rendered pieces|fewer than 2 speakers"):
            testsets.synthetic_split(val_only, str(tmp_path / "t"), spec, split="test")


def test_tune_reproduces_the_evaluation_setting_and_scores_every_setting(synthetic_cache, tmp_path,
                                                                         monkeypatch):
    monkeypatch.setattr(testsets, "VAL_SPLITS", SMALL)
    out = tmp_path / "valsets"
    testsets.main(["--val", "--cache", synthetic_cache, "--out", str(out)])
    torch.manual_seed(0)
    model = DeepClusteringNet(ModelConfig(hidden=8, layers=1, dropout=0.0, embedding_dim=6)).eval()
    split = str(out / "val_music3")
    res = tune_split(model, split, ["5", "hard"], [40.0, 20.0], ["mag", "none"])
    assert set(res) == {"ibm"} | {f"{t}/{w}/{b}" for t in ("40", "20") for w in ("mag", "none")
                                  for b in ("5", "hard")}
    assert all(len(v) == 3 and np.all(np.isfinite(v)) for v in res.values())
    # '40/mag/5' is exactly what evaluate.py scores (same subsample, seed and k-means).
    man = json.load(open(os.path.join(split, "manifest.json")))
    cfg = model.cfg
    for i, item in enumerate(man["mixtures"]):
        refs = np.stack([sf.read(os.path.join(split, s), dtype="float32")[0] for s in item["sources"]])
        mix = refs.sum(0)
        X = dsp.stft(torch.from_numpy(mix), cfg.n_fft, cfg.hop)
        m = model_masks(model, X, 3, seed=i, kinds=("soft",))["soft"]
        ref = score(apply_masks(X, m, cfg, len(mix)), refs, mix, False)["sisdri"]
        assert res["40/mag/5"][i] == pytest.approx(ref, abs=1e-6)
    tune_main(["--checkpoint", _save(model, tmp_path), "--valsets", str(out), "--betas", "5",
               "hard", "--out", str(tmp_path / "tune"), "--threads", "1"])
    t = json.load(open(tmp_path / "tune" / "tune.json"))
    assert set(t["splits"]) == {"val_music3", "val_speech2"}
    assert t["best"] in t["mean_fraction"]
    assert t["mean_fraction"][t["best"]] == max(t["mean_fraction"].values())
    # The true-partition diagnostic is scored beside the settings but never chosen as one.
    tune_main(["--checkpoint", _save(model, tmp_path), "--valsets", str(out), "--betas", "5",
               "--out", str(tmp_path / "tune2"), "--threads", "1", "--true-partition"])
    t2 = json.load(open(tmp_path / "tune2" / "tune.json"))
    assert set(t2["mean_fraction"]) == {"40/mag/5", "true/5"} and t2["best"] == "40/mag/5"


def test_true_partition_centroids_are_the_weighted_means_of_the_dominated_active_bins():
    S = np.array([[[3.0, 0.0, 1.0, 0.001]], [[1.0, 2.0, 0.0, 0.0]]])  # [k=2, T=1, F=4]
    mag = S.sum(0)  # bin 3 is 66 dB below the loudest: inactive at 40 dB
    V = np.array([[[1.0, 0.0], [0.0, 1.0], [0.6, 0.8], [-1.0, 0.0]]])  # [T, F, D]
    c = true_partition_centroids(V, mag, S, 40.0)
    want0 = (4.0 * np.array([1.0, 0.0]) + 1.0 * np.array([0.6, 0.8])) / 5.0
    assert np.allclose(c[0], want0) and np.allclose(c[1], [0.0, 1.0])


def test_fit_centroids_weightings_and_threshold():
    rng = np.random.default_rng(0)
    V = rng.standard_normal((20, 9, 4))
    V /= np.linalg.norm(V, axis=-1, keepdims=True)
    mag = np.full((20, 9), 1e-6)
    mag[:3, :3] = 1.0  # 9 loud bins; everything else is 120 dB down
    for w in ("mag", "none", "logmag"):
        assert fit_centroids(V, mag, 2, 40.0, w, seed=1).shape == (2, 4)
    assert fit_centroids(V, mag, 10, 40.0, "mag", seed=1) is None  # fewer active bins than k
    with pytest.raises(ValueError):
        fit_centroids(V, mag, 2, 40.0, "bogus", seed=1)


def _save(model, tmp_path) -> str:
    p = str(tmp_path / "m.pt")
    torch.save({"model": model.state_dict(), "model_config": model.cfg.to_dict()}, p)
    return p


def test_speaker_pairs_draw_only_the_named_talkers(synthetic_cache):
    from unweave_train.speaker_pairs import pair_sampler, score_pair

    s = pair_sampler(synthetic_cache, "train", ["cs:a", "ru:c"])
    assert s.speakers == ["cs:a", "ru:c"] and s.available()["speech"] == 2
    full = MixtureSampler(synthetic_cache, "train")
    streams = {w: np.asarray(full.streams[full.speakers.index(w)], dtype=np.float32)
               for w in full.speakers}
    src = s.sample(np.random.default_rng(0), "speech", 4000, k=2)
    for x in src:  # each source is a scaled window of one of the two named streams
        best = 0.0
        for w in ("cs:a", "ru:c"):
            st = streams[w]
            c = np.correlate(st, x, mode="valid") / (np.linalg.norm(x) + 1e-12)
            norms = np.sqrt(np.convolve(st ** 2, np.ones(len(x)), mode="valid")) + 1e-12
            best = max(best, float(np.max(np.abs(c) / norms)))
        assert best > 0.999
    with pytest.raises(SystemExit, match="not in split 'train': nl:m"):
        pair_sampler(synthetic_cache, "train", ["cs:a", "nl:m"])
    torch.manual_seed(0)
    model = DeepClusteringNet(ModelConfig(hidden=8, layers=1, dropout=0.0, embedding_dim=6)).eval()
    r = score_pair(model, s, mixtures=2, seconds=0.5)
    assert set(r) == {"model", "ibm", "min"} and all(np.isfinite(v) for v in r.values())
    assert r["ibm"] > r["min"]
