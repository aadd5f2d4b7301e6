"""``python tools/sync.py``: the taught code in each notebook's companion, the Colab and Binder links and every
notebook's first code cell are generated, and ``--check`` fails when any of them is out of step, a hand edit
of a generated ``taught.py`` included."""

import re
import shutil
import tomllib

import nbformat
import pytest

import utils
from tools import sync

REPO_URL = "https://github.com/someone/lstm-mnist-tutorial"


def test_everything_generated_is_in_step():
    changed = sync.sync(check=True)
    assert changed == [], f"out of step: {changed}; run `python tools/sync.py`"


def test_every_notebook_has_its_companion_package():
    for path in sync.notebook_paths():
        package = utils.PACKAGE_DIR / sync.companion(path.name)
        assert (package / "__init__.py").is_file(), f"{path.name}: no utils/{package.name}/"
    companions = {sync.companion(p.name) for p in sync.notebook_paths()}
    packages = {p.parent.name for p in utils.PACKAGE_DIR.glob("*/__init__.py")}
    assert packages == companions, f"packages in utils/ that serve no notebook: {packages - companions}"


def test_every_notebook_opens_with_its_colab_link_and_the_find_utils_cell():
    repo_url = sync.repository_url()
    for path in sync.notebook_paths():
        nb = nbformat.read(path, as_version=4)
        assert f"[Open in Colab]({sync.colab_url(repo_url, path.name)})" in nb.cells[0].source, path.name
        first_code = next(c for c in nb.cells if c.cell_type == "code")
        assert sync.CELL_TAG in first_code.metadata.get("tags", []), f"{path.name}: not the first code cell"
        assert first_code.source == sync.FIND_UTILS_CELL.format(repo_url=repo_url).rstrip("\n")


def test_addresses():
    assert sync.colab_url(REPO_URL, "03_x.ipynb") == (
        "https://colab.research.google.com/github/someone/lstm-mnist-tutorial/blob/main/notebooks/03_x.ipynb"
    )
    assert sync.binder_url(REPO_URL) == (
        "https://mybinder.org/v2/gh/someone/lstm-mnist-tutorial/HEAD?urlpath=lab/tree/notebooks"
    )
    assert sync.companion("03_lstm_classifier.ipynb") == "lstm_classifier"
    with pytest.raises(ValueError, match="NN_<name>.ipynb"):
        sync.companion("teachers_guide.ipynb")


@pytest.mark.parametrize(
    "urls", ["", 'Repository = "http://example.org/x"', 'Homepage = "https://github.com/a/b"']
)
def test_repository_url_must_be_a_github_address(urls):
    with pytest.raises(ValueError, match=r"\[project.urls\] needs Repository"):
        sync.repository_url(f'[project]\nname = "x"\n[project.urls]\n{urls}\n')


def _notebook(title="# 07 · Test\n\n**What you will learn:** x.", *code):
    return nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell(title),
            nbformat.v4.new_markdown_cell("## Setup"),
            nbformat.v4.new_code_cell("import utils"),
            *(nbformat.v4.new_code_cell(source) for source in code),
        ]
    )


def test_synced_notebook_adds_the_link_and_the_cell_once():
    nb = sync.synced_notebook(_notebook(), "07_test.ipynb", REPO_URL)
    assert nb.cells[0].source == (
        f"# 07 · Test\n\n[Open in Colab]({sync.colab_url(REPO_URL, '07_test.ipynb')})\n\n"
        "**What you will learn:** x."
    )
    assert sync.CELL_TAG in nb.cells[2].metadata["tags"] and REPO_URL in nb.cells[2].source
    assert nb.cells[3].source == "import utils"
    again = sync.synced_notebook(nbformat.from_dict(nb), "07_test.ipynb", REPO_URL)
    assert nbformat.writes(again) == nbformat.writes(nb)  # idempotent

    moved = sync.synced_notebook(again, "07_test.ipynb", "https://github.com/other/place")
    assert "someone" not in nbformat.writes(moved) and len(moved.cells) == 4


def test_synced_notebook_needs_a_title():
    with pytest.raises(ValueError, match="first cell must be the markdown title"):
        sync.synced_notebook(_notebook("no heading"), "07_test.ipynb", REPO_URL)


def test_save_lines_say_where_the_code_goes():
    nb = sync.synced_notebook(
        _notebook("# 07 · Test", "#@save utils.old\nX = 1\n"), "07_test.ipynb", REPO_URL
    )
    assert nb.cells[-1].source == sync.SAVE_LINE.format(companion="test") + "\nX = 1\n"


def test_synced_readme_moves_every_link_and_names_what_is_missing():
    old = "https://github.com/old/repo"
    text = (
        f"| 01 | [A](notebooks/01_a.ipynb) | [Colab]({sync.colab_url(old, '01_a.ipynb')}) | x |\n"
        f"[Binder]({sync.binder_url(old)})\n"
    )
    new = sync.synced_readme(text, ["01_a.ipynb"], REPO_URL)
    assert "old/repo" not in new
    assert sync.colab_url(REPO_URL, "01_a.ipynb") in new and sync.binder_url(REPO_URL) in new
    with pytest.raises(ValueError, match="needs a \\[Colab\\].*02_b.ipynb"):
        sync.synced_readme(text, ["01_a.ipynb", "02_b.ipynb"], REPO_URL)
    with pytest.raises(ValueError, match="no Binder link"):
        sync.synced_readme(text.splitlines()[0], ["01_a.ipynb"], REPO_URL)


SAVED_CELL = '''# @save
import numpy as np

import keras

#: how far to look
WINDOW = 3


def widen(x):
    """A taught function."""
    return np.pad(x, WINDOW)


model = keras.Sequential()  # applying it stays in the notebook
'''


def test_taught_module_keeps_definitions_comments_and_the_imports_they_need(tmp_path):
    shutil.copy(utils.REPO_ROOT / "pyproject.toml", tmp_path)
    text = sync.taught_module(_notebook("# 07 · Test", "print(1)", SAVED_CELL), "07_test.ipynb", tmp_path)
    assert text.startswith('"""The code taught in the ``# @save`` cells of notebooks/07_test.ipynb')
    assert "import numpy as np\n\nimport utils\n\nutils.silence_tensorflow()\n" in text
    assert "import keras" not in text  # used only by what stays in the notebook
    assert "#: how far to look\nWINDOW = 3\n\n\ndef widen(x):" in text and "model =" not in text
    assert sync.taught_module(_notebook("# 07 · Test", "X = 1"), "07_test.ipynb", tmp_path) is None


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        (["# @save\ndef f(:\n"], r"#cell3: not valid Python \(line 2"),
        (["# @save\nprint('nothing to keep')\n"], "without a top-level def, class or UPPER_CASE"),
        (["# @save\ndef f():\n    return 1\n", "# @save\ndef f():\n    return 2\n"], "`f` is defined again"),
    ],
)
def test_taught_module_refuses_what_it_cannot_generate(tmp_path, cells, message):
    with pytest.raises(sync.SyncError, match=message):
        sync.taught_module(_notebook("# 07 · Test", *cells), "07_test.ipynb", tmp_path)


@pytest.fixture
def copy(tmp_path, monkeypatch):
    """A copy of what the command reads and writes, with a real address; the command works on it."""
    shutil.copytree(utils.REPO_ROOT / "notebooks", tmp_path / "notebooks")
    shutil.copytree(utils.PACKAGE_DIR, tmp_path / "utils", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(utils.REPO_ROOT / "README.md", tmp_path / "README.md")
    pyproject = (utils.REPO_ROOT / "pyproject.toml").read_text()
    pyproject = re.sub(r'Repository = "[^"]*"', f'Repository = "{REPO_URL}"', pyproject)
    (tmp_path / "pyproject.toml").write_text(pyproject)
    monkeypatch.setattr(sync, "REPO_ROOT", tmp_path)
    return tmp_path


def _files(root):
    return {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_command_rewrites_a_copy_and_check_reports_it(copy, capsys):
    # A README without a notebook's row: an error, and no file is touched, the notebooks included.
    readme = (copy / "README.md").read_text()
    without_row = "".join(line for line in readme.splitlines(keepends=True) if not line.startswith("| 01 |"))
    (copy / "README.md").write_text(without_row)
    before = _files(copy)
    assert sync.main([]) == 2
    assert "needs a [Colab]" in capsys.readouterr().err
    assert _files(copy) == before
    (copy / "README.md").write_text(readme)

    assert sync.main(["--check"]) == 1
    assert "out of step: README.md" in capsys.readouterr().out
    assert sync.main([]) == 0
    assert sync.main(["--check"]) == 0
    readme = (copy / "README.md").read_text()
    assert sync.binder_url(REPO_URL) in readme and "YOUR-GITHUB-ACCOUNT" not in readme


def test_a_hand_edit_of_taught_code_fails_the_check_and_the_notebook_wins(copy, capsys):
    assert sync.main([]) == 0  # the copy's new address written everywhere
    taught = copy / "utils" / "lstm_classifier" / "taught.py"
    generated = taught.read_text()
    taught.write_text(
        generated.replace("return 0.5 * (1.0 + np.tanh(0.5 * z))", "return 1 / (1 + np.exp(-z))")
    )
    capsys.readouterr()
    assert sync.main(["--check"]) == 1
    assert "out of step: utils/lstm_classifier/taught.py" in capsys.readouterr().out
    assert sync.main([]) == 0
    assert taught.read_text() == generated  # regenerated from the notebook: the hand edit is gone


def test_an_edit_in_the_notebook_reaches_the_companion(copy):
    sync.main([])
    path = copy / "notebooks" / "03_lstm_classifier.ipynb"
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in sync.save_cells(nb) if "def sigmoid(z):" in c.source)
    cell.source = cell.source.replace('"""The logistic function', '"""The logistic (S-shaped) function')
    nbformat.write(nb, path)
    assert sync.sync(check=True) == ["utils/lstm_classifier/taught.py"]
    sync.main([])
    assert (
        "The logistic (S-shaped) function" in (copy / "utils" / "lstm_classifier" / "taught.py").read_text()
    )


def test_a_notebook_without_its_companion_is_named_and_nothing_is_written(copy, capsys):
    shutil.copy(
        copy / "notebooks" / "05_why_an_lstm.ipynb", copy / "notebooks" / "06_your_own_sequences.ipynb"
    )
    before = _files(copy)
    assert sync.main([]) == 2
    assert "06_your_own_sequences.ipynb has no companion package: create utils/your_own_sequences/" in (
        capsys.readouterr().err
    )
    assert _files(copy) == before


def test_placeholder_address_is_announced(capsys):
    if sync.PLACEHOLDER_OWNER not in sync.repository_url():
        pytest.skip("the repository has its public address")
    sync.main(["--check"])
    assert "still the placeholder" in capsys.readouterr().err


def test_binder_builds_with_the_pinned_python():
    """repo2docker (Binder) reads requirements.txt and runtime.txt at the root; the pinned NumPy needs 3.11."""
    runtime = (utils.REPO_ROOT / "runtime.txt").read_text().strip()
    project = tomllib.loads((utils.REPO_ROOT / "pyproject.toml").read_text())["project"]
    assert runtime == "python-3.11"
    assert project["requires-python"] == ">=3.11"
    assert "-e ." in (utils.REPO_ROOT / "requirements.txt").read_text().splitlines()
