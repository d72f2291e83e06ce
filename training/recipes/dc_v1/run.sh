#!/bin/bash
# The long run of Model 1.0: start or resume it in the background, detached, at low priority.
#   recipes/dc_v1/run.sh            log: runs/dc_v1.log (console), runs/dc_v1/log.jsonl (records)
# Resumes, in this order of preference, from
#   1. runs/dc_v1/last.pt                  (this machine: model, optimiser, step, learning rate);
#   2. checkpoints/unweave-dc-latest.pt    (the committed weights-only fp16 snapshot of the run;
#                                           a fresh optimiser, warm-up), its log
#                                           checkpoints/unweave-dc-latest.log.jsonl carried on;
#                                           only when that log exists (a snapshot without it is
#                                           from an earlier recipe);
#   3. checkpoints/unweave-dc.pt           (the shipped model's weights: how the run began).
# Threads: torch 2 with OpenBLAS pinned to 1 (see training/README.md, "Compute").
# Refuses to start a second copy while runs/dc_v1.pid names a live process.
cd "$(dirname "$0")/../.." || exit 1
mkdir -p runs/dc_v1
if [ -f runs/dc_v1.pid ] && kill -0 "$(cat runs/dc_v1.pid)" 2>/dev/null; then
  echo "already training: pid $(cat runs/dc_v1.pid)"; exit 1
fi
init=()
if [ ! -f runs/dc_v1/last.pt ]; then
  if [ -f checkpoints/unweave-dc-latest.pt ] && [ -f checkpoints/unweave-dc-latest.log.jsonl ]; then
    init=(--init-from checkpoints/unweave-dc-latest.pt)
    [ -f runs/dc_v1/log.jsonl ] || cp checkpoints/unweave-dc-latest.log.jsonl runs/dc_v1/log.jsonl
  else
    init=(--init-from checkpoints/unweave-dc.pt)
  fi
fi
OMP_WAIT_POLICY=PASSIVE OPENBLAS_NUM_THREADS=1 setsid nohup nice -n 10 /usr/bin/python3 -m unweave_train.train \
  --recipe recipes/dc_v1/config.json --run-dir runs/dc_v1 "${init[@]}" "$@" >> runs/dc_v1.log 2>&1 < /dev/null &
echo $! > runs/dc_v1.pid
echo "training pid $! ${init[*]}"
