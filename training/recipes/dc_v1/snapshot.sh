#!/bin/bash
# Write the long run's committed state: checkpoints/unweave-dc-latest.pt (weights only, fp16,
# replaced in place) from runs/dc_v1/last.pt, and its record log beside it. Commit both:
#   recipes/dc_v1/snapshot.sh && git add checkpoints/unweave-dc-latest.* && git commit -m ...
cd "$(dirname "$0")/../.." || exit 1
/usr/bin/python3 -m unweave_train.ship --from runs/dc_v1/last.pt --name unweave-dc-latest \
  --checkpoint-only || exit 1
cp runs/dc_v1/log.jsonl checkpoints/unweave-dc-latest.log.jsonl.tmp \
  && mv checkpoints/unweave-dc-latest.log.jsonl.tmp checkpoints/unweave-dc-latest.log.jsonl
tail -n 1 checkpoints/unweave-dc-latest.log.jsonl
