"""Build the rendered edition of the notebook series as a static website, offline.

    python book/build.py                 # into book/_build/
    python book/build.py --out DIR       # into DIR
    python book/build.py --serve         # build, then serve on http://127.0.0.1:8000/ (Ctrl-C stops)

The notebooks are rendered with the outputs they are committed with; nothing is executed. Pages, in order:
README.md (the home page), every notebooks/0*.ipynb (found by glob, so a new notebook appears by itself),
notebooks/README.md (the contributor page), notebooks/teachers_guide.md when it exists. Every repository file
those pages link to (images, other Markdown files such as data/README.md, benchmarks/README.md and
book/README.md) comes along, at the same relative path, so the links written for GitHub work on the site too.
MathJax is copied from the jupyter-server-mathjax package: the site fetches nothing from outside, neither when it
is built nor when it is viewed.
Needs `pip install -r requirements-site.txt`.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import importlib.util
import json
import posixpath
import re
import shutil
import sys
import tempfile
from pathlib import Path
from urllib.parse import unquote

BOOK = Path(__file__).resolve().parent
REPO = BOOK.parent
DEFAULT_OUT = BOOK / "_build"

HOME = "README.md"
NOTEBOOKS = "notebooks/0*.ipynb"
AFTER_NOTEBOOKS = ["notebooks/README.md", "notebooks/teachers_guide.md"]  # each only if it exists

_MD_LINK_RE = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+[\"'][^)]*)?\)")
_HTML_LINK_RE = re.compile(r"""\b(?:href|src)\s*=\s*["']([^"']+)["']""")
_SCHEME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def nav_pages(repo: Path = REPO) -> list[str]:
    """The site's pages in reading order, as paths relative to the repository."""
    notebooks = sorted(p.relative_to(repo).as_posix() for p in repo.glob(NOTEBOOKS))
    return [HOME, *notebooks, *(p for p in AFTER_NOTEBOOKS if (repo / p).is_file())]


def _text(path: Path) -> str:
    """The text whose links count: the Markdown cells of a notebook, a Markdown file as it is."""
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return path.read_text(encoding="utf-8")


def _linked_files(source: str, repo: Path) -> list[str]:
    """Repository files (not folders) that the page `source` links to, relative to the repository."""
    found = []
    text = _text(repo / source)
    for link in _MD_LINK_RE.findall(text) + _HTML_LINK_RE.findall(text):
        if link.startswith(("#", "/")) or _SCHEME_RE.match(link):
            continue
        path = unquote(link.split("#", 1)[0].split("?", 1)[0])
        target = posixpath.normpath(posixpath.join(posixpath.dirname(source), path))
        if path and not target.startswith("..") and (repo / target).is_file():
            found.append(target)
    return found


def gather(repo: Path = REPO) -> tuple[list[str], list[str]]:
    """(nav pages, every file the site needs), following links from the nav pages to other files."""
    pages = nav_pages(repo)
    needed, todo = list(pages), list(pages)
    while todo:
        for target in _linked_files(todo.pop(), repo):
            if target not in needed:
                needed.append(target)
                if target.endswith((".md", ".ipynb")):
                    todo.append(target)
    return pages, needed


def _mathjax_dir() -> Path:
    # Found, not imported: importing the package starts by importing all of jupyter_server, for nothing here.
    spec = importlib.util.find_spec("jupyter_server_mathjax")
    if spec is None:
        raise SystemExit(
            "jupyter_server_mathjax missing: install the site's tools with  pip install -r requirements-site.txt"
        )
    return Path(spec.origin).parent / "static"


def build(out: Path = DEFAULT_OUT, repo: Path = REPO) -> Path:
    """Build the site into `out` (replaced if it exists) and return it."""
    try:
        from mkdocs.commands.build import build as mkdocs_build
        from mkdocs.config import load_config
    except ImportError as error:
        raise SystemExit(
            f"{error}: install the site's tools with  pip install -r requirements-site.txt"
        ) from None

    out = Path(out).resolve()
    pages, needed = gather(repo)
    with tempfile.TemporaryDirectory(prefix="book-docs-") as tmp:
        docs = Path(tmp) / "docs"
        for rel in needed:
            (docs / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(repo / rel, docs / rel)
        shutil.copytree(BOOK / "assets", docs / "book-assets")
        # MathJax's 600 files: linked into the staging folder (MkDocs follows the link), copied once, into the site.
        mathjax = docs / "book-assets" / "mathjax"
        try:
            mathjax.symlink_to(_mathjax_dir(), target_is_directory=True)
        except OSError:  # no symbolic links here (Windows without developer mode): copied twice, then
            shutil.copytree(_mathjax_dir(), mathjax)
        config = load_config(
            str(BOOK / "mkdocs.yml"),
            docs_dir=str(docs),
            site_dir=str(out),
            nav=pages,
            # README.md and notebooks/README.md become the index pages of their folders, by MkDocs' rules; the
            # pages the README links to for details (data, benchmarks, the site itself) are reached from it.
            not_in_nav="/data/\n/benchmarks/\n/book/\n/*.md",
        )
        _add_repository_links(config, pages)
        mkdocs_build(config)
    return out


def _add_repository_links(config, pages: list[str]) -> None:
    """The repository's address, from the one place it is written (pyproject.toml, read by tools/sync.py):
    a link in every page's footer, and each notebook's Colab address for hooks.py (extra.notebook_links)."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from tools.sync import colab_url, repository_url

    repository = repository_url()
    config["extra"]["social"] = [
        {"icon": "fontawesome/brands/github", "link": repository, "name": "The repository on GitHub"}
    ]
    config["extra"]["notebook_links"] = {
        name: (colab_url(repository, name), repository)
        for name in (posixpath.basename(page) for page in pages if page.endswith(".ipynb"))
    }


def serve(directory: Path, port: int) -> None:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(directory))
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        print(f"Serving {directory} on http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C stops)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default: {DEFAULT_OUT})"
    )
    parser.add_argument("--serve", action="store_true", help="serve the built site on 127.0.0.1 afterwards")
    parser.add_argument("--port", type=int, default=8000, help="port for --serve (default: 8000)")
    args = parser.parse_args(argv)
    # jsonschema (imported by nbformat, for nbconvert) checks the "iri" format with rfc3987-syntax when it is
    # installed, and importing that compiles 38 grammars: 3 s, a fifth of the build, for a check nothing here
    # makes. Marked as absent (Python's own way: a None in sys.modules), unless something already imported it.
    sys.modules.setdefault("rfc3987_syntax", None)
    out = build(args.out)
    print(f"Site built in {out}")
    if args.serve:
        serve(out, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
