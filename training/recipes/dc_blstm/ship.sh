#!/bin/bash
# Ship a checkpoint: checkpoints/unweave-dc.pt (fp16 weights) + models/unweave-dc.{onnx,json},
# the ONNX exported from exactly those weights, with the scores of runs/dc_blstm/eval/scores.json.
# usage: recipes/dc_blstm/ship.sh [runs/dc_blstm/best.pt] [extra ship args, e.g. --version 0.2.0]
cd "$(dirname "$0")/../.." || exit 1
SRC=${1:-runs/dc_blstm/best.pt}
shift || true
ARGS=()
[ -f runs/dc_blstm/eval/scores.json ] && ARGS=(--scores runs/dc_blstm/eval/scores.json)
/usr/bin/python3 -m unweave_train.ship --from "$SRC" --name unweave-dc "${ARGS[@]}" "$@"
