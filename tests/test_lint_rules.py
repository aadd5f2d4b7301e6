"""Public APIs only, checked by ruff with the rules of pyproject.toml: TID251 bans Keras's and TensorFlow's
implementation packages (`keras.src`, `tensorflow.python`, ...), SLF001 reaching another object's
underscore attribute (`model._private_thing`). `ruff check .` runs them in CI over the .py files and the
notebooks; the tests below run them from `pytest` too, on the repository and on deliberately bad copies in a
temporary folder, so that a rule that stops firing (a renamed key, a rule left out of `select`) fails here.

Not caught by these rules (the project's former home-made checker caught them): an underscore name given as
a string (`getattr(x, "_name")`, `importlib.import_module("keras.src.backend")`), and `self._name` in a
subclass of a Keras class when the name is Keras's (an inherited private attribute).
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

REPO_ROOT = Path(__file__).resolve().parents[1]
PUBLIC_API_RULES = "TID251,SLF001"

BAD = {
    "implementation_import.py": ("from keras.src import ops\n\nprint(ops)\n", "TID251", "keras.src"),
    "attribute_reach.py": (
        "import tensorflow as tf\n\nprint(tf.python.ops)\n",
        "TID251",
        "tensorflow.python",
    ),
    "private_member.py": (
        "def averages(model):\n    return model._private_thing\n",
        "SLF001",
        "_private_thing",
    ),
    "ema.py": (
        "def f(optimizer):\n    return optimizer._model_variables_moving_average\n",
        "SLF001",
        "_model",
    ),
    "notebook.ipynb": (
        "%matplotlib inline\nimport tensorflow.python as tfp\n\nprint(tfp)\n",
        "TID251",
        "tensorflow.python",
    ),
}
CLEAN = """\
import keras
from keras import ops


class Clock(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self._seconds = []  # its own attribute

    def on_epoch_end(self, epoch, logs=None):
        self._seconds.append(float(ops.convert_to_numpy(ops.ones(()))))
"""


def _ruff(folder, *paths, select=None):
    """The problems ruff reports: [(file path relative to ``folder``, rule code, message)]."""
    command = [sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "json", "--exit-zero"]
    if select:
        command += ["--select", select]
    result = subprocess.run(command + list(paths), cwd=folder, capture_output=True, text=True, check=True)
    root = Path(folder).resolve()
    return [
        (Path(p["filename"]).relative_to(root).as_posix(), p["code"], p["message"])
        for p in json.loads(result.stdout)
    ]


def _write(path, source):
    if path.suffix == ".ipynb":
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)]), path)
    else:
        path.write_text(source, encoding="utf-8")


def test_each_private_api_is_reported_with_its_rule_and_a_clean_file_passes(tmp_path):
    shutil.copy(REPO_ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    for name, (source, _, _) in BAD.items():
        _write(tmp_path / name, source)
    _write(tmp_path / "clean.py", CLEAN)
    problems = _ruff(tmp_path, ".")
    for name, (_, code, what) in BAD.items():
        found = [(c, message) for file, c, message in problems if file == name]
        assert [c for c, _ in found] == [code], (name, problems)
        assert what in found[0][1], found
    assert [p for p in problems if p[0] == "clean.py"] == []
    banned = [message for _, code, message in problems if code == "TID251"]
    assert banned and all("public" in message for message in banned), banned  # says what to use instead


def test_the_repository_uses_public_apis_only():
    problems = _ruff(REPO_ROOT, ".", select=PUBLIC_API_RULES)
    assert problems == [], "private APIs (fix: the public API that does the same):\n" + "\n".join(
        f"{file}: {code} {message}" for file, code, message in problems
    )
