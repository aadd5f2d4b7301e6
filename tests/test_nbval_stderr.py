"""The notebooks' output checks, as conftest.py sets them up: nbval compares what a `nbval-check-output`
cell prints to stdout, never what it writes to stderr, and memory addresses are sanitized
(tests/nbval_sanitize.cfg). Proof on tiny notebooks run by nbval in a separate pytest, with this
repository's conftest.py and sanitize file: a stderr that differs from the committed one passes, a stdout
that differs fails, and without the conftest the stderr cases fail (so the conftest is what lets them pass).
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

REPO_ROOT = Path(__file__).resolve().parents[1]
CHECK = {"tags": ["nbval-check-output"]}


def _stream(name, text):
    return nbformat.v4.new_output("stream", name=name, text=text)


def _cell(source, *outputs):
    cell = nbformat.v4.new_code_cell(source, metadata=CHECK, outputs=list(outputs))
    cell.execution_count = 1
    return cell


# Each passes with the repository's conftest.py.
STDERR_DIFFERS = [
    _cell(
        'import sys\n\nprint("accuracy 0.98")\nprint("a warning of this machine", file=sys.stderr)',
        _stream("stdout", "accuracy 0.98\n"),
        _stream("stderr", "a warning of another machine\n"),
    ),
    _cell(  # committed with a warning that this run does not print
        'print("no warning here")',
        _stream("stdout", "no warning here\n"),
        _stream("stderr", "a notice of an older library\n"),
    ),
    _cell(  # committed without the warning that this run prints
        'import sys\n\nprint("a new notice", file=sys.stderr)',
    ),
    _cell(  # the address differs on every run: tests/nbval_sanitize.cfg
        "print(object())",
        _stream("stdout", "<object object at 0x7f00deadbeef>\n"),
    ),
]
STDOUT_DIFFERS = [
    _cell(
        'import sys\n\nprint("accuracy 0.97")\nprint("a warning", file=sys.stderr)',
        _stream("stdout", "accuracy 0.98\n"),
        _stream("stderr", "a warning\n"),
    ),
]


def test_nbval_ignores_stderr_and_checks_stdout(tmp_path):
    """One notebook of the cells above, twice: under this repository's conftest.py, and under nbval's
    defaults (the control: there the stderr cases fail, so passing is the conftest's doing)."""
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")  # not the repository's settings
    shutil.copy(REPO_ROOT / "tests" / "nbval_sanitize.cfg", tmp_path / "nbval_sanitize.cfg")
    notebook = nbformat.v4.new_notebook(cells=STDERR_DIFFERS + STDOUT_DIFFERS)
    for folder in ("repo_conftest", "nbval_defaults"):
        (tmp_path / folder).mkdir()
        nbformat.write(notebook, tmp_path / folder / "cells.ipynb")
    shutil.copy(REPO_ROOT / "conftest.py", tmp_path / "repo_conftest" / "conftest.py")
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-c", "pytest.ini", "--rootdir", ".", "-p", "no:cacheprovider"]
        + ["--nbval-lax", "--nbval-current-env", "--nbval-sanitize-with=nbval_sanitize.cfg", "-v"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    outcomes = {
        (folder, int(cell)): outcome
        for folder, cell, outcome in re.findall(r"(\w+)/cells\S*::Cell (\d+) (PASSED|FAILED)", result.stdout)
    }
    stdout_cell = len(STDERR_DIFFERS)
    expected = {("repo_conftest", i): "PASSED" for i in range(stdout_cell)}
    expected["repo_conftest", stdout_cell] = "FAILED"
    expected.update({("nbval_defaults", i): "FAILED" for i in range(stdout_cell + 1)})
    expected["nbval_defaults", stdout_cell - 1] = "PASSED"  # the sanitized address, stdout only
    assert outcomes == expected, result.stdout[-4000:] + result.stderr[-2000:]
    assert "accuracy 0.97" in result.stdout  # the stdout mismatch is what it reports
