"""MkDocs hooks of the rendered edition (see mkdocs.yml, `hooks:`).

MkDocs rewrites the relative links of Markdown pages itself ("notebooks/01_loading_mnist.ipynb" becomes the
URL of that notebook's page). The HTML of a notebook page comes from nbconvert instead, so its links and image
paths are still the ones written in the notebook: relative to the .ipynb file, while the page lives one folder
deeper (notebooks/01_loading_mnist/). This hook maps each of them to the URL of the file or page it names.
It also drops the notebook template's own MathJax loader (MathJax comes with every page, extra_javascript)
and its Mermaid loader (from a CDN; the notebooks have no diagrams written in Mermaid), and makes the table of
contents point at the page's own heading anchors.
"""

from __future__ import annotations

import posixpath
import re
from urllib.parse import unquote

from mkdocs.utils import get_relative_url

_ATTR_RE = re.compile(r"""(?P<attr>\b(?:href|src))=(?P<q>["'])(?P<url>[^"']*)(?P=q)""")
_SCHEME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_MATHJAX_LOADER_RE = re.compile(r'<script src="mathjax-from-extra-javascript">\s*</script>')
# nbconvert's Mermaid loader imports mermaid.js from a CDN when a page has a diagram: the site fetches nothing.
_MERMAID_LOADER_RE = re.compile(
    r'<script type="module">(?:(?!</script>).)*?jp-Mermaid.*?</script>', re.DOTALL
)


def _rewrite(url: str, page, files) -> str:
    if not url or url.startswith(("#", "/", "//")) or _SCHEME_RE.match(url):
        return url  # fragment, absolute path, external or data: URL
    path, sep, fragment = url.partition("#")
    path = path.split("?", 1)[0]
    target = posixpath.normpath(posixpath.join(posixpath.dirname(page.file.src_uri), unquote(path)))
    file = files.get_file_from_path(target)
    if file is None:
        return url  # left as written; the site's browser test reports it if it leads nowhere
    return get_relative_url(file.url, page.url) + sep + fragment


_HEADING_RE = re.compile(r'<h([1-6])\b[^>]*?\bid="([^"]*)"')


def _flatten(entries):
    for entry in entries:
        yield entry
        yield from _flatten(entry.children)


def _align_toc(page, html: str) -> None:
    """mkdocs-jupyter's table of contents slugs each heading from its Markdown source, nbconvert from its HTML,
    and they differ when a heading holds code ("The loader: `utils.data.load_mnist`"): the page's own anchors
    win. Entries and headings are matched in order, only when their levels agree one to one."""
    headings = [(int(level), anchor) for level, anchor in _HEADING_RE.findall(html)]
    entries = list(_flatten(page.toc))
    if [entry.level for entry in entries] == [level for level, _ in headings]:
        for entry, (_, anchor) in zip(entries, headings):
            entry.id = anchor


def on_page_content(html, page, config, files):
    if not page.file.src_uri.endswith(".ipynb"):
        return html
    html = _MERMAID_LOADER_RE.sub("", _MATHJAX_LOADER_RE.sub("", html))
    _align_toc(page, html)
    return _ATTR_RE.sub(
        lambda m: f"{m['attr']}={m['q']}{_rewrite(m['url'], page, files)}{m['q']}",
        html,
    )
