"""Repo-wide pytest setup, shared by the unit tests and the nbval notebook runs.

* Notebooks run in smoke mode under pytest unless you ask otherwise
  (``SMOKE_TEST=0 pytest`` executes them in full, as committed).
* TensorFlow's C++ start-up logs are silenced in the kernels nbval starts
  (they inherit this process's environment).
* nbval never compares what a cell wrote to stderr: warnings and log lines
  differ between machines and library versions, and they are not results. This is nbval's documented way
  ("Skipping certain output types"): `stderr` added to each notebook's ``skip_compare`` in
  pytest_collectstart. tests/test_nbval_stderr.py proves it (stderr differs: passes; stdout differs: fails).
* Tests run on two processes (pytest-xdist, ``-n 2 --dist loadgroup`` in pyproject.toml): the cells of a
  notebook share one kernel and must run in order, so each notebook is one group that goes to one process;
  every other test goes wherever a process is free. In full mode (``SMOKE_TEST=0``) everything runs in one
  process instead: notebooks that train must not share the two cores, or each takes twice as long as in class.
"""

import os

import pytest

os.environ.setdefault("SMOKE_TEST", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")  # for unit tests that draw; kernels use inline

try:
    from nbval.plugin import IPyNbCell, IPyNbFile
except ImportError:  # nbval missing: the notebooks are simply not collected
    IPyNbCell = IPyNbFile = None


def pytest_collectstart(collector):
    """A notebook's cells compare their outputs without stderr (nbval's documented hook)."""
    if IPyNbFile is not None and isinstance(collector, IPyNbFile):
        collector.skip_compare += ("stderr",)


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config, items):
    """Keep each notebook's cells together, in order, on one pytest-xdist worker."""
    if IPyNbCell is None:
        return
    for item in items:
        if isinstance(item, IPyNbCell):
            item.add_marker(pytest.mark.xdist_group(name=item.path.name))


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist turns the number of processes into workers
def pytest_cmdline_main(config):
    """Full mode runs the notebooks one at a time, each with the whole machine, as a class would."""
    if os.environ.get("SMOKE_TEST") == "0" and getattr(config.option, "numprocesses", None):
        config.option.numprocesses = 0
