"""The same input through PyTorch and through onnxruntime-node: max abs difference <= 1e-4."""

import os
import shutil
import subprocess

import numpy as np
import pytest
import torch

from unweave_train.config import ModelConfig
from unweave_train.export import export_onnx
from unweave_train.models import DeepClusteringNet

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
ORT = os.path.join(REPO, "node_modules", "onnxruntime-node")


def run_node(onnx_path, x, tmp_path):
    inp = str(tmp_path / "in.f32")
    out = str(tmp_path / "out.f32")
    x.astype(np.float32).tofile(inp)
    r = subprocess.run(["node", os.path.join(HERE, "onnx_run.mjs"), onnx_path, inp, *map(str, x.shape),
                        out], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return np.fromfile(out, dtype=np.float32)


@pytest.mark.skipif(shutil.which("node") is None or not os.path.isdir(ORT),
                    reason="node or onnxruntime-node (npm ci) missing")
def test_pytorch_onnxruntime_node_parity(tmp_path):
    torch.manual_seed(1)
    cfg = ModelConfig(hidden=16, layers=2, embedding_dim=8, dropout=0.3)
    model = DeepClusteringNet(cfg)
    model.set_normalisation(torch.randn(cfg.bins) - 3, torch.rand(cfg.bins) + 1.5)
    model.eval()
    path = str(tmp_path / "p.onnx")
    export_onnx(model, path)
    rng = np.random.default_rng(0)
    for B, T in ((1, 40), (3, 97)):  # dynamic batch and frames, neither equal to the export's
        x = (rng.standard_normal((B, T, cfg.bins)) * 3 - 4).astype(np.float32)
        with torch.no_grad():
            ref = model(torch.from_numpy(x)).numpy()
        got = run_node(path, x, tmp_path).reshape(ref.shape)
        assert np.abs(got - ref).max() <= 1e-4
        assert np.abs(np.linalg.norm(got, axis=-1) - 1).max() < 1e-4


@pytest.mark.skipif(shutil.which("node") is None or not os.path.isdir(ORT),
                    reason="node or onnxruntime-node (npm ci) missing")
def test_shipped_model_parity_if_present(tmp_path):
    onnx_path = os.path.join(REPO, "models", "unweave-dc.onnx")
    ck = os.path.join(REPO, "training", "checkpoints", "unweave-dc.pt")
    if not (os.path.exists(onnx_path) and os.path.exists(ck)):
        pytest.skip("no shipped model with its checkpoint")
    from unweave_train.evaluate import load_model

    model = load_model(ck)
    x = (np.random.default_rng(2).standard_normal((2, 50, model.cfg.bins)) * 3 - 4).astype(np.float32)
    with torch.no_grad():
        ref = model(torch.from_numpy(x)).numpy()
    got = run_node(onnx_path, x, tmp_path).reshape(ref.shape)
    assert np.abs(got - ref).max() <= 1e-4
