#!/bin/bash
# On a lent GPU machine (the device tool; never needed for anything to pass): continue the long
# run's committed weights with the same recipe for a few minutes on the packed material, and
# bring the weights back. From this machine, after recipes/dc_v1/gpu-pack.sh:
#   device run, carry ["training/runs/gpu"], timeout_s 560,
#   command: bash training/recipes/dc_v1/gpu.sh
# Returns in $OUT: gpu.pt (weights only, fp16, with step and frames seen), gpu-log.jsonl and
# gpu.txt (the console). Then here: training/README.md, "A GPU run", says how they are scored
# on the validation splits and when the long run continues from them.
# Differences from the CPU recipe, all in --train-override: the device, worker processes for the
# data, a batch of 64 chunks of 400 frames (8 here), validation every 100 steps.
set -u
PY=${PYTHON:-python3}  # the device machine's python3 holds PyTorch; here: /usr/bin/python3
cd "$(dirname "$0")/../.." || exit 1
OUT=${OUT:-runs/gpu/out}
SECONDS_TRAIN=${GPU_TRAIN_SECONDS:-420}
DEVICE=${GPU_DEVICE:-cuda}
mkdir -p "$OUT"
CACHE=$(mktemp -d)
PYTHONUNBUFFERED=1 "$PY" -m unweave_train.data.pack --unpack runs/gpu/pack.npz --cache "$CACHE" \
  | tee "$OUT/gpu.txt" || exit 1
workers=$(( $(nproc) > 3 ? $(nproc) - 2 : 1 ))
override="{\"device\": \"$DEVICE\", \"workers\": $workers, \"threads\": 2,
  \"curriculum\": [[400, 1000000000, ${GPU_BATCH:-64}]], \"warmup_steps\": 100,
  \"val_every\": 100, \"score_every\": 0, \"checkpoint_minutes\": 2.0}"
rm -rf runs/gpu/run
# SIGTERM to the trainer alone after the budget (--foreground: not to its data workers): it
# checkpoints and stops (Stopper).
PYTHONUNBUFFERED=1 timeout --foreground -s TERM -k 60 "$SECONDS_TRAIN" "$PY" -m unweave_train.train \
  --recipe recipes/dc_v1/config.json --run-dir runs/gpu/run --cache "$CACHE" \
  --init-from checkpoints/unweave-dc-latest.pt --train-override "$override" 2>&1 | tee -a "$OUT/gpu.txt"
"$PY" -m unweave_train.ship --from runs/gpu/run/last.pt --name gpu --checkpoint-only \
  | tee -a "$OUT/gpu.txt" || exit 1
mv checkpoints/gpu.pt "$OUT/gpu.pt"
cp runs/gpu/run/log.jsonl "$OUT/gpu-log.jsonl"
rm -rf "$CACHE"
