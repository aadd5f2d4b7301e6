"""How long does each notebook take, top to bottom, as a class runs it?  (Target: under 5 minutes each.)

    python benchmarks/notebook_times.py                    # every notebook, full mode (SMOKE_TEST unset)
    python benchmarks/notebook_times.py --smoke            # the same with SMOKE_TEST=1, as CI runs them
    python benchmarks/notebook_times.py 03 --slowest 5     # one notebook, and its 5 slowest cells
    python benchmarks/notebook_times.py --cores 1          # pinned to one core: a stand-in for a slower host

Each notebook is executed from a copy in a temporary folder next to the original (so relative paths behave as in
JupyterLab and no tracked file changes), in a fresh ``python3`` kernel, kernel start included: what a student waits
for after "Restart kernel & run all". Prints the seconds per notebook and its slowest cells, and the machine's
load average before and after, since a busy machine inflates every number. Exits with status 1 when a notebook
takes longer than ``--budget`` seconds (default 300).
"""

import argparse
import os
import sys
import tempfile
import time

import nbformat
from nbclient import NotebookClient

import utils


def notebooks(selected):
    """The notebooks whose names start with one of ``selected`` (e.g. "03"), or all of them."""
    paths = sorted((utils.REPO_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    chosen = [p for p in paths if not selected or any(p.name.startswith(s) for s in selected)]
    if not chosen:
        raise SystemExit(
            f"no notebook starts with {' or '.join(selected)}; choose from {[p.name for p in paths]}"
        )
    return chosen


def pin_to_cores(count):
    """Run this process, and every kernel it starts, on the first ``count`` of the cores it may use."""
    if not hasattr(os, "sched_setaffinity"):
        raise SystemExit(
            "--cores needs Linux (os.sched_setaffinity); pin the process with your OS's tools instead"
        )
    allowed = sorted(os.sched_getaffinity(0))
    if not 1 <= count <= len(allowed):
        raise SystemExit(
            f"--cores must be between 1 and {len(allowed)} (the cores this process may use), got {count}"
        )
    os.sched_setaffinity(0, allowed[:count])


def time_notebook(path, smoke, timeout=1800):
    """(total seconds, [(seconds, first source line) per code cell], the speed probe's verdict or None) of one
    run of the notebook at ``path``. The verdict is the line its last cell prints in a notebook with a probe
    (utils/run_time.py): the time after the probe against the probe's estimate."""
    nb = nbformat.read(path, as_version=4)
    environment = {"SMOKE_TEST": "1"} if smoke else {}
    saved = {name: os.environ.get(name) for name in ("SMOKE_TEST", "SAVE_README_FIGURES")}
    os.environ.pop("SAVE_README_FIGURES", None)
    os.environ.pop("SMOKE_TEST", None)
    os.environ.update(environment)
    cells = []
    try:
        with tempfile.TemporaryDirectory(dir=path.parent, prefix=".timing-") as folder:
            client = NotebookClient(
                nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": folder}}
            )
            started = time.perf_counter()
            with client.setup_kernel():
                for index, cell in enumerate(nb.cells):
                    if cell.cell_type != "code":
                        continue
                    cell_started = time.perf_counter()
                    client.execute_cell(cell, index)
                    first_line = next((line for line in cell.source.splitlines() if line.strip()), "")
                    cells.append((time.perf_counter() - cell_started, first_line))
            total = time.perf_counter() - started
    finally:
        for name, value in saved.items():
            os.environ.pop(name, None)
            if value is not None:
                os.environ[name] = value
    return total, cells, probe_verdict(nb)


def probe_verdict(nb):
    """The line "This run took ... it estimated ..." from an executed notebook's outputs, or None."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            for line in output.get("text", "").splitlines():
                if line.startswith("This run took"):
                    return line
    return None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", help="number prefixes, e.g. 03 04 (default: all)")
    parser.add_argument("--smoke", action="store_true", help="run with SMOKE_TEST=1 (CI's mode)")
    parser.add_argument("--slowest", type=int, default=3, help="how many of the slowest cells to list")
    parser.add_argument("--budget", type=float, default=300.0, help="seconds allowed per notebook")
    parser.add_argument(
        "--cores",
        type=int,
        default=None,
        help="run the kernels on this many of the machine's cores (Linux; default: all). A 2-core host about "
        "twice as slow as this one behaves much like --cores 1",
    )
    args = parser.parse_args(argv)
    if args.cores is not None:
        pin_to_cores(args.cores)

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"cores: {cores} of {os.cpu_count()}")
    print(f"mode: {'smoke (SMOKE_TEST=1)' if args.smoke else 'full'}; load average before: {os.getloadavg()}")
    over = []
    for path in notebooks(args.notebooks):
        total, cells, verdict = time_notebook(path, args.smoke)
        minutes, seconds = divmod(round(total), 60)
        print(f"{path.name:32s} {total:7.1f} s  ({minutes} min {seconds:02d} s)")
        for cell_seconds, first_line in sorted(cells, reverse=True)[: args.slowest]:
            print(f"    {cell_seconds:6.1f} s  {first_line[:80]}")
        if verdict:
            print(f"    speed probe: {verdict}")
        if total > args.budget:
            over.append(path.name)
    print(f"load average after: {os.getloadavg()}")
    if over:
        print(f"over the {args.budget:.0f} s budget: {', '.join(over)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
