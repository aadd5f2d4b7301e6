"""The notebooks' `standalone` cells (notebooks/README.md): a code cell of notebooks/0*.ipynb tagged
`standalone` runs as is, with nothing but its own imports.

Each one is a test, with an id like ``03_lstm_classifier.ipynb#cell12`` (the cell's index in the notebook's
list of cells, from 0, markdown cells included). It is executed in this pytest process (so TensorFlow is
imported once per process, not once per cell), in a fresh namespace (no variable of an earlier cell
exists), with an empty temporary folder outside the repository as its working folder, `utils` blocked (an
import of it fails, even though the repository is installed in editable mode), no sys.path entry inside
the repository, and nothing in the environment but PATH, HOME, TF_CPP_MIN_LOG_LEVEL=3 and MPLBACKEND=Agg;
all of it is put back afterwards. IPython magics (``%...``, ``!...``) and ``get_ipython()`` are not plain
Python: such a cell fails without being run. Notebooks 02-04 must have at least 6 standalone cells, and
every ``# @save`` cell must be tagged `standalone` too.
    Fix: import or define in the cell everything it uses (a NameError is a variable of an earlier cell, an
    import error on `utils` a helper to write out); a cell that only *applies* a piece to MNIST should not
    carry the tag.

The checkers are small functions (source text or paths in, a list of problems out); the tests at the end
run them on deliberately broken cells, so that a checker that stops catching its case fails too.
Public APIs only is ruff's job (pyproject.toml; tests/test_lint_rules.py).
"""

import ast
import builtins
import importlib.abc
import linecache
import os
import re
import sys
import textwrap
import traceback
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parent.parent
STANDALONE = "standalone"
MIN_STANDALONE_CELLS = 6  # across notebooks 02-04 (README: the pipeline, the model, the LSTM step, ...)
SAVE_START = re.compile(r"^# ?@save\b")  # `ruff format` writes `# @save`; d2l writes `#@save`
BLOCKED = "utils"  # the tutorial's helpers


# ----------------------------------------------------------------------------------------- notebooks
@dataclass(frozen=True)
class Cell:
    """One code cell: where it is (``label``, e.g. notebooks/03_lstm_classifier.ipynb#cell12) and what."""

    notebook: Path
    index: int
    label: str
    source: str
    tags: tuple

    @property
    def id(self):
        return f"{self.notebook.name}#cell{self.index}"


def code_cells(notebook, root=REPO):
    """The code cells of ``notebook`` (a path), numbered by their index among all its cells."""
    nb = nbformat.read(notebook, as_version=4)
    name = Path(notebook).relative_to(root).as_posix()
    return [
        Cell(
            Path(notebook), i, f"{name}#cell{i}", cell.source, tuple(cell.get("metadata", {}).get("tags", ()))
        )
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
    ]


def lesson_notebooks(root=REPO):
    return sorted((Path(root) / "notebooks").glob("0*.ipynb"))


def standalone_cells(root=REPO):
    return [c for nb in lesson_notebooks(root) for c in code_cells(nb, root) if STANDALONE in c.tags]


# ------------------------------------------------------------------------------- the static checks
def plain_python_problems(source, label):
    """A standalone cell is plain Python: no IPython magic, no get_ipython(), nothing that does not parse."""
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        magics = [
            f"line {n}: {line.strip()}"
            for n, line in enumerate(source.splitlines(), 1)
            if line.lstrip().startswith(("%", "!"))
        ]
        if magics:
            return [
                f"{label}: IPython magic in a standalone cell ({'; '.join(magics)}); a standalone cell is "
                "plain Python: write the equivalent Python, or move the magic to another cell"
            ]
        return [f"{label}: not valid Python (line {error.lineno}: {error.msg})"]
    if any(isinstance(node, ast.Name) and node.id == "get_ipython" for node in ast.walk(tree)):
        return [f"{label}: get_ipython() in a standalone cell; a standalone cell is plain Python"]
    return []


def standalone_count_problems(root=REPO, minimum=MIN_STANDALONE_CELLS):
    notebooks = [nb for nb in lesson_notebooks(root) if nb.name[:2] in {"02", "03", "04"}]
    tagged = [c.id for nb in notebooks for c in code_cells(nb, root) if STANDALONE in c.tags]
    if len(tagged) >= minimum:
        return []
    return [
        f"notebooks 02-04 have {len(tagged)} cells tagged `{STANDALONE}` ({', '.join(tagged) or 'none'}); "
        f"the design asks for at least {minimum}: tag the cells that define the lesson's pieces (the "
        "tf.data pipeline, the model, the LSTM step and unroll, the recipe, the inspection model, the "
        "readout, saliency, occlusion, PCA)"
    ]


def save_cells_not_standalone(cells):
    return [
        f"{c.label}: a `# @save` cell must also be tagged `{STANDALONE}` "
        "(add the tag, and make it run on its own)"
        for c in cells
        if SAVE_START.match(c.source) and STANDALONE not in c.tags
    ]


# --------------------------------------------------------------------------------- running a cell
def _blocked(name):
    return name == BLOCKED or name.startswith(BLOCKED + ".")


class _BlockUtils(importlib.abc.MetaPathFinder):
    """First on sys.meta_path while a cell runs: `import utils` fails, whatever else could find it."""

    def find_spec(self, name, path=None, target=None):
        if _blocked(name):
            raise ModuleNotFoundError(f"No module named {name!r} (blocked: a standalone cell)", name=name)
        return None


def _inside(path, folder):
    path = os.path.realpath(path or ".")
    return os.path.commonpath([folder, path]) == folder


@contextmanager
def isolated(cwd, root=REPO):
    """While it lasts, this process looks to code like a fresh Python started in ``cwd`` (see the docstring
    at the top); everything is put back afterwards."""
    root, env = os.path.realpath(root), os.path.realpath(sys.prefix)  # the venv may be in the repository
    saved_path, saved_environ, saved_cwd = list(sys.path), dict(os.environ), os.getcwd()
    hidden = {name: module for name, module in sys.modules.items() if _blocked(name)}
    blocker = _BlockUtils()
    try:
        for name in hidden:
            del sys.modules[name]
        sys.meta_path.insert(0, blocker)
        sys.path[:] = [p for p in sys.path if not _inside(p, root) or _inside(p, env)]
        os.environ.clear()
        os.environ.update({k: saved_environ[k] for k in ("PATH", "HOME") if k in saved_environ})
        os.environ.update({"TF_CPP_MIN_LOG_LEVEL": "3", "MPLBACKEND": "Agg"})
        os.chdir(cwd)
        yield
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_environ)
        sys.path[:] = saved_path
        sys.meta_path.remove(blocker)
        for name in [name for name in sys.modules if _blocked(name)]:
            del sys.modules[name]
        sys.modules.update(hidden)


def _tail(text, lines=15):
    return "\n".join(text.rstrip().splitlines()[-lines:])


def run_standalone(source, label, cwd, root=REPO):
    """Run ``source`` on its own (see the docstring at the top) with ``cwd`` (an empty folder outside the
    repository) as its working folder; return the problems: [] when it ran without error."""
    problems = plain_python_problems(source, label)
    if problems:
        return problems
    linecache.cache[label] = (len(source), None, source.splitlines(keepends=True), label)  # for tracebacks
    namespace = {"__name__": "__main__", "__builtins__": builtins}
    try:
        with isolated(cwd, root):
            exec(compile(source, label, "exec"), namespace)
    except (Exception, SystemExit) as error:
        output = _tail("".join(traceback.format_exception(error)))
        hint = ""
        if isinstance(error, NameError):
            hint = "\nIt uses a name from an earlier cell: import or define it in this cell."
        elif isinstance(error, ImportError) and _blocked(error.name or ""):
            hint = "\nA standalone cell cannot use `utils`: write the code out in the cell."
        return [
            f"{label}: standalone cell fails when run on its own (fresh namespace, empty folder, no "
            f"`utils`):\n{textwrap.indent(output, '    ')}{hint}"
        ]
    finally:
        linecache.cache.pop(label, None)
        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close("all")
    return []


# ===================================================================================== the real tests
STANDALONE_CELLS = standalone_cells()


@pytest.mark.parametrize("cell", STANDALONE_CELLS, ids=[c.id for c in STANDALONE_CELLS])
def test_standalone_cell_runs(cell, tmp_path):
    problems = run_standalone(cell.source, cell.label, tmp_path)
    assert not problems, "\n".join(problems)


def test_enough_standalone_cells():
    problems = standalone_count_problems()
    assert not problems, "\n".join(problems)


def test_save_cells_are_standalone():
    problems = save_cells_not_standalone([c for nb in lesson_notebooks() for c in code_cells(nb)])
    assert not problems, "\n".join(problems)


# ========================================================== the checkers catch what they must catch
def _notebook(path, *cells):
    """Write a notebook of code cells to ``path``; each cell is a source or (source, [tags])."""
    path.parent.mkdir(parents=True, exist_ok=True)
    code = [nbformat.v4.new_code_cell(c if isinstance(c, str) else c[0]) for c in cells]
    for cell, spec in zip(code, cells):
        if not isinstance(spec, str):
            cell.metadata["tags"] = list(spec[1])
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 03 · Fake"), *code])
    nbformat.write(nb, path)
    return path


def test_runner_flags_a_name_from_an_earlier_cell(tmp_path):
    _notebook(
        tmp_path / "notebooks" / "03_fake.ipynb",
        ("SEED = 42\nprint(SEED)\n", [STANDALONE]),
        ("import random\n\nrandom.seed(SEED)\n", [STANDALONE]),
    )
    first, second = standalone_cells(tmp_path)
    assert second.label == "notebooks/03_fake.ipynb#cell2" and second.id == "03_fake.ipynb#cell2"
    (tmp_path / "work").mkdir()
    assert run_standalone(first.source, first.label, tmp_path / "work") == []  # it defines SEED ...
    [problem] = run_standalone(second.source, second.label, tmp_path / "work")  # ... for itself only
    assert "03_fake.ipynb#cell2" in problem and "NameError" in problem and "SEED" in problem, problem
    assert "random.seed(SEED)" in problem and "earlier cell" in problem, problem  # the line, the fix
    assert "SEED" not in globals() and "SEED" not in vars(builtins)


@pytest.mark.parametrize(
    "source",
    [
        "import utils\n",
        "from utils.data import load_mnist\n",
        "import utils.lstm_classifier\n",
        "import importlib\n\nimportlib.import_module('utils')\n",
    ],
)
def test_runner_blocks_utils(source, tmp_path):
    # the venv has this repository installed in editable mode, and this process has imported `utils`
    import utils

    [problem] = run_standalone(source, "notebooks/03_fake.ipynb#cell4", tmp_path)
    assert "03_fake.ipynb#cell4" in problem and "cannot use `utils`" in problem, problem
    assert sys.modules["utils"] is utils  # put back


def test_runner_flags_magics_without_running(tmp_path):
    for source in ["%matplotlib inline\nimport math\n", "!pip install keras\n", "x = 1\nget_ipython()\n"]:
        [problem] = run_standalone(source, "notebooks/04_fake.ipynb#cell7", tmp_path)
        assert "04_fake.ipynb#cell7" in problem and ("magic" in problem or "get_ipython" in problem), problem
    # a % inside a string or a comment is not a magic
    assert plain_python_problems('print("100 %")  # %matplotlib\n', "x") == []


def test_runner_passes_a_self_contained_cell_in_an_empty_folder_outside_the_repo(tmp_path):
    source = textwrap.dedent(
        f"""\
        import importlib.util
        import os
        import sys

        repo = {str(REPO)!r}
        assert os.listdir() == [], os.listdir()  # an empty working folder
        assert not os.getcwd().startswith(repo), os.getcwd()
        env = os.path.realpath(sys.prefix)  # the venv, which may live inside the repository
        assert not any(p.startswith(repo) and not p.startswith(env) for p in sys.path if p), sys.path
        assert importlib.util.find_spec("numpy") is not None  # the venv's packages are there
        assert "utils" not in sys.modules
        assert set(os.environ) <= {{"PATH", "HOME", "TF_CPP_MIN_LOG_LEVEL", "MPLBACKEND"}}, sorted(os.environ)
        assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "3" and os.environ["MPLBACKEND"] == "Agg"
        assert sorted(k for k in globals() if not k.startswith("__")) == ["env", "importlib", "os", "repo", "sys"]
        open("written-by-the-cell.txt", "w").close()
        """
    )
    before = (list(sys.path), dict(os.environ), os.getcwd(), list(sys.meta_path))
    assert run_standalone(source, "notebooks/02_fake.ipynb#cell3", tmp_path) == []
    assert (list(sys.path), dict(os.environ), os.getcwd(), list(sys.meta_path)) == before  # put back
    assert os.listdir(tmp_path) == ["written-by-the-cell.txt"]  # it ran there


def test_standalone_count_and_save_tag_checkers(tmp_path):
    _notebook(tmp_path / "notebooks" / "01_fake.ipynb", *[("x = 1", [STANDALONE])] * 7)  # 01 does not count
    _notebook(
        tmp_path / "notebooks" / "03_fake.ipynb",
        ("def f():\n    return 1\n", [STANDALONE]),
        "# @save\ndef g():\n    return 2\n",
    )
    [problem] = standalone_count_problems(tmp_path, minimum=6)
    assert "have 1 cells" in problem and "03_fake.ipynb#cell1" in problem, problem
    assert standalone_count_problems(tmp_path, minimum=1) == []
    cells = [c for nb in lesson_notebooks(tmp_path) for c in code_cells(nb, tmp_path)]
    assert save_cells_not_standalone(cells) == [
        "notebooks/03_fake.ipynb#cell2: a `# @save` cell must also be tagged `standalone` "
        "(add the tag, and make it run on its own)"
    ]
