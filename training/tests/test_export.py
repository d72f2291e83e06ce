import json
import os

import onnx
import torch

from unweave_train.config import ModelConfig
from unweave_train.export import export_model
from unweave_train.make_fixture import tiny_model
from unweave_train.models import DeepClusteringNet

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIELDS = {"formatVersion", "name", "version", "sampleRate", "stft", "feature", "embeddingDim",
          "bins", "io", "trainedChunkFrames", "silenceThresholdDb", "training", "scores"}


def check_metadata(meta: dict) -> None:
    assert FIELDS <= set(meta)
    assert meta["formatVersion"] == 1
    assert meta["stft"]["window"] == "hann" and meta["stft"]["framing"] == "center"
    assert meta["bins"] == meta["stft"]["nFft"] // 2 + 1
    assert meta["feature"] == {"type": "log_magnitude", "eps": meta["feature"]["eps"],
                               "normalization": "in_graph"}
    assert meta["io"] == {"input": "features", "output": "embeddings", "opset": 17}
    assert {"sources", "steps", "hours"} <= set(meta["training"])
    if "stereoCue" in meta:
        assert set(meta["stereoCue"]) == {"weight", "ildRangeDb"}
        assert 0 <= meta["stereoCue"]["weight"] <= 100 and meta["stereoCue"]["ildRangeDb"] > 0


def check_graph(path: str, meta: dict) -> None:
    m = onnx.load(path)
    onnx.checker.check_model(m)
    assert any(o.domain in ("", "ai.onnx") and o.version == 17 for o in m.opset_import)
    (inp,) = [i for i in m.graph.input if i.name == "features"]
    (out,) = m.graph.output
    assert out.name == "embeddings"
    d_in = [d.dim_param or d.dim_value for d in inp.type.tensor_type.shape.dim]
    d_out = [d.dim_param or d.dim_value for d in out.type.tensor_type.shape.dim]
    assert isinstance(d_in[0], str) and isinstance(d_in[1], str) and d_in[2] == meta["bins"]
    assert isinstance(d_out[0], str) and isinstance(d_out[1], str)
    assert d_out[2:] == [meta["bins"], meta["embeddingDim"]]


def test_export_shapes_and_metadata(tmp_path):
    cfg = ModelConfig(hidden=8, layers=2, embedding_dim=5, dropout=0.0)
    model = DeepClusteringNet(cfg)
    prefix = str(tmp_path / "m")
    meta = export_model(model, prefix, 400, {"sources": ["x"], "steps": 3, "hours": 0.1}, [])
    with open(prefix + ".json") as f:
        assert json.load(f) == meta
    check_metadata(meta)
    assert meta["embeddingDim"] == 5 and meta["sampleRate"] == 16000
    assert "stereoCue" not in meta
    check_graph(prefix + ".onnx", meta)
    # The stereo cue's weight is set afterwards, in the JSON only (atomically), the .onnx untouched.
    onnx_bytes = open(prefix + ".onnx", "rb").read()
    from unweave_train.export import main as export_main

    export_main(["--out", prefix, "--stereo-cue-weight", "1.5"])
    with open(prefix + ".json") as f:
        after = json.load(f)
    assert after == {**meta, "stereoCue": {"weight": 1.5, "ildRangeDb": 20.0}}
    check_metadata(after)
    assert open(prefix + ".onnx", "rb").read() == onnx_bytes
    assert not os.path.exists(prefix + ".json.tmp")


def test_committed_fixture_obeys_the_contract():
    prefix = os.path.join(REPO, "test", "fixtures", "tiny-random")
    with open(prefix + ".json") as f:
        meta = json.load(f)
    check_metadata(meta)
    check_graph(prefix + ".onnx", meta)
    assert os.path.getsize(prefix + ".onnx") < 600_000
    assert tiny_model().cfg.bins == meta["bins"]


def test_shipped_model_obeys_the_contract_if_present():
    prefix = os.path.join(REPO, "models", "unweave-dc")
    if not os.path.exists(prefix + ".json"):
        return
    with open(prefix + ".json") as f:
        meta = json.load(f)
    check_metadata(meta)
    check_graph(prefix + ".onnx", meta)
    assert os.path.getsize(prefix + ".onnx") <= 30 * 1024 * 1024
