"""The Colab and Binder links and every notebook's first code cell follow the one address in pyproject.toml
(``python -m utils.links``), and Binder can build the repository."""

import re
import shutil
import tomllib

import nbformat
import pytest

import utils
from utils import links

REPO_URL = "https://github.com/someone/lstm-mnist-tutorial"


def test_readme_and_notebooks_are_in_step_with_pyproject():
    changed = links.sync(check=True)
    assert changed == [], f"out of step with pyproject.toml: {changed}; run `python -m utils.links`"


def test_every_notebook_opens_with_its_colab_link_and_the_find_utils_cell():
    repo_url = links.repository_url()
    for path in links.notebook_paths():
        nb = nbformat.read(path, as_version=4)
        assert f"[Open in Colab]({links.colab_url(repo_url, path.name)})" in nb.cells[0].source, path.name
        first_code = next(c for c in nb.cells if c.cell_type == "code")
        assert links.CELL_TAG in first_code.metadata.get("tags", []), f"{path.name}: not the first code cell"
        assert first_code.source == links.FIND_UTILS_CELL.format(repo_url=repo_url).rstrip("\n")


def test_addresses():
    assert links.colab_url(REPO_URL, "03_x.ipynb") == (
        "https://colab.research.google.com/github/someone/lstm-mnist-tutorial/blob/main/notebooks/03_x.ipynb"
    )
    assert links.binder_url(REPO_URL) == (
        "https://mybinder.org/v2/gh/someone/lstm-mnist-tutorial/HEAD?urlpath=lab/tree/notebooks"
    )


@pytest.mark.parametrize(
    "urls", ["", 'Repository = "http://example.org/x"', 'Homepage = "https://github.com/a/b"']
)
def test_repository_url_must_be_a_github_address(urls):
    with pytest.raises(ValueError, match=r"\[project.urls\] needs Repository"):
        links.repository_url(f'[project]\nname = "x"\n[project.urls]\n{urls}\n')


def _notebook(title="# 07 · Test\n\n**What you will learn:** x."):
    return nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell(title),
            nbformat.v4.new_markdown_cell("## Setup"),
            nbformat.v4.new_code_cell("import utils"),
        ]
    )


def test_synced_notebook_adds_the_link_and_the_cell_once():
    nb = links.synced_notebook(_notebook(), "07_test.ipynb", REPO_URL)
    assert nb.cells[0].source == (
        f"# 07 · Test\n\n[Open in Colab]({links.colab_url(REPO_URL, '07_test.ipynb')})\n\n"
        "**What you will learn:** x."
    )
    assert links.CELL_TAG in nb.cells[2].metadata["tags"] and REPO_URL in nb.cells[2].source
    assert nb.cells[3].source == "import utils"
    again = links.synced_notebook(nbformat.from_dict(nb), "07_test.ipynb", REPO_URL)
    assert nbformat.writes(again) == nbformat.writes(nb)  # idempotent

    moved = links.synced_notebook(again, "07_test.ipynb", "https://github.com/other/place")
    assert "someone" not in nbformat.writes(moved) and len(moved.cells) == 4


def test_synced_notebook_needs_a_title():
    with pytest.raises(ValueError, match="first cell must be the markdown title"):
        links.synced_notebook(_notebook(title="no heading"), "07_test.ipynb", REPO_URL)


def test_synced_readme_moves_every_link_and_names_what_is_missing():
    old = "https://github.com/old/repo"
    text = (
        f"| 01 | [A](notebooks/01_a.ipynb) | [Colab]({links.colab_url(old, '01_a.ipynb')}) | x |\n"
        f"[Binder]({links.binder_url(old)})\n"
    )
    new = links.synced_readme(text, ["01_a.ipynb"], REPO_URL)
    assert "old/repo" not in new
    assert links.colab_url(REPO_URL, "01_a.ipynb") in new and links.binder_url(REPO_URL) in new
    with pytest.raises(ValueError, match="needs a \\[Colab\\].*02_b.ipynb"):
        links.synced_readme(text, ["01_a.ipynb", "02_b.ipynb"], REPO_URL)
    with pytest.raises(ValueError, match="no Binder link"):
        links.synced_readme(text.splitlines()[0], ["01_a.ipynb"], REPO_URL)


def test_command_rewrites_a_copy_and_check_reports_it(tmp_path, monkeypatch, capsys):
    shutil.copytree(utils.REPO_ROOT / "notebooks", tmp_path / "notebooks")
    shutil.copy(utils.REPO_ROOT / "README.md", tmp_path / "README.md")
    pyproject = (utils.REPO_ROOT / "pyproject.toml").read_text()
    pyproject = re.sub(r'Repository = "[^"]*"', f'Repository = "{REPO_URL}"', pyproject)
    (tmp_path / "pyproject.toml").write_text(pyproject)
    monkeypatch.setattr(utils, "REPO_ROOT", tmp_path)

    # A README without a notebook's row: an error, and no file is touched, the notebooks included.
    readme = (tmp_path / "README.md").read_text()
    without_row = "".join(line for line in readme.splitlines(keepends=True) if not line.startswith("| 01 |"))
    (tmp_path / "README.md").write_text(without_row)
    notebooks_before = {p: p.read_text() for p in (tmp_path / "notebooks").glob("*.ipynb")}
    assert links.main([]) == 2
    assert "needs a [Colab]" in capsys.readouterr().err
    assert {p: p.read_text() for p in notebooks_before} == notebooks_before
    (tmp_path / "README.md").write_text(readme)

    assert links.main(["--check"]) == 1
    assert "out of step with pyproject.toml: README.md" in capsys.readouterr().out
    assert links.main([]) == 0
    assert links.main(["--check"]) == 0
    readme = (tmp_path / "README.md").read_text()
    assert links.binder_url(REPO_URL) in readme and "YOUR-GITHUB-ACCOUNT" not in readme


def test_placeholder_address_is_announced(capsys):
    if links.PLACEHOLDER_OWNER not in links.repository_url():
        pytest.skip("the repository has its public address")
    links.main(["--check"])
    assert "still the placeholder" in capsys.readouterr().err


def test_binder_builds_with_the_pinned_python():
    """repo2docker (Binder) reads requirements.txt and runtime.txt at the root; the pinned NumPy needs 3.11."""
    runtime = (utils.REPO_ROOT / "runtime.txt").read_text().strip()
    project = tomllib.loads((utils.REPO_ROOT / "pyproject.toml").read_text())["project"]
    assert runtime == "python-3.11"
    assert project["requires-python"] == ">=3.11"
    assert "-e ." in (utils.REPO_ROOT / "requirements.txt").read_text().splitlines()
