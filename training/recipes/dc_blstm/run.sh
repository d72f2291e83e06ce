#!/bin/bash
# Start (or resume: automatic from runs/dc_blstm/last.pt) the shipped model's training in the
# background, detached from the shell, at low priority. Log: runs/dc_blstm.log
cd "$(dirname "$0")/../.." || exit 1
mkdir -p runs
setsid nohup nice -n 10 /usr/bin/python3 -m unweave_train.train \
  --recipe recipes/dc_blstm/config.json --run-dir runs/dc_blstm "$@" >> runs/dc_blstm.log 2>&1 < /dev/null &
echo "training pid $!"
