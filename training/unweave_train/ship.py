"""Ship a trained model: a half-precision weights-only checkpoint in training/checkpoints/ and,
exported from exactly those weights, models/<name>.onnx + .json.

/usr/bin/python3 -m unweave_train.ship --from runs/dc_blstm/best.pt --name unweave-dc \
    --scores runs/dc_blstm/eval/scores.json           # checkpoint + ONNX + JSON
/usr/bin/python3 -m unweave_train.ship --from runs/dc_blstm/last.pt --name unweave-dc-latest \
    --checkpoint-only                                  # a resumable snapshot only
"""

from __future__ import annotations

import argparse
import json
import os

from .evaluate import load_model
from .export import export_model
from .models import read_checkpoint
from .train import frames_seen_of, save_atomic, weights_only

TRAINING = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(TRAINING)


def main(argv=None) -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--from", dest="src", required=True)
    p.add_argument("--name", default="unweave-dc")
    p.add_argument("--scores", default=None)
    p.add_argument("--notes", default=None)
    p.add_argument("--checkpoint-only", action="store_true")
    p.add_argument("--version", default=None, help="model version to ship (default: the checkpoint's)")
    p.add_argument("--stereo-cue-weight", type=float, default=None,
                   help="metadata stereoCue: the weight chosen with unweave_train.spatial")
    args = p.parse_args(argv)
    ck = read_checkpoint(args.src)
    model = load_model(args.src)
    if args.version:
        model.cfg.version = args.version
    info = ck.get("info", {})
    step = int(ck.get("step", ck.get("state", {}).get("step", 0)))
    secs = float(ck.get("train_seconds", 0.0))
    chunk = int(ck.get("chunk_frames", 400))
    os.makedirs(os.path.join(TRAINING, "checkpoints"), exist_ok=True)
    ck_path = os.path.join(TRAINING, "checkpoints", args.name + ".pt")
    frames = frames_seen_of(ck)
    save_atomic(weights_only(model, step, chunk, secs, info, half=True, frames_seen=frames), ck_path)
    print("wrote", ck_path, os.path.getsize(ck_path), "bytes, step", step, "frames seen", frames)
    if args.checkpoint_only:
        return
    model = load_model(ck_path)  # the rounded weights, so ONNX and checkpoint agree exactly
    if args.name != model.cfg.name:
        model.cfg.name = args.name
    scores = None
    if args.scores:
        with open(args.scores) as f:
            scores = json.load(f)
    training = {"sources": info.get("sources", []), "steps": step, "hours": round(secs / 3600, 2),
                "framesSeen": frames}
    if args.notes:
        training["notes"] = args.notes
    meta = export_model(model, os.path.join(REPO, "models", args.name), chunk, training, scores,
                        args.stereo_cue_weight)
    print(json.dumps(meta, indent=1))


if __name__ == "__main__":
    main()
