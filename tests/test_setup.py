"""Every notebook's first code cell (``tools.sync.FIND_UTILS_CELL``) and ``utils.check_setup``: where the
series' code is not installed, on Colab and elsewhere; a foreign ``utils`` that hides ours; a copy installed by
``pip install .``; the JupyterHub kernel registration the README gives.

"A fresh environment without the project" is a new virtual environment whose only link to the pinned libraries
is a ``.pth`` line naming this environment's site-packages: the libraries import, the project's editable install
(its own ``.pth`` there) is not processed, so ``import utils`` fails, as on a machine that never installed it.
"""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import nbformat
import pytest

import utils
from tools import sync as links

FIND_UTILS = links.FIND_UTILS_CELL.format(repo_url=links.repository_url())


def _environment(**extra):
    """os.environ without anything that would let a subprocess find this repository by accident."""
    env = {
        k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "TUTORIAL_SOURCE", "MNIST_DATA_DIR")
    }
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def bare_env(tmp_path_factory):
    """A venv with the pinned libraries and without this project. Returns its python."""
    root = tmp_path_factory.mktemp("bare-env")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    python = root / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(purelib) / "pinned_libraries.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    probe = subprocess.run(
        [
            python,
            "-c",
            "import numpy, nbconvert, ipykernel, importlib.util as u; print(u.find_spec('utils'))",
        ],
        capture_output=True,
        text=True,
        env=_environment(),
        cwd=root,
    )
    assert probe.stdout.strip() == "None", probe.stdout + probe.stderr
    return python


def _run_cell(python, cwd, code=FIND_UTILS, **env):
    return subprocess.run(
        [python, "-c", code], cwd=cwd, capture_output=True, text=True, env=_environment(**env), timeout=120
    )


def test_without_the_package_the_cell_says_what_to_run(bare_env, tmp_path):
    result = _run_cell(bare_env, tmp_path)
    assert result.returncode != 0
    assert "ModuleNotFoundError: No module named 'utils'" in result.stderr
    assert "pip install -r requirements.txt" in result.stderr and str(bare_env) in result.stderr


def test_a_utils_py_next_to_the_notebook_is_named(tmp_path):
    (tmp_path / "utils.py").write_text("def helper():\n    return 1\n")
    result = _run_cell(sys.executable, tmp_path)
    assert result.returncode != 0
    assert f"`import utils` found {tmp_path / 'utils.py'}, which is not this series' package" in result.stderr
    assert "Rename that file" in result.stderr


def test_an_installed_foreign_utils_package_is_named(tmp_path):
    site = tmp_path / "site-packages"
    (site / "utils").mkdir(parents=True)
    (site / "utils" / "__init__.py").write_text('"""PyPI\'s utils: assorted helpers."""\n')
    result = _run_cell(sys.executable, tmp_path, PYTHONPATH=str(site))
    assert result.returncode != 0
    assert (
        f"found {site / 'utils' / '__init__.py'}" in result.stderr and "pip uninstall utils" in result.stderr
    )


def test_our_package_passes_quietly():
    result = _run_cell(sys.executable, utils.REPO_ROOT / "notebooks")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""


def test_colab_missing_libraries_are_the_pinned_missing_ones():
    requirements = (
        "tensorflow==2.21.0  # comment\nkeras==3.15.1\nnumpy==2.4.6\nmatplotlib==3.11.2\njupyter==1\n"
    )
    assert utils.missing_libraries(requirements, importable=lambda name: True) == []
    missing = utils.missing_libraries(requirements, importable=lambda name: name in ("numpy", "matplotlib"))
    assert missing == ["tensorflow==2.21.0", "keras==3.15.1"]  # never jupyter or ipykernel
    with pytest.raises(utils.SetupError, match="pins no version of keras"):
        utils.missing_libraries("tensorflow==2\nnumpy==2\nmatplotlib==3\n")


def test_the_repository_pins_every_notebook_library():
    assert utils.missing_libraries((utils.REPO_ROOT / "requirements.txt").read_text()) == []


def test_check_setup_on_colab_with_nothing_missing_installs_nothing(capsys):
    utils.check_setup(on_colab=True)
    assert capsys.readouterr().out == ""


def test_check_setup_names_missing_data(monkeypatch, tmp_path):
    monkeypatch.delenv("MNIST_DATA_DIR", raising=False)
    monkeypatch.setattr(utils, "DATA_DIR", tmp_path / "nowhere")
    with pytest.raises(utils.SetupError, match="Missing from the repository: .*nowhere.*git checkout"):
        utils.check_setup(on_colab=False)


@pytest.fixture(scope="module")
def installed_copy(tmp_path_factory):
    """What ``pip install .`` leaves in site-packages: a copy of the ``utils`` folder and nothing else of the
    repository (made by copying, so the test needs neither the network nor a build backend)."""
    target = tmp_path_factory.mktemp("site-packages")
    shutil.copytree(utils.PACKAGE_DIR, target / "utils", ignore=shutil.ignore_patterns("__pycache__"))
    return target


CHECK = "import utils; utils.check_setup(); print(utils.REPO_ROOT)"


def test_a_copy_installed_by_pip_finds_the_repository_it_runs_in(installed_copy):
    result = _run_cell(sys.executable, utils.REPO_ROOT / "notebooks", CHECK, PYTHONPATH=str(installed_copy))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(utils.REPO_ROOT)


def test_a_copy_installed_by_pip_outside_a_clone_says_why_and_what_to_do(installed_copy, tmp_path):
    result = _run_cell(sys.executable, tmp_path, CHECK, PYTHONPATH=str(installed_copy))
    assert result.returncode != 0
    assert "utils.SetupError" in result.stderr
    assert f"a copy installed at {installed_copy / 'utils'} (by `pip install .`)" in result.stderr
    assert "pip install -e ." in result.stderr and "MNIST_DATA_DIR" in result.stderr


def _snapshot_of_the_repository(folder):
    """A git repository holding the files of this working tree that git tracks (committed or not)."""
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=utils.REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout.split("\0")
    for name in filter(None, files):
        source = utils.REPO_ROOT / name
        if source.is_file():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, folder / name)
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@localhost", "-C", str(folder)]
    subprocess.run(git + ["init", "--quiet"], check=True)
    subprocess.run(git + ["add", "--all"], check=True)
    subprocess.run(git + ["commit", "--quiet", "--message", "snapshot"], check=True)


def test_on_colab_the_notebook_fetches_the_repository_and_runs_to_the_end(bare_env, tmp_path):
    """Colab as this test can make it: a kernel without the project, where ``google.colab`` is loaded
    (a sitecustomize in the bare environment), the repository fetched from a local clone (no network)."""
    source, work = tmp_path / "source", tmp_path / "work"
    source.mkdir()
    work.mkdir()
    _snapshot_of_the_repository(source)
    purelib = next((bare_env.parent.parent / "lib").glob("python3*/site-packages"))
    (purelib / "sitecustomize.py").write_text(
        textwrap.dedent(
            """\
            import sys, types
            sys.modules.setdefault("google.colab", types.ModuleType("google.colab"))  # pretend to be Colab
            """
        )
    )
    try:
        notebook = work / "01_loading_mnist.ipynb"
        shutil.copy(utils.REPO_ROOT / "notebooks" / notebook.name, notebook)
        env = _environment(
            TUTORIAL_SOURCE=str(source),
            SMOKE_TEST="1",
            PATH=f"{bare_env.parent}{os.pathsep}{os.environ.get('PATH', '')}",
            JUPYTER_PATH="",
        )
        result = subprocess.run(
            [bare_env, "-m", "nbconvert", "--to", "notebook", "--execute", "--output", "executed.ipynb"]
            + [str(notebook)],
            cwd=work,
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )
    finally:
        (purelib / "sitecustomize.py").unlink()
    assert result.returncode == 0, result.stderr[-3000:]
    clone = work / "lstm-mnist-tutorial"
    assert (clone / "utils" / "__init__.py").is_file() and (clone / "data" / "mnist").is_dir()
    executed = nbformat.read(work / "executed.ipynb", as_version=4)
    errors = [
        o for c in executed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]
    assert not errors
    assert all(c.execution_count for c in executed.cells if c.cell_type == "code" and c.source.strip())


def test_readme_kernel_registration_names_this_environment(tmp_path):
    """The README's command for a JupyterHub, with --prefix instead of --user to stay in a temp folder."""
    readme = (utils.REPO_ROOT / "README.md").read_text()
    command = "python -m ipykernel install --user --name lstm-mnist --display-name"
    assert command in readme
    subprocess.run(
        [sys.executable, "-m", "ipykernel", "install", "--prefix", str(tmp_path), "--name", "lstm-mnist"]
        + ["--display-name", "Python (LSTM on MNIST)"],
        check=True,
        capture_output=True,
    )
    spec = json.loads((tmp_path / "share" / "jupyter" / "kernels" / "lstm-mnist" / "kernel.json").read_text())
    assert spec["display_name"] == "Python (LSTM on MNIST)"
    assert spec["argv"][0] == sys.executable
