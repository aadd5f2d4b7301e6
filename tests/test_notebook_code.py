"""The notebooks' code conventions (notebooks/README.md, "What goes in a cell, what goes in utils").

Rule 1, `standalone` cells. A code cell of notebooks/0*.ipynb tagged `standalone` runs as is, with nothing
but its own imports. Each one is written to a file and run by this Python (sys.executable) in a fresh
process whose working folder is an empty temporary folder outside the repository, with `utils` blocked
(``sys.modules["utils"] = None``, and no sys.path entry inside the repository) and nothing in the
environment but PATH, HOME, TF_CPP_MIN_LOG_LEVEL=3 and MPLBACKEND=Agg. IPython magics (``%...``,
``!...``) and ``get_ipython()`` are not plain Python: such a cell fails without being run. The processes
run two at a time in the background (NOTEBOOK_CODE_WORKERS to change it) while pytest reports them one
test per cell, with ids like ``03_lstm_classifier.ipynb#cell12`` (the cell's index in the notebook's
list of cells, from 0, markdown cells included). Notebooks 02-04 must have at least 6 standalone cells,
and every ``#@save`` cell must be tagged `standalone` too.
    Fix: import or define in the cell everything it uses (the failure shows the end of its stderr: a
    NameError is a variable of an earlier cell, a ModuleNotFoundError on `utils` a helper to write out);
    a cell that only *applies* a piece to MNIST should not carry the tag.

Rule 2, one source of truth. A code cell whose first line is ``#@save utils.<module>`` has a copy in
utils/<module>.py: every top-level ``def``, ``class`` (decorators included) and assignment to an
UPPER_CASE name of the cell is defined at the top level of the module with exactly the same text (both
parsed with ``ast``, the module is not imported), and preceded there by the comment line
``# Taught in notebooks/<notebook>.ipynb; ...``. The other way round, every top-level definition of
utils/*.py under such a comment is in a ``#@save utils.<module>`` cell of that notebook.
    Fix: change the code in one place, then paste it into the other. The failure names the definition,
    the cell and the module, with a unified diff (``-`` the notebook's text, ``+`` the module's).

Rule 3, public APIs only, in the code cells of notebooks/*.ipynb and in utils/, benchmarks/, tests/ and
conftest.py. The code is parsed with ``ast``, so strings and comments (this file's bad examples) are not
code. Reported:
  (a) Keras's and TensorFlow's implementation packages: importing, or reaching as an attribute,
      ``keras.src``, ``tensorflow.python`` (``tf.python``) or an underscore module of either
      (also through ``importlib.import_module("...")``);
  (b) an underscore attribute (``x._name``, or ``getattr/hasattr/setattr/delattr(x, "_name")``;
      dunders such as ``__name__`` are public) of a Keras or TensorFlow object. Without types, the
      receiver ``x`` decides:
      - reached from a keras/tensorflow import (``keras.ops._x``, ``tf.Variable(1)._handle``): reported;
      - ``self._x`` / ``cls._x``: the class's own attribute, fine, unless the class never sets or defines
        ``_x`` and Keras/TensorFlow use that name (so it is inherited from them): reported;
      - a name imported from this project (``data._gunzip`` with ``from utils import data``) or from
        another library (``IPyNbCell._ignores_stderr`` in conftest.py, an nbval class), followed by
        attributes only (no call): fine;
      - anything else (a variable, a parameter, ``model.optimizer``, the result of a call): reported
        when Keras or TensorFlow use ``_name`` as a private attribute or method, looked up in their
        installed sources (read as text, not imported), e.g.
        ``model.optimizer._model_variables_moving_average``.
    Fix: use the public API that does the same (e.g. ``optimizer.use_ema`` with the
    ``keras.callbacks.SwapEMAWeights`` callback instead of the optimizer's EMA variables); if the object
    is this project's, rename the attribute so that it does not look like Keras's.

Every rule is a small checker (paths or source text in, a list of problems out); the tests at the end
run each checker on deliberately broken copies, so that a checker that stops catching its case fails too.
"""

import ast
import difflib
import importlib.util
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import threading
import types
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parent.parent
STANDALONE = "standalone"
MIN_STANDALONE_CELLS = 6  # across notebooks 02-04 (README: the pipeline, the model, the LSTM step, ...)
CELL_TIMEOUT = 600  # seconds, per standalone cell
WORKERS = int(os.environ.get("NOTEBOOK_CODE_WORKERS", "2"))

SAVE_LINE = re.compile(r"^# ?@save (utils\.\w+)\b")  # `ruff format` writes `# @save`; d2l writes `#@save`
SAVE_START = re.compile(r"^# ?@save\b")
TAUGHT_LINE = re.compile(r"^# Taught in (notebooks/[\w.-]+\.ipynb)")
UPPER_CASE = re.compile(r"^[A-Z][A-Z0-9_]*$")
KERAS_TF = {"keras", "tensorflow", "tf_keras"}
ATTRIBUTE_FUNCTIONS = {"getattr", "hasattr", "setattr", "delattr"}


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


def _relative(path, root):
    path = Path(path)
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def code_cells(notebook, root=REPO):
    """The code cells of ``notebook`` (a path), numbered by their index among all its cells."""
    nb = nbformat.read(notebook, as_version=4)
    name = _relative(notebook, root)
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


# ------------------------------------------------------------------------------ rule 1: standalone
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


RUNNER = """\
import os, sys
sys.modules["utils"] = None  # the tutorial's helpers are blocked: `import utils` fails
repo, env = os.path.realpath(sys.argv[2]), os.path.realpath(sys.prefix)  # the venv may be in the repo


def inside(path, folder):
    return os.path.commonpath([folder, os.path.realpath(path or ".")]) == folder


sys.path[:] = [p for p in sys.path if not inside(p, repo) or inside(p, env)]
path = sys.argv[1]
with open(path, encoding="utf-8") as f:
    code = compile(f.read(), path, "exec")
sys.argv = [path]
exec(code, {"__name__": "__main__"})
"""

_LIVE = set()  # standalone processes still running, killed if the session ends first
_LIVE_LOCK = threading.Lock()
_STOP = threading.Event()  # set when the session ends: start no more processes


def _tail(text, lines=15):
    return "\n".join(text.rstrip().splitlines()[-lines:])


def run_standalone(source, label, timeout=CELL_TIMEOUT, root=REPO):
    """Run ``source`` on its own (see rule 1); return the problems: [] when it ran without error."""
    problems = plain_python_problems(source, label)
    if problems:
        return problems
    with tempfile.TemporaryDirectory(prefix="standalone-cell-") as tmp:
        cwd = Path(tmp, "work")  # the cell's working folder: empty
        cell_file = Path(tmp, "cell", re.sub(r"\W", "_", label.split("/")[-1]) + ".py")
        cwd.mkdir()
        cell_file.parent.mkdir()
        cell_file.write_text(source, encoding="utf-8")
        env = {"PATH": os.environ.get("PATH", ""), "TF_CPP_MIN_LOG_LEVEL": "3", "MPLBACKEND": "Agg"}
        if "HOME" in os.environ:
            env["HOME"] = os.environ["HOME"]
        command = [sys.executable, "-c", RUNNER, str(cell_file), str(root)]
        with _LIVE_LOCK:
            if _STOP.is_set():
                return [f"{label}: not run, the test session ended first"]
            process = subprocess.Popen(
                command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
            _LIVE.add(process)
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            stdout, stderr = process.communicate()
            output = textwrap.indent(_tail(stderr or stdout), "    ")
            return [f"{label}: standalone cell still running after {timeout} s, stopped:\n{output}"]
        finally:
            with _LIVE_LOCK:
                _LIVE.discard(process)
    if process.returncode == 0:
        return []
    output = _tail(stderr or stdout)
    hint = ""
    if "NameError" in output:
        hint = "\nIt uses a name from an earlier cell: import or define it in this cell."
    elif re.search(r"No module named 'utils\b|import of utils halted|'utils' is not a package", output):
        hint = "\nA standalone cell cannot use `utils`: write the code out in the cell."
    return [
        f"{label}: standalone cell fails when run on its own (exit code {process.returncode}; fresh Python, "
        f"empty folder, no `utils`):\n{textwrap.indent(output, '    ')}{hint}"
    ]


def _stop_standalone_runs():
    with _LIVE_LOCK:
        _STOP.set()
        for process in _LIVE:
            process.kill()


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
        f"{c.label}: a `#@save` cell must also be tagged `{STANDALONE}` "
        "(add the tag, and make it run on its own)"
        for c in cells
        if SAVE_START.match(c.source) and STANDALONE not in c.tags
    ]


# ------------------------------------------------------------------------- rule 2: #@save copies
@dataclass(frozen=True)
class Definition:
    name: str
    text: str  # the statement's source, from its first decorator to its end
    line: int  # where it starts (its first decorator)
    taught_in: str | None  # the notebook named by a "# Taught in ..." comment right above it


def top_level_definitions(source):
    """{name: Definition} of the top-level def, class and UPPER_CASE assignments of ``source``."""
    tree = ast.parse(source)
    lines = source.splitlines()
    found = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names = [node.name]
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [
                n.id
                for t in targets
                for n in ast.walk(t)
                if isinstance(n, ast.Name) and UPPER_CASE.match(n.id)
            ]
        else:
            continue
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        span = types.SimpleNamespace(
            lineno=start, col_offset=0, end_lineno=node.end_lineno, end_col_offset=node.end_col_offset
        )
        text = ast.get_source_segment(source, span)
        taught_in = None
        above = start - 2  # the comment lines right above the statement
        while above >= 0 and lines[above].startswith("#"):
            match = TAUGHT_LINE.match(lines[above])
            taught_in = taught_in or (match and match.group(1))
            above -= 1
        for name in names:
            found[name] = Definition(name, text, start, taught_in)
    return found


def _drift(name, cell_label, cell_text, module_label, module_text):
    diff = list(
        difflib.unified_diff(
            cell_text.splitlines(), module_text.splitlines(), cell_label, module_label, n=1, lineterm=""
        )
    )
    if len(diff) > 30:
        diff = diff[:30] + [f"... ({len(diff) - 30} more diff lines)"]
    note = ""
    if cell_text.split() == module_text.split():
        note = " (in white space only)"
    return (
        f"`{name}` differs between {cell_label} and {module_label}{note}; change one, paste it into the "
        "other:\n" + textwrap.indent("\n".join(diff), "    ")
    )


def _save_cells(notebook, root):
    """[(cell, module name or None when the #@save line is malformed)] of ``notebook``."""
    found = []
    for cell in code_cells(notebook, root):
        first = cell.source.split("\n", 1)[0]
        if SAVE_START.match(first):
            match = SAVE_LINE.match(first)
            found.append((cell, match.group(1).split(".", 1)[1] if match else None))
    return found


def saved_copy_problems(root=REPO):
    """Rule 2, both directions, for the notebooks and utils/ under ``root``."""
    root = Path(root)
    problems = []
    modules = {}  # module name -> its definitions, or None when the file is missing

    def module_definitions(module):
        if module not in modules:
            path = root / "utils" / f"{module}.py"
            modules[module] = (
                top_level_definitions(path.read_text(encoding="utf-8")) if path.exists() else None
            )
        return modules[module]

    # notebook -> module: every definition of a #@save cell is in the module, identical
    for notebook in lesson_notebooks(root):
        nb_label = _relative(notebook, root)
        for cell in code_cells(notebook, root):
            late = [n for n, line in enumerate(cell.source.splitlines()[1:], 2) if SAVE_START.match(line)]
            if late:
                problems.append(f"{cell.label}: `#@save` on line {late[0]}; it must be the cell's first line")
        for cell, module in _save_cells(notebook, root):
            if module is None:
                problems.append(
                    f"{cell.label}: malformed first line {cell.source.splitlines()[0]!r}; "
                    "write `#@save utils.<module>`"
                )
                continue
            module_label = f"utils/{module}.py"
            saved = module_definitions(module)
            if saved is None:
                problems.append(f"{cell.label}: `#@save utils.{module}`, but {module_label} does not exist")
                continue
            try:
                taught = top_level_definitions(cell.source)
            except SyntaxError as error:
                problems.append(f"{cell.label}: not valid Python (line {error.lineno}: {error.msg})")
                continue
            if not taught:
                problems.append(
                    f"{cell.label}: `#@save` cell without a top-level def, class or UPPER_CASE constant "
                    "to save"
                )
            for name, definition in taught.items():
                copy = saved.get(name)
                if copy is None:
                    problems.append(
                        f"`{name}` of {cell.label} (#@save utils.{module}) is missing from {module_label}: "
                        f"paste it there, under `# Taught in {nb_label}; ...`"
                    )
                    continue
                if copy.text != definition.text:
                    problems.append(_drift(name, cell.label, definition.text, module_label, copy.text))
                if copy.taught_in is None:
                    problems.append(
                        f"{module_label}:{copy.line}: `{name}` is the copy of {cell.label}; put the comment "
                        f"`# Taught in {nb_label}; the same code as there (tests/test_notebook_code.py).` "
                        "right above it"
                    )

    # module -> notebook: every definition marked "# Taught in ..." is in a #@save cell of that notebook
    for path in sorted((root / "utils").glob("*.py")):
        module, module_label = path.stem, f"utils/{path.name}"
        for name, definition in module_definitions(module).items():
            if definition.taught_in is None:
                continue
            where = (
                f"{module_label}:{definition.line}: `{name}` is marked `# Taught in {definition.taught_in}`"
            )
            notebook = root / definition.taught_in
            if not notebook.exists():
                problems.append(f"{where}, but that notebook does not exist")
                continue
            cells = [cell for cell, saved_to in _save_cells(notebook, root) if saved_to == module]
            matches = []
            for cell in cells:
                try:
                    taught = top_level_definitions(cell.source).get(name)
                except SyntaxError:
                    continue  # reported above
                if taught is not None:
                    matches.append((cell, taught))
            if not matches:
                problems.append(
                    f"{where}, but no `#@save utils.{module}` cell of that notebook defines it: add it to "
                    "such a cell (or remove the comment if the notebook no longer teaches it)"
                )
            for cell, taught in matches:
                if taught.text != definition.text:
                    problems.append(_drift(name, cell.label, taught.text, module_label, definition.text))
    return list(dict.fromkeys(problems))  # a drift found in both directions is reported once


# ------------------------------------------------------------------------ rule 3: public APIs only
_WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def _used_as_attribute(data, name):
    """Whether the source bytes ``data`` contain `.name` or `def name` (as a whole word)."""
    for prefix in (b".", b"def "):
        needle = prefix + name
        at = data.find(needle)
        while at != -1:
            end = at + len(needle)
            if end == len(data) or data[end] not in _WORD_BYTES:
                return True
            at = data.find(needle, at + 1)
    return False


@lru_cache(maxsize=None)
def keras_tf_private_names(names):
    """Which of ``names`` (a frozenset) Keras or TensorFlow use as an attribute or method name
    (`.name`, `def name`) in their installed sources, read as text, not imported."""
    pending, found = {n.encode() for n in names}, set()
    for package in sorted(KERAS_TF):
        spec = importlib.util.find_spec(package)  # a top-level package: found, not imported
        if spec is None or not spec.origin:
            continue
        for path in Path(spec.origin).parent.rglob("*.py"):
            if not pending:
                break
            data = path.read_bytes()
            for name in [n for n in pending if _used_as_attribute(data, n)]:
                found.add(name.decode())
                pending.discard(name)
    return frozenset(found)


def _is_private_name(name):
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _is_private_module(dotted):
    """keras.src..., tensorflow.python..., or an underscore module of keras/tensorflow."""
    parts = dotted.split(".")
    return parts[0] in KERAS_TF and any(p in {"src", "python"} or _is_private_name(p) for p in parts[1:])


def _origin_top(origin):
    return "." if origin.startswith(".") else origin.split(".")[0]


def import_bindings(trees):
    """{name: the module or object it was imported as} over all imports of ``trees`` (relative: '.')."""
    bindings = {}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        bindings[alias.asname] = alias.name
                    else:
                        top = alias.name.split(".")[0]
                        bindings[top] = top
            elif isinstance(node, ast.ImportFrom):
                module = "." * node.level + (node.module or "")
                for alias in node.names:
                    bindings[alias.asname or alias.name] = f"{module}.{alias.name}"
    return bindings


def _own_names(class_node):
    """What a class defines itself: its methods and class attributes, and every self.X / cls.X it sets."""
    names = set()
    for node in class_node.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name))
    for node in ast.walk(class_node):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.ctx, ast.Store)
            and isinstance(node.value, ast.Name)
            and node.value.id in {"self", "cls"}
        ):
            names.add(node.attr)
    return names


class _PrivateApiFinder(ast.NodeVisitor):
    """Collects findings: (problem, None) or, when it depends on the name, (problem, the name): such a
    problem stands only if Keras or TensorFlow use the name (looked up once for all, at the end)."""

    def __init__(self, label, bindings):
        self.label, self.bindings = label, bindings
        self.classes = []  # the own names of the enclosing classes, innermost last
        self.findings = []

    def report(self, node, message, if_keras_uses=None):
        code = ast.unparse(node)
        code = code if len(code) <= 90 else code[:87] + "..."
        self.findings.append((f"{self.label}:{node.lineno}: `{code}`: {message}", if_keras_uses))

    def report_module(self, node, dotted):
        package = "TensorFlow" if dotted.startswith("tensorflow") else "Keras"
        public = "tf.*" if package == "TensorFlow" else "keras.*"
        self.report(
            node,
            f"`{dotted}` is {package}'s implementation, not its API (it changes without notice); "
            f"use the public `{public}` API",
        )

    def dotted(self, node):
        """keras.src.backend for `keras.src.backend` when `keras` is an import; else None."""
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Name) and node.id in self.bindings:
            return ".".join([self.bindings[node.id], *reversed(parts)])
        return None

    def visit_ClassDef(self, node):
        self.classes.append(_own_names(node))
        self.generic_visit(node)
        self.classes.pop()

    def visit_Import(self, node):
        for alias in node.names:
            if _is_private_module(alias.name):
                self.report_module(node, alias.name)

    def visit_ImportFrom(self, node):
        if node.level == 0 and node.module:
            if _is_private_module(node.module):
                self.report_module(node, node.module)
                return
            for alias in node.names:
                if _is_private_module(f"{node.module}.{alias.name}"):
                    self.report_module(node, f"{node.module}.{alias.name}")

    def visit_Attribute(self, node):
        dotted = self.dotted(node)
        if dotted and _is_private_module(dotted):
            inner = self.dotted(node.value)
            if not (inner and _is_private_module(inner)):  # reported once, where it turns private
                self.report_module(node, dotted)
        elif _is_private_name(node.attr):
            self.check_private_attribute(node, node.value, node.attr)
        self.generic_visit(node)

    def visit_Call(self, node):
        func = node.func
        name = (
            func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        )
        first = node.args[0] if node.args else None
        second = node.args[1] if len(node.args) > 1 else None
        if (
            name in ATTRIBUTE_FUNCTIONS
            and isinstance(second, ast.Constant)
            and isinstance(second.value, str)
            and _is_private_name(second.value)
        ):
            self.check_private_attribute(node, first, second.value)
        if (
            name in {"import_module", "__import__"}
            and isinstance(first, ast.Constant)
            and isinstance(first.value, str)
            and _is_private_module(first.value)
        ):
            self.report_module(node, first.value)
        self.generic_visit(node)

    def check_private_attribute(self, node, receiver, attr):
        if isinstance(receiver, ast.Name) and receiver.id in {"self", "cls"}:
            own = self.classes[-1] if self.classes else set()
            if attr not in own:
                self.report(
                    node,
                    f"`{attr}` is not set by this class but is a private name of Keras/TensorFlow "
                    "(inherited from them?); use their public API",
                    if_keras_uses=attr,
                )
            return
        base, through_call = receiver, False
        while isinstance(base, (ast.Attribute, ast.Call, ast.Subscript)):
            through_call |= not isinstance(base, ast.Attribute)
            base = base.func if isinstance(base, ast.Call) else base.value
        origin = self.bindings.get(base.id) if isinstance(base, ast.Name) else None
        if origin and _origin_top(origin) in KERAS_TF:
            self.report(
                node, f"`{attr}` is a private attribute of a Keras/TensorFlow object; use their public API"
            )
        elif origin and not through_call:
            return  # an attribute of a module or object imported from this project or another library
        else:
            self.report(
                node,
                f"`{attr}` is a private attribute of Keras/TensorFlow objects; use their public API (if this "
                "object is not Keras's or TensorFlow's, give the attribute a name they do not use)",
                if_keras_uses=attr,
            )


def _parseable(source):
    """A notebook cell's source with IPython magic lines turned into `pass`; None for a %%cell magic."""
    if source.lstrip().startswith("%%"):
        return None
    lines = source.splitlines()
    for n, line in enumerate(lines):
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")):
            lines[n] = line[: len(line) - len(stripped)] + "pass"
    return "\n".join(lines)


def _private_api_findings(units):
    """The findings for ``units``: [(label, source)] parts of one file (a notebook's cells) that share
    their imports."""
    trees, findings = [], []
    for label, source in units:
        try:
            trees.append((label, ast.parse(source)))
        except SyntaxError as error:
            findings.append((f"{label}:{error.lineno}: cannot check for private APIs: {error.msg}", None))
    bindings = import_bindings([tree for _, tree in trees])
    for label, tree in trees:
        finder = _PrivateApiFinder(label, bindings)
        finder.visit(tree)
        findings += finder.findings
    return findings


def _problems(findings, private_names=None):
    """The findings that stand: ``private_names`` (default: looked up in Keras and TensorFlow) decides
    the ones that depend on a name."""
    if private_names is None:
        private_names = keras_tf_private_names(frozenset(name for _, name in findings if name))
    return [problem for problem, name in findings if name is None or name in private_names]


def private_api_problems(units, private_names=None):
    """Rule 3 for the parts of one file (see _private_api_findings): the problems, labelled `label:line`."""
    return _problems(_private_api_findings(units), private_names)


def private_api_scope(root=REPO):
    root = Path(root)
    files = [root / "conftest.py"] + [
        p for d in ("utils", "benchmarks", "tests") for p in (root / d).glob("*.py")
    ]
    return sorted(p for p in files if p.exists()) + sorted((root / "notebooks").glob("*.ipynb"))


def repo_private_api_problems(root=REPO, private_names=None):
    findings = []
    for path in private_api_scope(root):
        if path.suffix == ".ipynb":
            units = [(c.label, s) for c in code_cells(path, root) if (s := _parseable(c.source)) is not None]
        else:
            units = [(_relative(path, root), path.read_text(encoding="utf-8"))]
        findings += _private_api_findings(units)
    return _problems(findings, private_names)  # Keras and TensorFlow's sources are read once


# ===================================================================================== the real tests
STANDALONE_CELLS = standalone_cells()


@pytest.fixture(scope="module")
def standalone_runs(request):
    """Start every selected standalone cell in the background, WORKERS at a time: {cell id: Future}."""
    selected = {
        item.callspec.params["cell"].id
        for item in request.session.items
        if getattr(item, "originalname", None) == "test_standalone_cell_runs" and hasattr(item, "callspec")
    }
    _STOP.clear()
    pool = ThreadPoolExecutor(max_workers=max(1, WORKERS))
    futures = {
        cell.id: pool.submit(run_standalone, cell.source, cell.label)
        for cell in STANDALONE_CELLS
        if cell.id in selected
    }
    yield futures
    pool.shutdown(wait=False, cancel_futures=True)
    _stop_standalone_runs()  # after -x or Ctrl-C: kill what still runs
    pool.shutdown(wait=True)  # the threads return as soon as their process is gone
    _STOP.clear()  # tests that come later in this process (the runner's self-tests) may start processes again


# One pytest-xdist process runs them all: the fixture starts every selected cell at once, so a second
# process running some of them would start (and wait for) all of them a second time.
@pytest.mark.xdist_group("standalone-cells")
@pytest.mark.parametrize("cell", STANDALONE_CELLS, ids=[c.id for c in STANDALONE_CELLS])
def test_standalone_cell_runs(cell, standalone_runs):
    problems = standalone_runs[cell.id].result()
    assert not problems, "\n".join(problems)


def test_enough_standalone_cells():
    problems = standalone_count_problems()
    assert not problems, "\n".join(problems)


def test_save_cells_are_standalone():
    problems = save_cells_not_standalone([c for nb in lesson_notebooks() for c in code_cells(nb)])
    assert not problems, "\n".join(problems)


def test_saved_code_matches_utils():
    problems = saved_copy_problems()
    assert not problems, "#@save copies (see this file's docstring, rule 2):\n" + "\n\n".join(problems)


def test_public_apis_only():
    problems = repo_private_api_problems()
    assert not problems, "private APIs (see this file's docstring, rule 3):\n" + "\n".join(problems)


# ========================================================== the checkers catch what they must catch
def _notebook(path, *cells):
    """Write a notebook of code cells to ``path``; each cell is a source or (source, [tags])."""
    path.parent.mkdir(parents=True, exist_ok=True)
    code = [
        nbformat.v4.new_code_cell(c) if isinstance(c, str) else nbformat.v4.new_code_cell(c[0]) for c in cells
    ]
    for cell, spec in zip(code, cells):
        if not isinstance(spec, str):
            cell.metadata["tags"] = list(spec[1])
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 03 · Fake"), *code])
    nbformat.write(nb, path)
    return path


def test_runner_flags_a_name_from_an_earlier_cell(tmp_path):
    nb = _notebook(
        tmp_path / "notebooks" / "03_fake.ipynb",
        "SEED = 42",
        ("import random\n\nrandom.seed(SEED)\n", [STANDALONE]),
    )
    [cell] = standalone_cells(tmp_path)
    assert cell.label == "notebooks/03_fake.ipynb#cell2" and cell.id == "03_fake.ipynb#cell2"
    [problem] = run_standalone(cell.source, cell.label, timeout=60)
    assert "03_fake.ipynb#cell2" in problem and "NameError" in problem and "SEED" in problem, problem
    assert "earlier cell" in problem
    assert nb.exists()


@pytest.mark.parametrize(
    "source", ["import utils\n", "from utils.data import load_mnist\n", "import utils.lstm\n"]
)
def test_runner_blocks_utils(source):
    # the venv has this repository installed in editable mode: the runner must still keep `utils` out
    [problem] = run_standalone(source, "notebooks/03_fake.ipynb#cell4", timeout=60)
    assert "03_fake.ipynb#cell4" in problem and "utils" in problem and "cannot use `utils`" in problem, (
        problem
    )


def test_runner_flags_magics_without_running():
    for source in ["%matplotlib inline\nimport math\n", "!pip install keras\n", "x = 1\nget_ipython()\n"]:
        [problem] = run_standalone(source, "notebooks/04_fake.ipynb#cell7", timeout=60)
        assert "04_fake.ipynb#cell7" in problem and ("magic" in problem or "get_ipython" in problem), problem
    # a % inside a string or a comment is not a magic
    assert plain_python_problems('print("100 %")  # %matplotlib\n', "x") == []


def test_runner_passes_a_self_contained_cell_in_an_empty_folder_outside_the_repo():
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
        assert sys.executable == {sys.executable!r}
        assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "3" and os.environ["MPLBACKEND"] == "Agg"
        assert "SMOKE_TEST" not in os.environ and "PYTHONPATH" not in os.environ
        assert "os" in globals() and "repo" in globals() and "code" not in globals()  # only the cell's names
        """
    )
    assert run_standalone(source, "notebooks/02_fake.ipynb#cell3", timeout=60) == []


def test_standalone_count_and_save_tag_checkers(tmp_path):
    _notebook(tmp_path / "notebooks" / "01_fake.ipynb", *[("x = 1", [STANDALONE])] * 7)  # 01 does not count
    _notebook(
        tmp_path / "notebooks" / "03_fake.ipynb",
        ("def f():\n    return 1\n", [STANDALONE]),
        "#@save utils.fake\ndef g():\n    return 2\n",
    )
    [problem] = standalone_count_problems(tmp_path, minimum=6)
    assert "have 1 cells" in problem and "03_fake.ipynb#cell1" in problem, problem
    assert standalone_count_problems(tmp_path, minimum=1) == []
    cells = [c for nb in lesson_notebooks(tmp_path) for c in code_cells(nb, tmp_path)]
    assert save_cells_not_standalone(cells) == [
        "notebooks/03_fake.ipynb#cell2: a `#@save` cell must also be tagged `standalone` "
        "(add the tag, and make it run on its own)"
    ]


TAUGHT = "# Taught in notebooks/03_fake.ipynb; the same code as there (tests/test_notebook_code.py).\n"
SAVED_CELL = '''\
#@save utils.fake (the recipe)
import dataclasses

BATCH_SIZE = 256


@dataclasses.dataclass(frozen=True)
class Recipe:
    """A recipe."""

    epochs: int = 5


def scale(x, factor=2):
    """Multiply by ``factor``."""
    return x * factor


print(scale(BATCH_SIZE))  # not a definition: not copied
'''
FAKE_MODULE = f'''\
"""A module with copies of notebook 03's code."""

import dataclasses

{TAUGHT}BATCH_SIZE = 256


{TAUGHT}@dataclasses.dataclass(frozen=True)
class Recipe:
    """A recipe."""

    epochs: int = 5


{TAUGHT}def scale(x, factor=2):
    """Multiply by ``factor``."""
    return x * factor


def _helper():  # not marked: plumbing of the module's own
    return None
'''


def _fake_repo(tmp_path, cell=SAVED_CELL, module=FAKE_MODULE):
    _notebook(tmp_path / "notebooks" / "03_fake.ipynb", "SEED = 1", (cell, [STANDALONE]))
    (tmp_path / "utils").mkdir()
    (tmp_path / "utils" / "fake.py").write_text(module, encoding="utf-8")
    return tmp_path


def test_saved_copies_identical_pass(tmp_path):
    assert saved_copy_problems(_fake_repo(tmp_path)) == []
    definitions = top_level_definitions(FAKE_MODULE)
    assert definitions["Recipe"].text.startswith("@dataclasses.dataclass(frozen=True)\nclass Recipe:")
    assert definitions["Recipe"].taught_in == "notebooks/03_fake.ipynb"
    assert definitions["_helper"].taught_in is None


@pytest.mark.parametrize(
    "old, new, name",
    [
        ("return x * factor", "return x *factor", "scale"),  # one character, in the notebook
        ("BATCH_SIZE = 256", "BATCH_SIZE = 255", "BATCH_SIZE"),
        ("@dataclasses.dataclass(frozen=True)", "@dataclasses.dataclass(frozen=False)", "Recipe"),
        ('"""A recipe."""', '"""A recipe. """', "Recipe"),
    ],
)
def test_saved_copies_one_character_apart_fail(tmp_path, old, new, name):
    problems = saved_copy_problems(_fake_repo(tmp_path, cell=SAVED_CELL.replace(old, new)))
    assert len(problems) == 1, problems  # found in both directions, reported once
    [problem] = problems
    assert f"`{name}` differs between notebooks/03_fake.ipynb#cell2 and utils/fake.py" in problem, problem
    lines = [line.strip() for line in problem.splitlines()]
    assert any(line.startswith("-") and new in line for line in lines), problem  # the notebook's
    assert any(line.startswith("+") and old in line for line in lines), problem  # the module's


def test_saved_copy_missing_from_the_module_or_unmarked_fails(tmp_path):
    module = FAKE_MODULE.replace(f"{TAUGHT}def scale", "def rescale").replace(
        f"{TAUGHT}BATCH_SIZE", "BATCH_SIZE"
    )
    problems = saved_copy_problems(_fake_repo(tmp_path, module=module))
    assert any(
        p.startswith("`scale` of notebooks/03_fake.ipynb#cell2") and "missing from utils/fake.py" in p
        for p in problems
    )
    assert any(
        p.startswith("utils/fake.py:5: `BATCH_SIZE` is the copy of") and "# Taught in" in p for p in problems
    )
    assert len(problems) == 2, problems


def test_taught_definition_absent_from_the_notebook_fails(tmp_path):
    module = FAKE_MODULE + f"\n\n{TAUGHT}def extra():\n    return 3\n"
    [problem] = saved_copy_problems(_fake_repo(tmp_path, module=module))
    assert problem.startswith("utils/fake.py:28: `extra` is marked `# Taught in notebooks/03_fake.ipynb`"), (
        problem
    )
    assert "no `#@save utils.fake` cell" in problem
    # marked for a notebook that does not exist
    module = FAKE_MODULE + "\n\n# Taught in notebooks/09_gone.ipynb; the same code as there.\nX = 1\n"
    [problem] = saved_copy_problems(_fake_repo(tmp_path / "again", module=module))
    assert "`X` is marked `# Taught in notebooks/09_gone.ipynb`, but that notebook does not exist" in problem


def test_save_cell_naming_a_missing_module_or_malformed_fails(tmp_path):
    cell = SAVED_CELL.replace("#@save utils.fake", "#@save utils.nowhere")
    problems = saved_copy_problems(_fake_repo(tmp_path, cell=cell))
    assert problems[0] == (
        "notebooks/03_fake.ipynb#cell2: `#@save utils.nowhere`, but utils/nowhere.py does not exist"
    )
    # and the module's marked copies are now taught nowhere
    assert [p.split("`")[1] for p in problems[1:]] == ["BATCH_SIZE", "Recipe", "scale"], problems
    assert all("no `#@save utils.fake` cell of that notebook defines it" in p for p in problems[1:])

    cell = SAVED_CELL.replace("#@save utils.fake", "#@save fake")
    problems = saved_copy_problems(_fake_repo(tmp_path / "b", cell=cell))
    assert any("malformed first line '#@save fake (the recipe)'" in p for p in problems), problems
    problems = saved_copy_problems(_fake_repo(tmp_path / "c", cell="x = 1\n" + SAVED_CELL))
    assert any("`#@save` on line 2; it must be the cell's first line" in p for p in problems), problems


BAD_SOURCES = {
    "from keras.src.backend import x\n": "keras.src.backend",
    "import keras.src.backend as kb\n": "keras.src.backend",
    "from keras import src\n": "keras.src",
    "import keras\n\nprint(keras.src.backend.standardize_dtype)\n": "keras.src",
    "import tensorflow as tf\n\nprint(tf.python.ops)\n": "tensorflow.python",
    "from tensorflow.python.ops import array_ops\n": "tensorflow.python.ops",
    "import importlib\n\nimportlib.import_module('keras.src.backend')\n": "keras.src.backend",
    "averages = optimizer._model_variables_moving_average\n": "_model_variables_moving_average",
    "def f(model):\n    return model.optimizer._model_variables_moving_average\n": "optimizer._model_var",
    "x = getattr(optimizer, '_model_variables_moving_average', None)\n": "_model_variables_moving_average",
    "import keras\n\nkeras.layers.LSTM(4)._whatever\n": "_whatever",  # from a keras import: any name
    "class Bad(keras.callbacks.Callback):\n    def f(self):\n        return self._model\n": "_model",
}
GOOD_SOURCE = """\
import nbval.plugin
from nbval.plugin import IPyNbCell

import utils
from utils import data

text = "from keras.src.backend import x; optimizer._model_variables_moving_average"  # a string
data._gunzip(b"", "x")  # this project's private helper
utils.data._gunzip(b"", "x")
IPyNbCell._ignores_stderr = True  # our own flag on an nbval class
getattr(IPyNbCell, "_ignores_stderr", False)
nbval.plugin.IPyNbCell.__name__  # dunders are public
ax = None
getattr(ax, "_colorbar", None)  # not a name Keras or TensorFlow use


class Timer:
    def __init__(self):
        self._model = None  # its own attribute, even though Keras uses the name too

    def read(self):
        return self._model, self._model_variables_moving_average  # set below: its own
    _model_variables_moving_average = ()
"""


@pytest.mark.parametrize("source", list(BAD_SOURCES), ids=list(BAD_SOURCES.values()))
def test_private_api_checker_flags(source):
    problems = private_api_problems([("tests/test_fake.py", source)])
    assert len(problems) == 1, problems
    assert problems[0].startswith("tests/test_fake.py:") and BAD_SOURCES[source] in problems[0], problems


def test_private_api_checker_allows_the_projects_own_and_other_libraries_privates():
    assert private_api_problems([("x.py", GOOD_SOURCE)]) == []


def test_private_api_checker_on_a_notebook_and_a_repo_copy(tmp_path):
    # imports of one cell bind the names of the later ones; magics do not stop the check
    _notebook(
        tmp_path / "notebooks" / "04_fake.ipynb",
        "%matplotlib inline\nimport keras\nimport tensorflow as tf",
        "x = keras.src.backend\ny = 1",
        "if True:\n    !ls\nz = tf.Variable(1.0)._handle",
    )
    (tmp_path / "utils").mkdir()
    (tmp_path / "utils" / "model.py").write_text("from keras.src import backend\n", encoding="utf-8")
    (tmp_path / "conftest.py").write_text(GOOD_SOURCE, encoding="utf-8")
    problems = repo_private_api_problems(tmp_path)
    assert [p.split(": ")[0] for p in problems] == [
        "utils/model.py:1",
        "notebooks/04_fake.ipynb#cell2:1",
        "notebooks/04_fake.ipynb#cell3:3",
    ], problems
    assert "keras.src" in problems[1] and "_handle" in problems[2]


def test_keras_private_name_lookup():
    names = frozenset({"_model_variables_moving_average", "_ignores_stderr", "_colorbar", "_handle"})
    assert keras_tf_private_names(names) == {"_model_variables_moving_average", "_handle"}
    assert not _used_as_attribute(b"x._model_variables = 1\ndef _handles(): pass", b"_model")
    assert _used_as_attribute(b"x._model.y", b"_model") and _used_as_attribute(
        b"def _model(self):", b"_model"
    )
