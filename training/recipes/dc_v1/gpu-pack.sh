#!/bin/bash
# Here, before a GPU run: pack compact training material and the run's weights into
# runs/gpu/ (git-ignored), the folder the device call carries. See gpu.sh.
#   recipes/dc_v1/gpu-pack.sh [MIB]     MIB: the audio budget before compression (default 36)
cd "$(dirname "$0")/../.." || exit 1
# Only the pack travels: a trial run's folders (run/, out/) from an earlier try are removed.
rm -rf runs/gpu/run runs/gpu/out
mkdir -p runs/gpu
/usr/bin/python3 -m unweave_train.data.pack --recipe recipes/dc_v1/config.json \
  --out runs/gpu/pack.npz --mib "${1:-36}" || exit 1
# The device call carries the working tree and this folder: 64 MiB together at most.
tree=$(cd .. && git ls-files -z | xargs -0 du -cb 2>/dev/null | tail -1 | cut -f1)
packed=$(du -cb runs/gpu | tail -1 | cut -f1)
echo "working tree $((tree / 1048576)) MiB + runs/gpu $((packed / 1048576)) MiB (limit 64 MiB)"
[ $((tree + packed)) -lt $((62 * 1048576)) ] || { echo "too large: pack with a smaller MIB"; exit 1; }
