"""The trainer keeps its heap: glibc malloc settings that stop it handing memory back to the
kernel between steps.

A training step allocates and frees tensors of tens of MB (the embeddings of a batch of 8 x 400
frames are 65 MB). glibc serves every block above its mmap threshold (at most 32 MiB) with a
fresh mmap and unmaps it when freed, so the next step faults every page in again, zeroed by the
kernel. Measured on the long run (2026-12-03, this 2-core machine, kernel 6.18, otherwise idle):
~70,000 minor page faults a second and a third of the CPU time in the kernel, 495-544 frames/s;
with these settings ~150 faults a second and 1,263-1,336 frames/s, the same recipe and steps.
`bench_step --glibc-heap` measures the difference on other machines.

The settings are read by glibc when a process starts, so the trainer's command line re-executes
itself once with them (`reexec_with_kept_heap`); UNWEAVE_GLIBC_HEAP=1 keeps glibc's defaults.
"""

from __future__ import annotations

import os
import sys
from typing import Optional

# Never mmap (every block from the heap), never trim the heap, grow it 256 MiB at a time.
HEAP_ENV = {
    "MALLOC_MMAP_MAX_": "0",
    "MALLOC_TRIM_THRESHOLD_": str(16 << 30),
    "MALLOC_TOP_PAD_": str(256 << 20),
}


def kept_heap_env(env: Optional[dict] = None) -> dict:
    """`env` (default: this process's environment) with HEAP_ENV added."""
    return {**(os.environ if env is None else env), **HEAP_ENV}


def reexec_with_kept_heap(module: str) -> None:
    """Re-executes `python -m module` with this process's arguments and HEAP_ENV, unless it
    already has HEAP_ENV, or UNWEAVE_GLIBC_HEAP=1, or the platform is not Linux (the settings are
    glibc's). Returns only when no re-execution is needed."""
    if sys.platform != "linux" or os.environ.get("UNWEAVE_GLIBC_HEAP") == "1":
        return
    if all(os.environ.get(k) == v for k, v in HEAP_ENV.items()):
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, "-m", module, *sys.argv[1:]], kept_heap_env())


if __name__ == "__main__":
    # `python -m unweave_train.heap`: prints the HEAP_ENV settings this process runs with, after
    # re-executing itself as the trainer does (used by the tests).
    reexec_with_kept_heap("unweave_train.heap")
    import json

    print(json.dumps({k: os.environ.get(k) for k in HEAP_ENV}))
