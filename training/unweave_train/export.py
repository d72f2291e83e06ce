"""Export a model to ONNX (opset 17, dynamic batch and frames) plus its metadata JSON.

The JSON follows src/shared/model.ts (ModelMetadata, formatVersion 1) exactly.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Optional

import torch

from .config import ModelConfig
from .models import DeepClusteringNet, read_checkpoint

INPUT_NAME = "features"
OUTPUT_NAME = "embeddings"
OPSET = 17


def metadata(
    cfg: ModelConfig,
    trained_chunk_frames: int,
    training: Optional[dict] = None,
    scores: Optional[list] = None,
    stereo_cue_weight: Optional[float] = None,
) -> dict:
    """The ModelMetadata dictionary of a model; stereo_cue_weight (chosen with
    unweave_train.spatial on stereo validation splits) adds `stereoCue`."""
    meta = {
        "formatVersion": 1,
        "name": cfg.name,
        "version": cfg.version,
        "sampleRate": int(cfg.sample_rate),
        "stft": {"nFft": int(cfg.n_fft), "hop": int(cfg.hop), "window": "hann", "framing": "center"},
        "feature": {"type": "log_magnitude", "eps": float(cfg.eps), "normalization": "in_graph"},
        "embeddingDim": int(cfg.embedding_dim),
        "bins": int(cfg.bins),
        "io": {"input": INPUT_NAME, "output": OUTPUT_NAME, "opset": OPSET},
        "trainedChunkFrames": int(trained_chunk_frames),
        "silenceThresholdDb": float(cfg.silence_db),
        "training": training or {"sources": [], "steps": 0, "hours": 0.0},
        "scores": scores or [],
    }
    if stereo_cue_weight is not None:
        meta["stereoCue"] = stereo_cue(stereo_cue_weight)
    return meta


def stereo_cue(weight: float) -> dict:
    """ModelMetadata.stereoCue for a weight chosen with unweave_train.spatial."""
    from .spatial import ILD_RANGE_DB

    if not (0.0 <= weight <= 100.0):
        raise ValueError(f"stereo cue weight must be in [0, 100], got {weight}")
    return {"weight": float(weight), "ildRangeDb": float(ILD_RANGE_DB)}


def set_stereo_cue(json_path: str, weight: float) -> dict:
    """Sets stereoCue in an exported model's metadata (an inference setting, chosen after the
    export on stereo validation splits); the .onnx is untouched. Written atomically."""
    with open(json_path) as f:
        meta = json.load(f)
    meta["stereoCue"] = stereo_cue(weight)
    tmp = json_path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    os.replace(tmp, json_path)
    return meta


def export_onnx(model: DeepClusteringNet, onnx_path: str) -> None:
    """Write the model as ONNX: features [batch, frames, bins] -> embeddings [batch, frames, bins, D]."""
    model = model.eval()
    cfg = model.cfg
    dummy = torch.randn(2, 37, cfg.bins)
    os.makedirs(os.path.dirname(os.path.abspath(onnx_path)), exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(
            model,
            (dummy,),
            onnx_path,
            input_names=[INPUT_NAME],
            output_names=[OUTPUT_NAME],
            dynamic_axes={
                INPUT_NAME: {0: "batch", 1: "frames"},
                OUTPUT_NAME: {0: "batch", 1: "frames"},
            },
            opset_version=OPSET,
            do_constant_folding=True,
        )
    import onnx

    m = onnx.load(onnx_path)
    onnx.checker.check_model(m)
    m.doc_string = f"{cfg.name} {cfg.version}: deep-clustering embeddings (see the .json beside it)"
    onnx.save(m, onnx_path)


def export_model(
    model: DeepClusteringNet,
    out_prefix: str,
    trained_chunk_frames: int,
    training: Optional[dict] = None,
    scores: Optional[list] = None,
    stereo_cue_weight: Optional[float] = None,
) -> dict:
    """Write <out_prefix>.onnx and <out_prefix>.json; returns the metadata."""
    export_onnx(model, out_prefix + ".onnx")
    meta = metadata(model.cfg, trained_chunk_frames, training, scores, stereo_cue_weight)
    with open(out_prefix + ".json", "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    return meta


def load_checkpoint_model(path: str) -> tuple[DeepClusteringNet, dict]:
    """Model (eval mode) and the raw checkpoint dict from a full or weights-only checkpoint."""
    ck = read_checkpoint(path)
    cfg = ModelConfig.from_dict(ck["model_config"])
    model = DeepClusteringNet(cfg)
    model.load_state_dict(ck["model"])
    model.eval()
    return model, ck


def random_model_like(model: DeepClusteringNet, ck: dict, hidden: int,
                      layers: int) -> tuple[DeepClusteringNet, dict]:
    """A randomly initialised network of another size with `model`'s settings and feature
    normalisation, and a checkpoint-like dict marking it untrained (for forward-time measurements
    of candidate sizes: its embeddings mean nothing)."""
    d = dict(ck["model_config"], hidden=hidden, layers=layers)
    torch.manual_seed(0)
    other = DeepClusteringNet(ModelConfig.from_dict(d))
    other.set_normalisation(model.feat_mean, model.feat_std)
    other.eval()
    info = {"notes": f"random weights, {hidden} x {layers} BLSTM: for timing only, not a model"}
    return other, {"model_config": d, "step": 0, "chunk_frames": ck.get("chunk_frames", 400),
                   "info": info}


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description="Export a checkpoint to ONNX + metadata JSON")
    p.add_argument("checkpoint", nargs="?", default=None,
                   help="omit with --stereo-cue-weight to set only <out>.json's stereoCue")
    p.add_argument("--out", required=True, help="output prefix, e.g. ../models/unweave-dc")
    p.add_argument("--scores", help="JSON file with a list of ModelScore entries")
    p.add_argument("--notes", default=None)
    p.add_argument("--stereo-cue-weight", type=float, default=None,
                   help="the stereo cue's weight chosen on stereo validation splits "
                        "(unweave_train.spatial); written as metadata stereoCue")
    p.add_argument("--random-size", nargs=2, type=int, default=None, metavar=("HIDDEN", "LAYERS"),
                   help="timing only: export a randomly initialised network of this size (units per "
                        "direction, BLSTM layers) with the checkpoint's settings and normalisation")
    args = p.parse_args(argv)
    if args.random_size and args.checkpoint is None:
        p.error("--random-size needs a checkpoint (for its settings and normalisation)")
    if args.checkpoint is None:
        if args.stereo_cue_weight is None:
            p.error("a checkpoint is required (or --stereo-cue-weight alone, to set it in <out>.json)")
        print(json.dumps(set_stereo_cue(args.out + ".json", args.stereo_cue_weight)["stereoCue"]))
        return
    model, ck = load_checkpoint_model(args.checkpoint)
    if args.random_size:
        model, ck = random_model_like(model, ck, *args.random_size)
    info = ck.get("info", {})
    training = {
        "sources": info.get("sources", []),
        "steps": int(ck.get("step", 0)),
        "hours": round(float(ck.get("train_seconds", 0.0)) / 3600.0, 3),
    }
    if args.notes or info.get("notes"):
        training["notes"] = args.notes or info.get("notes")
    scores = None
    if args.scores:
        with open(args.scores) as f:
            scores = json.load(f)
    chunk = int(ck.get("chunk_frames", 400))
    meta = export_model(model, args.out, chunk, training, scores, args.stereo_cue_weight)
    print(json.dumps(meta, indent=2))


if __name__ == "__main__":
    main()
