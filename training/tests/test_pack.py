import json
import os

import numpy as np

from conftest import TINY_RECIPE
from unweave_train.data.mixtures import MixtureSampler, batch_sources
from unweave_train.data.pack import mu_law_decode, mu_law_encode, pack, unpack


def _quiet(*_):
    pass


def test_mu_law_round_trip_keeps_38_db_of_snr_at_any_level():
    rng = np.random.default_rng(0)
    for level in (1e-3, 0.1, 0.9):
        x = (level * rng.standard_normal((2, 16000)) / 3).astype(np.float32)
        codes, scale = mu_law_encode(x)
        assert codes.dtype == np.uint8 and codes.shape == x.shape
        y = mu_law_decode(codes, scale)
        snr = 10 * np.log10(np.sum(x**2) / np.sum((x - y) ** 2))
        assert snr > 30, (level, snr)
    assert np.all(mu_law_decode(*mu_law_encode(np.zeros(10))) == 0)


def test_a_pack_unpacks_into_a_cache_the_trainer_draws_every_kind_from(synthetic_cache, tmp_path):
    recipe = dict(TINY_RECIPE, music_banks=["fluidr3"], trio_banks=["fluidr3", "timgm6mb"])
    out = str(tmp_path / "pack.npz")
    index = pack(synthetic_cache, recipe, out, mib=2.0, min_seconds=3.0, log=_quiet)
    assert os.path.getsize(out) <= 2.0 * 2**20
    splits = {(e["split"], e["kind"]) for e in index["items"]}
    assert {("train", "speech"), ("train", "trio"), ("train", "music"), ("train", "lead"),
            ("val", "speech"), ("val", "trio")} <= splits
    # nothing of the test split travels
    assert all(e["meta"]["split"] in ("train", "val") for e in index["items"])
    cache = str(tmp_path / "cache")
    assert unpack(out, cache) == len(index["items"])
    train = MixtureSampler(cache, "train", music_banks=("fluidr3",), trio_banks=("fluidr3", "timgm6mb"))
    assert all(v > 0 for v in train.available().values()), train.available()
    src, counts = batch_sources(train, np.random.default_rng(1), 6, 40 * 256,
                                recipe["train"]["mix_probs"])
    assert src.shape == (6, 4, 40 * 256) and np.all(counts >= 2) and np.isfinite(src).all()
    val = MixtureSampler(cache, "val")
    assert val.available()["speech"] > 0 and val.available()["trio"] > 0
    # every packed talker is a stream the sampler accepts, with its metadata carried over
    d = os.path.join(cache, "speech")
    metas = [json.load(open(os.path.join(d, f))) for f in sorted(os.listdir(d)) if f.endswith(".json")]
    packed = {e["name"] for e in index["items"] if e["kind"] == "speech"}
    assert {m["speaker"] for m in metas} == packed
    assert all(m["seconds"] > 5 and m["split"] in ("train", "val") for m in metas)


def test_a_smaller_budget_keeps_fewer_items_each_long_enough(synthetic_cache, tmp_path):
    recipe = dict(TINY_RECIPE, music_banks=["fluidr3"], trio_banks=["fluidr3"])
    small = pack(synthetic_cache, recipe, str(tmp_path / "s.npz"), mib=0.4, min_seconds=3.0,
                 min_items=1, log=_quiet)
    large = pack(synthetic_cache, recipe, str(tmp_path / "l.npz"), mib=2.0, min_seconds=3.0,
                 min_items=1, log=_quiet)
    assert small["bytes"] < large["bytes"]
    with np.load(str(tmp_path / "s.npz")) as z:
        assert all(z[e["key"]].shape[-1] >= 16000 for e in small["items"])
