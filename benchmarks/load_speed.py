"""How long does a full, verified MNIST load take?  (Target: well under 2 s for all 70,000 images.)

    python benchmarks/load_speed.py                 # 7 repeats, float32, verified
    python benchmarks/load_speed.py --dtype uint8 --repeats 3

Each repeat calls ``utils.data.load_mnist()`` exactly as a notebook does (decompress the four
files, check their MD5s, parse, split, scale to float32). We report wall-clock time (what a user
waits) and CPU time of this process (less sensitive to other programs sharing the machine), as
best and median over the repeats, then where the time goes for one load. Exits with status 1
if the best wall time exceeds ``--budget`` seconds.
"""

import argparse
import gc
import hashlib
import statistics
import sys
import time

import numpy as np

import utils
from utils.data import (  # private, but the very code load_mnist runs, timed by stage
    MNIST_FILES,
    _find,
    _read_bytes,
    load_mnist,
    parse_idx,
    resolve_data_dir,
)


def time_loads(repeats, dtype):
    """Wall and CPU seconds of ``repeats`` full loads."""
    walls, cpus = [], []
    for _ in range(repeats):
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        data = load_mnist(dtype=dtype)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        n_images = len(data.x_train) + len(data.x_val) + len(data.x_test)
        del data
    return walls, cpus, n_images


def stage_times():
    """Seconds spent reading+decompressing, hashing and parsing the four files, for one load."""
    data_dir = resolve_data_dir()
    stages = {"read + decompress": 0.0, "MD5": 0.0, "parse + scale to float32": 0.0}
    for name in MNIST_FILES:
        start = time.perf_counter()
        content = _read_bytes(_find(data_dir, name))
        stages["read + decompress"] += time.perf_counter() - start
        start = time.perf_counter()
        hashlib.md5(content).hexdigest()
        stages["MD5"] += time.perf_counter() - start
        start = time.perf_counter()
        images = parse_idx(content).astype(np.float32)  # as load_mnist does
        images /= np.float32(255)
        stages["parse + scale to float32"] += time.perf_counter() - start
    return stages


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--dtype", choices=["float32", "uint8"], default="float32")
    parser.add_argument("--budget", type=float, default=2.0, help="fail if best wall time exceeds this")
    args = parser.parse_args(argv)

    load_mnist(dtype=args.dtype)  # warm-up: imports, file cache
    walls, cpus, n_images = time_loads(args.repeats, args.dtype)
    data_dir = resolve_data_dir()
    shown = utils.relative_to_repo(data_dir)
    print(
        f"load_mnist(dtype={args.dtype!r}, verify=True): {n_images:,} images from {shown}/, "
        f"{args.repeats} repeats"
    )
    print(f"  wall time: best {min(walls):.3f} s, median {statistics.median(walls):.3f} s")
    print(f"  CPU time:  best {min(cpus):.3f} s, median {statistics.median(cpus):.3f} s")
    print("  one load, by stage:")
    for stage, seconds in stage_times().items():
        print(f"    {stage:<26} {seconds:.3f} s")
    if min(walls) > args.budget:
        print(f"SLOWER THAN THE BUDGET of {args.budget} s", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
