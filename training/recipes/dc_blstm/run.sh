#!/bin/bash
# Start (or resume: automatic from runs/dc_blstm/last.pt) the shipped model's training in the
# background, detached from the shell, at low priority. Log: runs/dc_blstm.log
# Refuses to start a second copy while runs/dc_blstm.pid names a live process.
cd "$(dirname "$0")/../.." || exit 1
mkdir -p runs
if [ -f runs/dc_blstm.pid ] && kill -0 "$(cat runs/dc_blstm.pid)" 2>/dev/null; then
  echo "already training: pid $(cat runs/dc_blstm.pid)"; exit 1
fi
OMP_WAIT_POLICY=PASSIVE setsid nohup nice -n 10 /usr/bin/python3 -m unweave_train.train \
  --recipe recipes/dc_blstm/config.json --run-dir runs/dc_blstm "$@" >> runs/dc_blstm.log 2>&1 < /dev/null &
echo $! > runs/dc_blstm.pid
echo "training pid $!"
