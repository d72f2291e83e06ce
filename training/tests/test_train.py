import copy
import os

import torch

from conftest import TINY_RECIPE
from unweave_train.train import chunk_for_step, train
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
