"""Write the plumbing fixture test/fixtures/tiny-random.{onnx,json}: random weights, real contract.

/usr/bin/python3 -m unweave_train.make_fixture --out ../test/fixtures/tiny-random
"""

from __future__ import annotations

import argparse

import torch

from .config import ModelConfig
from .export import export_model
from .models import DeepClusteringNet


def tiny_model(seed: int = 0) -> DeepClusteringNet:
    """A tiny random-weights model on the shipped model's grid (16 kHz, 512/256, D 20)."""
    torch.manual_seed(seed)
    cfg = ModelConfig(name="tiny-random", version="0.0.1", hidden=6, layers=1, dropout=0.0)
    model = DeepClusteringNet(cfg)
    # A plausible normalisation so the random network sees inputs of unit scale.
    model.set_normalisation(torch.full((cfg.bins,), -4.0), torch.full((cfg.bins,), 3.0))
    return model.eval()


def main(argv=None) -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--out", default="../test/fixtures/tiny-random")
    args = p.parse_args(argv)
    model = tiny_model()
    export_model(
        model,
        args.out,
        trained_chunk_frames=400,
        training={
            "sources": [],
            "steps": 0,
            "hours": 0.0,
            "notes": "random weights: plumbing fixture only, separates nothing",
        },
        scores=[],
    )
    print("wrote", args.out + ".onnx", args.out + ".json")


if __name__ == "__main__":
    main()
