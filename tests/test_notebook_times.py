"""benchmarks/notebook_times.py: it times every code cell of a notebook in a fresh kernel, in the mode asked for,
without changing the notebook, and it names what it cannot find."""

import importlib.util

import nbformat
import pytest

import utils

SPEC = importlib.util.spec_from_file_location(
    "notebook_times", utils.REPO_ROOT / "benchmarks" / "notebook_times.py"
)
notebook_times = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(notebook_times)


@pytest.mark.parametrize("smoke", [False, True])
def test_times_each_code_cell_in_the_mode_asked_for(tmp_path, monkeypatch, smoke):
    monkeypatch.setenv("SMOKE_TEST", "0" if smoke else "1")  # the opposite: the script must override it
    path = tmp_path / "07_tiny.ipynb"
    check_mode = 'assert os.environ.get("SMOKE_TEST") == %r' % ("1" if smoke else None)
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# 07 · Tiny"),
            nbformat.v4.new_code_cell("import os, time\ntime.sleep(0.3)"),
            nbformat.v4.new_code_cell(f"\n{check_mode}\nprint('ran')"),  # first line: the first non-blank
        ]
    )
    nbformat.write(nb, path)
    before = path.read_text()

    total, cells, verdict = notebook_times.time_notebook(path, smoke=smoke)

    assert verdict is None  # no speed probe in this notebook
    assert [line for _, line in cells] == ["import os, time", check_mode]  # the code cells, in order
    assert cells[0][0] >= 0.3 and total >= sum(seconds for seconds, _ in cells)
    assert path.read_text() == before and sorted(p.name for p in tmp_path.iterdir()) == [path.name]
    assert notebook_times.os.environ.get("SMOKE_TEST") == ("0" if smoke else "1")  # restored


def test_selects_notebooks_by_number_and_names_a_wrong_one():
    assert [p.name[:2] for p in notebook_times.notebooks(["02", "04"])] == ["02", "04"]
    with pytest.raises(SystemExit, match="no notebook starts with 99"):
        notebook_times.notebooks(["99"])


def test_reports_the_speed_probe_verdict_of_a_notebook_that_has_one(tmp_path):
    path = tmp_path / "07_probed.ipynb"
    verdict = "This run took 12 s after the speed probe; it estimated 10 s (+20%)."
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# 07 · Probed"),
            nbformat.v4.new_code_cell(f"print('training...')\nprint({verdict!r})"),
        ]
    )
    nbformat.write(nb, path)
    assert notebook_times.time_notebook(path, smoke=True)[2] == verdict
