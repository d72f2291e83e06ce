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


def test_random_size_exports_an_untrained_network_of_that_size_for_timing(tmp_path):
    from unweave_train.export import main as export_main
    from unweave_train.models import count_parameters

    cfg = ModelConfig(hidden=8, layers=2, embedding_dim=5, dropout=0.0)
    model = DeepClusteringNet(cfg)
    model.set_normalisation(torch.linspace(-3, 3, cfg.bins), torch.full((cfg.bins,), 2.0))
    ck = str(tmp_path / "ck.pt")
    torch.save({"model": model.state_dict(), "model_config": cfg.to_dict(), "step": 9,
                "chunk_frames": 100, "info": {}}, ck)
    prefix = str(tmp_path / "big")
    export_main([ck, "--out", prefix, "--random-size", "12", "3"])
    with open(prefix + ".json") as f:
        meta = json.load(f)
    check_metadata(meta)
    assert meta["training"]["steps"] == 0 and "for timing only" in meta["training"]["notes"]
    m = onnx.load(prefix + ".onnx")
    n_params = sum(int(torch.tensor(list(t.dims)).prod()) for t in m.graph.initializer)
    bigger = DeepClusteringNet(ModelConfig(hidden=12, layers=3, embedding_dim=5, dropout=0.0))
    # the graph holds the larger network's weights (plus the two normalisation buffers)
    assert n_params >= count_parameters(bigger)
    assert n_params > count_parameters(model) * 1.5
    # with the checkpoint's feature normalisation
    from onnx import numpy_helper
    inits = [numpy_helper.to_array(t) for t in m.graph.initializer]
    want = torch.linspace(-3, 3, cfg.bins).numpy()
    assert any(a.shape == want.shape and abs(a - want).max() < 1e-6 for a in inits)
