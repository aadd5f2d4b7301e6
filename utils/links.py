"""Keep the "Open in Colab" and Binder links, and every notebook's first code cell, in step with the
repository's public address, which lives in one place: ``[project.urls] Repository`` in pyproject.toml.

    python -m utils.links           # rewrite README.md and the notebooks from pyproject.toml
    python -m utils.links --check   # exit 1 and name what is out of step (tests/test_links.py runs this)

What it writes:

* in each notebook's title cell, a line ``[Open in Colab](https://colab.research.google.com/github/...)``;
* in the README's table of notebooks, a ``[Colab](...)`` link per notebook, and the README's Binder link;
* each notebook's first code cell, :data:`FIND_UTILS_CELL` with the address filled in: it finds this
  series' ``utils`` package, fetches the repository on Colab, and stops elsewhere with what to run.

Until the project has a public home, the address is a placeholder (:data:`PLACEHOLDER_OWNER`); the command
then warns, and the links lead nowhere. Set the address, run the command, commit.
"""

import argparse
import re
import sys
import tomllib

import nbformat

import utils

#: The account part of the placeholder address in pyproject.toml.
PLACEHOLDER_OWNER = "YOUR-GITHUB-ACCOUNT"
#: The branch the Colab links open.
BRANCH = "main"
#: The tag of every notebook's first code cell (the test and this command find it by the tag).
CELL_TAG = "find-utils"

FIND_UTILS_CELL = """\
# Find this series' `utils` package. Installed (README, "Quick start"): nothing to do. On Google Colab:
# fetch the repository and install only what Colab lacks. Anywhere else: stop and say what to run.
import importlib.util
import os
import subprocess
import sys

REPO_URL = "{repo_url}"  # made from pyproject.toml by `python -m utils.links`
if "google.colab" in sys.modules and importlib.util.find_spec("utils") is None:
    clone = os.path.abspath("lstm-mnist-tutorial")
    if not os.path.isdir(clone):  # TUTORIAL_SOURCE: fetch from another address or a local clone instead
        source = os.environ.get("TUTORIAL_SOURCE", REPO_URL)
        subprocess.run(["git", "clone", "--quiet", "--depth=1", source, clone], check=True)
    sys.path.insert(0, clone)
if importlib.util.find_spec("utils") is None:
    raise ModuleNotFoundError(
        f"No module named 'utils': this kernel's Python ({{sys.executable}}) lacks this series' package. "
        "In a terminal, in the repository's folder, run `pip install -r requirements.txt` with that Python, "
        "or switch to the kernel of the environment you installed it into (README, 'Run it on a "
        "JupyterHub'). Then restart the kernel."
    )
import utils

if not hasattr(utils, "check_setup"):  # a utils.py of your own, or PyPI's `utils`, came first
    found = getattr(utils, "__file__", None) or list(utils.__path__)
    raise ImportError(
        f"`import utils` found {{found}}, which is not this series' package and hides it. Rename that file "
        "(e.g. to my_utils.py), or if it is an installed package, `pip uninstall utils`. Restart the kernel."
    )
utils.check_setup()  # on Colab, installs what is missing; everywhere, checks the data and weights are there
"""


def repository_url(pyproject_text=None):
    """``[project.urls] Repository`` from pyproject.toml: ``https://github.com/<owner>/<name>``."""
    if pyproject_text is None:
        pyproject_text = (utils.REPO_ROOT / "pyproject.toml").read_text()
    urls = tomllib.loads(pyproject_text).get("project", {}).get("urls", {})
    url = urls.get("Repository", "").rstrip("/")
    if not re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", url):
        raise ValueError(
            'pyproject.toml: [project.urls] needs Repository = "https://github.com/<owner>/<name>" '
            f"(the Colab and Binder links are made from it), got {url or 'nothing'!r}"
        )
    return url


def colab_url(repo_url, notebook_name):
    """The address that opens ``notebooks/<notebook_name>`` of ``repo_url`` on Google Colab."""
    owner_and_name = repo_url.removeprefix("https://github.com/")
    return (
        f"https://colab.research.google.com/github/{owner_and_name}/blob/{BRANCH}/notebooks/{notebook_name}"
    )


def binder_url(repo_url):
    """The address that starts the repository on mybinder.org, in JupyterLab's notebooks/ folder."""
    owner_and_name = repo_url.removeprefix("https://github.com/")
    return f"https://mybinder.org/v2/gh/{owner_and_name}/HEAD?urlpath=lab/tree/notebooks"


_COLAB = re.compile(r"https://colab\.research\.google\.com/github/[^\s)]+?/notebooks/(\d\d_\w+\.ipynb)")
_BINDER = re.compile(r"https://mybinder\.org/v2/gh/[^\s)]+")
_COLAB_LINE = re.compile(r"^\[Open in Colab\]\([^)]*\)[^\n]*$", re.MULTILINE)


def notebook_paths():
    return sorted((utils.REPO_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def synced_notebook(nb, name, repo_url):
    """``nb`` (an nbformat notebook) with its Colab line and its first code cell made current; problems
    this cannot fix (no title cell) are raised as ValueError."""
    title = nb.cells[0] if nb.cells else None
    if title is None or title.cell_type != "markdown" or not title.source.startswith("# "):
        raise ValueError(f"notebooks/{name}: the first cell must be the markdown title (# NN · Name)")
    line = f"[Open in Colab]({colab_url(repo_url, name)})"
    if _COLAB_LINE.search(title.source):
        title.source = _COLAB_LINE.sub(line, title.source)
    else:
        heading, _, rest = title.source.partition("\n")
        body = rest.lstrip("\n")
        title.source = f"{heading}\n\n{line}\n" + ("\n" + body if body.strip() else "")

    code = FIND_UTILS_CELL.format(repo_url=repo_url).rstrip("\n")
    tagged = [c for c in nb.cells if CELL_TAG in c.get("metadata", {}).get("tags", [])]
    if tagged:
        tagged[0].source = code
    else:
        first_code = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
        cell = nbformat.v4.new_code_cell(code, metadata={"tags": [CELL_TAG]})
        nb.cells.insert(first_code, cell)
    return nb


def synced_readme(text, names, repo_url):
    """The README with its Colab and Binder links made current. Raises ValueError for a notebook without
    a row in the README's table, or without a Colab link in it, and for a README without a Binder link."""
    text = _COLAB.sub(lambda m: colab_url(repo_url, m.group(1)), text)
    text = _BINDER.sub(binder_url(repo_url), text)
    problems = [
        f"README.md: the notebooks table needs a [Colab]({colab_url(repo_url, name)}) link in the row of {name}"
        for name in names
        if colab_url(repo_url, name) not in text
    ]
    if binder_url(repo_url) not in text:
        problems.append(f"README.md: no Binder link; add [Binder]({binder_url(repo_url)})")
    if problems:
        raise ValueError("\n".join(problems))
    return text


def sync(check=False):
    """Rewrite (or with ``check=True`` only compare) README.md and the notebooks; returns the repo-relative
    paths that were (or would be) changed. Every new text is made before any file is written, so a problem
    (a ValueError) leaves every file as it was."""
    repo_url = repository_url()
    updates = {}
    for path in notebook_paths():
        before = path.read_text(encoding="utf-8")
        nb = synced_notebook(nbformat.reads(before, as_version=4), path.name, repo_url)
        updates[path] = (before, nbformat.writes(nb) + "\n")
    readme = utils.REPO_ROOT / "README.md"
    before = readme.read_text(encoding="utf-8")
    updates[readme] = (before, synced_readme(before, [p.name for p in notebook_paths()], repo_url))
    changed = []
    for path, (before, after) in updates.items():
        if after == before:
            continue
        changed.append(utils.relative_to_repo(path))
        if not check:
            with utils.atomic_path(path) as tmp:
                tmp.write_text(after, encoding="utf-8")
    return changed


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m utils.links", description=__doc__.split("\n\n")[0].replace("\n", " ")
    )
    parser.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if anything is out of step"
    )
    args = parser.parse_args(argv)
    try:
        changed = sync(check=args.check)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    repo_url = repository_url()
    if PLACEHOLDER_OWNER in repo_url:
        print(
            f"note: the repository's address is still the placeholder {repo_url}; set [project.urls] "
            "Repository in pyproject.toml to the public address and run `python -m utils.links` again "
            "before publishing.",
            file=sys.stderr,
        )
    if args.check:
        for path in changed:
            print(f"out of step with pyproject.toml: {path} (run `python -m utils.links`)")
        return 1 if changed else 0
    for path in changed:
        print(f"updated {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
