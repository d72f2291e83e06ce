#!/bin/bash
# Evaluate a checkpoint (default: the shipped one) on every test split; writes eval.{json,md}
# and scores.json (the metadata's `scores`) under runs/dc_blstm/eval/.
# usage: recipes/dc_blstm/evaluate.sh [checkpoint] [extra evaluate args, e.g. --no-sdr --limit 8]
cd "$(dirname "$0")/../.." || exit 1
CK=${1:-checkpoints/unweave-dc.pt}
shift || true
[ -d cache/testsets ] || /usr/bin/python3 -m unweave_train.data.testsets --out cache/testsets
OMP_WAIT_POLICY=PASSIVE nice -n 10 /usr/bin/python3 -m unweave_train.evaluate --checkpoint "$CK" \
  --testsets cache/testsets --out runs/dc_blstm/eval "$@"
