import copy
import json
import os

import pytest
import torch

from conftest import TINY_RECIPE
from unweave_train.train import best_logged_score, chunk_for_step, train
from unweave_train.config import TrainConfig


def _quiet(*_):
    pass


def test_curriculum_stages():
    cfg = TrainConfig(curriculum=[[100, 10, 16], [400, 5, 4]])
    assert chunk_for_step(cfg, 0) == (100, 16)
    assert chunk_for_step(cfg, 9) == (100, 16)
    assert chunk_for_step(cfg, 10) == (400, 4)
    assert chunk_for_step(cfg, 1000) == (400, 4)


def test_resume_gives_the_same_weights_as_an_uninterrupted_run(synthetic_cache, tmp_path):
    recipe = copy.deepcopy(TINY_RECIPE)
    a = str(tmp_path / "a")
    b = str(tmp_path / "b")
    train(recipe, a, synthetic_cache, max_steps=6, log=_quiet)
    train(recipe, b, synthetic_cache, max_steps=4, log=_quiet)
    assert os.path.exists(os.path.join(b, "last.pt"))
    st = train(recipe, b, synthetic_cache, max_steps=6, log=_quiet)
    assert st["step"] == 6
    wa = torch.load(os.path.join(a, "last.pt"))["model"]
    wb = torch.load(os.path.join(b, "last.pt"))["model"]
    for k in wa:
        assert torch.allclose(wa[k], wb[k], atol=1e-6), k
    assert os.path.exists(os.path.join(b, "best.pt"))
    # the log says where the second call took over (records after it replace later steps)
    recs = [json.loads(x) for x in open(os.path.join(b, "log.jsonl"))]
    assert [r["step"] for r in recs if r.get("resumed")] == [4]
    assert not any(r.get("resumed") for r in
                   (json.loads(x) for x in open(os.path.join(a, "log.jsonl"))))


def test_worker_processes_give_the_same_run_as_the_training_process(synthetic_cache, tmp_path):
    # The GPU recipe prepares batches in worker processes (train.workers): the same batches, in
    # the same order, so the same weights as the single-process loop, including across a resume.
    recipe = copy.deepcopy(TINY_RECIPE)
    a = str(tmp_path / "a")
    train(recipe, a, synthetic_cache, max_steps=5, log=_quiet)
    recipe["train"]["workers"] = 2
    b = str(tmp_path / "b")
    train(recipe, b, synthetic_cache, max_steps=3, log=_quiet)
    train(recipe, b, synthetic_cache, max_steps=5, log=_quiet)
    wa = torch.load(os.path.join(a, "last.pt"))["model"]
    wb = torch.load(os.path.join(b, "last.pt"))["model"]
    for k in wa:
        assert torch.allclose(wa[k], wb[k], atol=1e-6), k


def test_mask_losses_refuse_a_gpu_device(synthetic_cache, tmp_path):
    recipe = copy.deepcopy(TINY_RECIPE)
    recipe["train"].update({"device": "cuda", "mask_loss_weight": 0.5})
    with pytest.raises(ValueError, match="CPU only"):
        train(recipe, str(tmp_path / "c"), synthetic_cache, max_steps=1, log=_quiet)


def test_lr_factor_warmup_and_linear_decay():
    from unweave_train.config import TrainConfig
    from unweave_train.train import lr_factor

    t = TrainConfig(warmup_steps=10, lr_decay=[100, 200, 0.1])
    assert lr_factor(TrainConfig(), {}, 5) == 1.0
    assert abs(lr_factor(t, {"warmup_from": 50}, 50) - 0.1) < 1e-9
    assert lr_factor(t, {"warmup_from": 50}, 59) == 1.0
    assert lr_factor(t, {}, 100) == 1.0
    assert abs(lr_factor(t, {}, 150) - 0.55) < 1e-9
    assert abs(lr_factor(t, {}, 250) - 0.1) < 1e-9


def test_random_eq_is_smooth_bounded_and_seeded():
    import numpy as np
    from unweave_train.train import random_eq

    g = random_eq(np.random.default_rng(3), 257, 16000, 6.0)
    assert g.shape == (257,) and g.dtype == np.float32
    db = 20 * np.log10(g)
    assert np.all(np.abs(db) <= 12.0 + 1e-4)
    assert np.abs(np.diff(db[8:])).max() < 1.5  # smooth above the lowest bins
    assert np.array_equal(g, random_eq(np.random.default_rng(3), 257, 16000, 6.0))
    curves = [random_eq(np.random.default_rng(s), 257, 16000, 6.0) for s in range(20)]
    assert np.std([20 * np.log10(c[64]) for c in curves]) > 1.0  # they do vary


def test_equalised_batches_keep_mixture_labels_and_weights_consistent():
    import numpy as np
    from unweave_train import dsp
    from unweave_train.config import ModelConfig
    from unweave_train.losses import dominant_source_labels
    from unweave_train.train import batch_tensors

    from conftest import noise_sources

    src = noise_sources()
    cfg = ModelConfig()
    f0, Y0, _ = batch_tensors(src, cfg, "silence")
    X = dsp.stft(torch.from_numpy(src.sum(1)), cfg.n_fft, cfg.hop)
    # no eq: the plain mixture (float32 sums in another order: compare magnitudes)
    assert torch.allclose(f0.exp(), X.abs() + cfg.eps, rtol=1e-4, atol=1e-5)
    f1, Y1, w1 = batch_tensors(src, cfg, "silence", np.random.default_rng(1), 1.0, 6.0)
    assert not torch.allclose(f0, f1, atol=0.1)
    # Rebuild the equalised sources' STFTs from the same draws: features and labels agree.
    from unweave_train.train import random_eq
    er = np.random.default_rng(1)
    gains = np.ones((2, 4, 1, cfg.bins), dtype=np.float32)
    for b in range(2):
        for c in range(4):
            if er.random() < 1.0:
                gains[b, c, 0] = random_eq(er, cfg.bins, cfg.sample_rate, 6.0)
    Xs = dsp.stft(torch.from_numpy(src), cfg.n_fft, cfg.hop) * torch.from_numpy(gains)
    assert torch.allclose(f1.exp(), Xs.sum(1).abs() + cfg.eps, rtol=1e-4, atol=1e-5)
    assert torch.equal(Y1, dominant_source_labels(Xs.abs()))
    assert w1.shape == f1.shape


@pytest.mark.parametrize("centroids", ["oracle", "kmeans"])
def test_training_with_a_mask_loss_logs_both_parts_and_learns(synthetic_cache, tmp_path, centroids):

    recipe = copy.deepcopy(TINY_RECIPE)
    recipe["train"].update({"mask_loss_weight": 0.5, "val_every": 20, "lr": 0.01,
                            "mask_centroids": centroids})
    run = str(tmp_path / "m")
    train(recipe, run, synthetic_cache, max_steps=40, log=_quiet)
    with open(os.path.join(run, "log.jsonl")) as f:
        recs = [json.loads(line) for line in f]
    steps = [r for r in recs if "loss" in r]
    vals = [r for r in recs if "val_loss" in r]
    assert len(steps) == 2 and len(vals) == 2
    for r in steps:
        assert abs(r["loss"] - (r["dc"] + 0.5 * r["mask"])) < 1e-3, r
    for r in vals:
        assert abs(r["val_loss"] - (r["val_dc"] + 0.5 * r["val_mask"])) < 1e-4, r
    assert steps[1]["mask"] < steps[0]["mask"], steps


def test_mask_loss_kinds_limits_the_mask_loss_to_those_examples_and_keeps_the_draws(synthetic_cache):
    import numpy as np

    from unweave_train.config import ModelConfig
    from unweave_train.data.mixtures import MixtureSampler, batch_sources
    from unweave_train.losses import kmeans_mask_loss
    from unweave_train.models import DeepClusteringNet
    from unweave_train.train import batch_tensors, objective

    sampler = MixtureSampler(synthetic_cache, "train")
    probs = {"trio": 0.3, "music": 0.3, "speech": 0.4}
    a, ca = batch_sources(sampler, np.random.default_rng(11), 6, 4000, probs)
    b, cb, kinds = batch_sources(sampler, np.random.default_rng(11), 6, 4000, probs, with_kinds=True)
    assert np.array_equal(a, b) and np.array_equal(ca, cb) and len(kinds) == 6
    assert "speech" in kinds and set(kinds) - {"speech"}
    mcfg = ModelConfig(hidden=8, layers=1, embedding_dim=6, dropout=0.0)
    torch.manual_seed(0)
    model = DeepClusteringNet(mcfg).eval()
    batch = batch_tensors(b, mcfg, "silence", with_stfts=True)
    tcfg = TrainConfig(mask_loss_weight=0.5, mask_centroids="kmeans", mask_loss_kinds=["trio", "music"])
    with torch.no_grad():
        loss, parts = objective(model, batch, tcfg, seed=3, kinds=kinds)
        sel = [i for i, k in enumerate(kinds) if k != "speech"]
        V = model(batch[0])
        want = kmeans_mask_loss(V[sel], batch[3][sel], batch[4][sel], 5.0, torch.Generator().manual_seed(3))
        assert abs(parts["mask"] - float(want)) < 1e-6
        _, all_parts = objective(model, batch, TrainConfig(mask_loss_weight=0.5, mask_centroids="kmeans"),
                                 seed=3, kinds=kinds)
        assert abs(all_parts["mask"] - parts["mask"]) > 1e-6  # the speech examples were left out
        loss0, parts0 = objective(model, batch, TrainConfig(mask_loss_weight=0.5, mask_centroids="kmeans",
                                                            mask_loss_kinds=["lead"]), seed=3, kinds=kinds)
        assert parts0["mask"] == 0.0 and abs(float(loss0) - parts0["dc"]) < 1e-6


def test_frames_seen_are_counted_logged_and_carried_by_checkpoints(synthetic_cache, tmp_path):

    from unweave_train.train import LEGACY_FRAMES_PER_STEP, frames_seen_of

    recipe = copy.deepcopy(TINY_RECIPE)
    run = str(tmp_path / "r")
    st = train(recipe, run, synthetic_cache, max_steps=40, log=_quiet)
    tcfg = TrainConfig.from_dict(recipe["train"])
    expected = sum(chunk_for_step(tcfg, s)[0] * chunk_for_step(tcfg, s)[1] for s in range(40))
    assert st["frames_seen"] == expected
    ck = torch.load(os.path.join(run, "last.pt"))
    assert frames_seen_of(ck) == expected
    lines = [json.loads(x) for x in open(os.path.join(run, "log.jsonl"))]
    steps = [r for r in lines if "loss" in r]
    assert steps and steps[-1]["frames_seen"] == expected
    assert 0 <= steps[-1]["data_share"] <= 1 and steps[-1]["frames_per_s"] > 0
    # A checkpoint from before frames were recorded: 0.2.0's 1,600 frames per step.
    assert frames_seen_of({"step": 7000}) == 7000 * LEGACY_FRAMES_PER_STEP
    # Starting from weights carries their frames on.
    best = os.path.join(run, "best.pt")
    st2 = train(recipe, str(tmp_path / "r2"), synthetic_cache, init_from=best, max_steps=42,
                log=_quiet)
    b = torch.load(best)
    assert st2["frames_seen"] == frames_seen_of(b) + sum(
        chunk_for_step(tcfg, s)[0] * chunk_for_step(tcfg, s)[1] for s in range(b["step"], 42))


def test_validation_scores_are_logged_when_asked(synthetic_cache, synthetic_valsets, tmp_path):

    recipe = copy.deepcopy(TINY_RECIPE)
    recipe["train"].update({"score_every": recipe["train"]["val_every"], "score_limit": 2})
    run = str(tmp_path / "s")
    train(recipe, run, synthetic_cache, max_steps=recipe["train"]["val_every"], log=_quiet,
          valsets=synthetic_valsets)
    vals = [json.loads(x) for x in open(os.path.join(run, "log.jsonl"))]
    scored = [r for r in vals if "val_scores" in r]
    assert scored, vals
    sc = scored[-1]["val_scores"]
    splits = [k for k in sc if k != "mean_frac"]
    assert splits and all(sc[k]["ibm"] > 0 for k in splits)
    assert abs(sc["mean_frac"] - sum(sc[k]["frac"] for k in splits) / len(splits)) < 1e-3
    cand = torch.load(os.path.join(run, "candidate.pt"))
    best_scored = max(scored, key=lambda r: r["val_scores"]["mean_frac"])
    assert cand["step"] == best_scored["step"]
    assert all(v.dtype == torch.float16 for k, v in cand["model"].items()
               if v.is_floating_point() and not k.startswith("feat_"))


def test_a_weights_only_resume_keeps_the_runs_best_score(
        synthetic_cache, synthetic_valsets, tmp_path):
    # A fresh machine resumes from the committed weights with the committed log beside them: a
    # later, lower score must not become the candidate just because it is the first since then.
    recipe = copy.deepcopy(TINY_RECIPE)
    every = recipe["train"]["val_every"]
    recipe["train"].update({"score_every": every, "score_limit": 2})
    run = str(tmp_path / "a")
    train(recipe, run, synthetic_cache, max_steps=every, log=_quiet, valsets=synthetic_valsets)
    log = [json.loads(x) for x in open(os.path.join(run, "log.jsonl"))]
    scored = [r for r in log if "val_scores" in r]
    assert scored and scored[-1]["step"] == every
    # The carried log says the run once scored better than this network can (a mean fraction of
    # the IBM's improvement of 5: beyond reach), and ends with a cut-off line.
    scored[-1]["val_scores"]["mean_frac"] = 5.0
    resumed = str(tmp_path / "b")
    os.makedirs(resumed)
    with open(os.path.join(resumed, "log.jsonl"), "w") as f:
        f.writelines(json.dumps(r) + "\n" for r in log)
        f.write('{"step": ')
    assert best_logged_score(os.path.join(resumed, "log.jsonl"), every) == 5.0
    assert best_logged_score(os.path.join(resumed, "log.jsonl"), every - 1) is None
    assert best_logged_score(os.path.join(resumed, "nothing.jsonl"), every) is None
    messages = []
    train(recipe, resumed, synthetic_cache, init_from=os.path.join(run, "candidate.pt"),
          max_steps=2 * every, log=messages.append, valsets=synthetic_valsets)
    lines = open(os.path.join(resumed, "log.jsonl")).read().splitlines()
    assert lines[len(log)] == '{"step": '  # the cut-off line was ended, not joined to the next
    later = [json.loads(x) for x in lines[len(log) + 1:]]
    assert any(r.get("step") == 2 * every and "val_scores" in r for r in later)
    assert not os.path.exists(os.path.join(resumed, "candidate.pt"))
    assert any("best validation score so far 5.0000" in m for m in messages)
    # Without the claim, the same resume's first score is the candidate.
    again = str(tmp_path / "c")
    train(recipe, again, synthetic_cache, init_from=os.path.join(run, "candidate.pt"),
          max_steps=2 * every, log=_quiet, valsets=synthetic_valsets)
    assert torch.load(os.path.join(again, "candidate.pt"))["step"] == 2 * every
