"""Every notebook's `parameters` cell holds plain values, so papermill can set them, and a papermill run works.

papermill injects a cell with the new values right after the cell tagged `parameters`. If that cell computed
sizes from the smoke switch itself (``EPOCHS = 1 if SMOKE_TEST else 5``), an injected ``SMOKE_TEST = True``
would come too late to change them. So the parameters cell may only assign literals, or a default read from the
environment (``os.environ.get("SMOKE_TEST", "0") == "1"``); derived values go in the next cell.
"""

import ast
import os

import nbformat
import pytest

import utils

NOTEBOOKS = sorted((utils.REPO_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _is_environment_default(node):
    """``os.environ.get("NAME", "literal")``, alone or compared with a literal."""
    if isinstance(node, ast.Compare) and len(node.comparators) == 1:
        return _is_environment_default(node.left) and isinstance(node.comparators[0], ast.Constant)
    return (
        isinstance(node, ast.Call)
        and ast.unparse(node.func) == "os.environ.get"
        and all(isinstance(arg, ast.Constant) for arg in node.args)
        and not node.keywords
    )


def parameter_problems(source, label):
    """What makes ``source`` (a parameters cell) unfit for papermill: a list of messages, empty when fine."""
    problems = []
    for statement in ast.parse(source).body:
        line = ast.get_source_segment(source, statement)
        if not (
            isinstance(statement, ast.Assign) and all(isinstance(t, ast.Name) for t in statement.targets)
        ):
            problems.append(f"{label}: `{line}` is not a plain assignment")
            continue
        try:
            ast.literal_eval(statement.value)
        except ValueError:
            if not _is_environment_default(statement.value):
                problems.append(
                    f"{label}: `{line}` computes its value; keep plain values here and move it to the next cell"
                )
    return problems


def parameters_cells(notebook):
    return [cell for cell in notebook.cells if "parameters" in cell.metadata.get("tags", [])]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_one_parameters_cell_with_plain_values(path):
    notebook = nbformat.read(path, as_version=4)
    cells = parameters_cells(notebook)
    assert len(cells) == 1, f"{path.name}: {len(cells)} cells tagged `parameters`, expected exactly one"
    assert parameter_problems(cells[0].source, path.name) == []
    assert "SMOKE_TEST" in cells[0].source


def test_the_check_rejects_derived_values_and_accepts_plain_ones():
    good = 'SMOKE_TEST = os.environ.get("SMOKE_TEST", "0") == "1"\nSEED = 42\nINDICES = [3, 2]\nOWN = False\n'
    assert parameter_problems(good, "good") == []
    bad = "EPOCHS = 1 if SMOKE_TEST else 5\nimport os\nSIZE = len(INDICES)\n"
    problems = parameter_problems(bad, "bad")
    assert len(problems) == 3
    assert "`EPOCHS = 1 if SMOKE_TEST else 5` computes its value" in problems[0]
    assert "`import os` is not a plain assignment" in problems[1]


def test_papermill_sets_the_smoke_switch(tmp_path, monkeypatch):
    import papermill  # pinned in requirements.txt

    monkeypatch.setenv("SMOKE_TEST", "0")  # the notebook's own default would be a full run
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "3")
    source = utils.REPO_ROOT / "notebooks" / "02_rows_as_a_sequence.ipynb"
    output = tmp_path / "out.ipynb"
    papermill.execute_notebook(
        str(source),
        str(output),
        parameters={"SMOKE_TEST": True},
        cwd=str(source.parent),
        kernel_name="python3",
        progress_bar=False,
    )
    executed = nbformat.read(output, as_version=4)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "SMOKE_TEST = True" in injected[0].source
    printed = "".join(
        out.get("text", "") for cell in executed.cells if cell.cell_type == "code" for out in cell.outputs
    )
    assert "1000 images in 8 batches" in printed  # the smoke-sized pipeline ran, not the full 55,000
    assert os.environ["SMOKE_TEST"] == "0"
