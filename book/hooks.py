"""MkDocs hooks of the rendered edition (see mkdocs.yml, `hooks:`).

MkDocs rewrites the relative links of Markdown pages itself ("notebooks/01_loading_mnist.ipynb" becomes the
URL of that notebook's page). The HTML of a notebook page comes from nbconvert instead, so its links and image
paths are still the ones written in the notebook: relative to the .ipynb file, while the page lives one folder
deeper (notebooks/01_loading_mnist/). This hook maps each of them to the URL of the file or page it names.
It also drops the notebook template's own MathJax loader (MathJax comes with every page, extra_javascript)
and its Mermaid loader (from a CDN; the notebooks have no diagrams written in Mermaid), and makes the table of
contents point at the page's own heading anchors.

For the reader, a notebook page also gets: a line under its title with a download link for its .ipynb (copied
beside the page by mkdocs-jupyter's include_source), an "Open in Colab" link and a link to the repository
(addresses made by tools/sync.py, passed in by build.py as extra.notebook_links); no test tags (the template
prints each cell's tags; mkdocs-jupyter has no option to leave them out); its figures as PNG files beside the
page, each a link to itself (open full size), instead of base64 in the HTML; and the notebook CSS that every
notebook page carries (about 590 KB, the same on each) as one file, book-assets/jupyter-<hash>.css, that the
browser caches, instead of inline; and the search index leaves out its printed outputs and the hidden second
copy of each cell's code (for the copy button). Every page: MathJax only where there is a formula to typeset,
and a name for the search dialog.
"""

from __future__ import annotations

import base64
import hashlib
import posixpath
import re
from pathlib import Path
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


# The tags of a cell, as mkdocs-jupyter's template prints them above its code.
_CELL_TAGS_RE = re.compile(
    r'<div class="celltoolbar">\s*(?:<div class="button_container tags_button_container">\s*'
    r'<span class="tag-container">\s*<span class="cell-tag">[^<]*</span>\s*</span>\s*</div>\s*)*</div>'
)
_STYLE_RE = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL)
# mkdocs-jupyter appends the highlighting CSS a second time after the notebook, as a Python list's repr: no CSS.
_LIST_REPR_STYLE_RE = re.compile(r"<style>\s*\[(?:'|\")(?:(?!</style>).)*</style>", re.DOTALL)
_WRAPPER = '<div class="jupyter-wrapper">'
_FIGURE_RE = re.compile(
    r'<img (?P<before>[^>]*?)src="data:image/(?P<kind>png|jpeg);base64,(?P<data>[^"]+)"(?P<after>[^>]*)>'
)
# A printed table drawn with box characters (Keras' model summary): kept on its lines, scrolled as a whole.
_BOX_PRE_RE = re.compile(r"<pre(?P<attrs>[^>]*)>(?=(?:(?!</pre>).)*[┃│┏┡└])", re.DOTALL)
_OUTPUT_PRE_RE = re.compile(r'<div class="[^"]*\bjp-OutputArea-output\b[^"]*"[^>]*>\s*<pre')
_FORMULA_RE = re.compile(r"\$\$|\\begin\{|\\\(|\\\[|\$[^$\n]+\$")
_NOT_TEXT_RE = re.compile(r"<(pre|code|script|style)\b.*?</\1>", re.DOTALL)
_MATHJAX_SCRIPTS_RE = re.compile(r'<script src="[^"]*(?:mathjax-config|MathJax)\.js"></script>\s*')
_ARTICLE_RE = re.compile(r"<article\b.*?</article>", re.DOTALL)
SHARED_CSS = "book-assets/jupyter-{}.css"

_css: dict[str, str] = {}  # file name in the site -> its CSS, written by on_post_build


def on_pre_build(config):
    _css.clear()


def _share_css(html: str, page) -> str:
    """The <style> blocks before the notebook go into one shared file, linked from the page's <head>."""
    html = _LIST_REPR_STYLE_RE.sub("", html)
    head, sep, body = html.partition(_WRAPPER)
    if not sep:
        return html
    css = "\n".join(_STYLE_RE.findall(head))
    name = SHARED_CSS.format(hashlib.sha256(css.encode()).hexdigest()[:12])
    _css[name] = css
    page.book_shared_css = name
    return _STYLE_RE.sub("", head) + sep + body


def _figures_to_files(html: str, page, config) -> str:
    """Each base64 figure becomes a file beside the page, shown by an <img> that is a link to it."""
    folder = Path(config["site_dir"]) / posixpath.dirname(page.file.dest_uri)
    count = 0

    def figure(match) -> str:
        nonlocal count
        count += 1
        name = f"figure-{count:02d}.{'png' if match['kind'] == 'png' else 'jpg'}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(base64.b64decode(match["data"]))
        img = f'<img {match["before"]}src="{name}"{match["after"]}>'
        return f'<a class="book-figure" href="{name}" title="Open the figure full size">{img}</a>'

    return _FIGURE_RE.sub(figure, html)


def _notebook_links(html: str, page, config) -> str:
    """Download, Colab and repository links, right under the page's title (or at its top)."""
    name = posixpath.basename(page.file.src_uri)
    links = config["extra"].get("notebook_links", {})
    if name not in links:
        return html
    colab, repository = links[name]
    line = (
        '<p class="book-notebook-links">'
        f'<a href="{name}" download>Download the notebook ({name})</a> · '
        f'<a href="{colab}">Open in Colab</a> · '
        f'<a href="{repository}">The repository on GitHub</a></p>'
    )
    # The notebook's own Colab line (tools/sync.py writes one under its title) is this line's second link.
    html = html.replace(f'<p><a href="{colab}">Open in Colab</a></p>', "", 1)
    title_end = html.find("</h1>")
    if title_end < 0:
        return line + html
    return html[: title_end + 5] + line + html[title_end + 5 :]


def on_page_content(html, page, config, files):
    if not page.file.src_uri.endswith(".ipynb"):
        return html
    html = _MERMAID_LOADER_RE.sub("", _MATHJAX_LOADER_RE.sub("", html))
    html = _CELL_TAGS_RE.sub("", html)
    _align_toc(page, html)
    html = _ATTR_RE.sub(
        lambda m: f"{m['attr']}={m['q']}{_rewrite(m['url'], page, files)}{m['q']}",
        html,
    )
    html = _share_css(html, page)
    html = _figures_to_files(html, page, config)
    # The search index: a cell's code once (not its hidden copy for the copy button, nor the button's hidden
    # "Copied!"), and no printed output.
    # On elements with no element of their own tag inside: the theme's indexer ends an exclusion at the first
    # closing tag of the same name.
    html = html.replace(
        '<div class="clipboard-copy-txt"', '<div class="clipboard-copy-txt" data-search-exclude'
    )
    html = html.replace(
        '<span class="notice" hidden="">', '<span class="notice" hidden="" data-search-exclude>'
    )
    html = _OUTPUT_PRE_RE.sub(r"\g<0> data-search-exclude", html)
    html = _BOX_PRE_RE.sub(lambda m: f'<pre{m["attrs"]} class="book-wide" tabindex="0">', html)
    return _notebook_links(html, page, config)


def has_formula(html: str) -> bool:
    """Whether the page's article holds TeX for MathJax to typeset (code, scripts and styles left out)."""
    article = _ARTICLE_RE.search(html)
    return bool(_FORMULA_RE.search(_NOT_TEXT_RE.sub("", article.group(0) if article else html)))


def on_post_page(output, page, config):
    if not has_formula(output):
        output = _MATHJAX_SCRIPTS_RE.sub("", output)
    name = getattr(page, "book_shared_css", None)
    if name:
        link = f'<link rel="stylesheet" href="{get_relative_url(name, page.url)}">\n'
        extra = re.search(r'<link rel="stylesheet" href="[^"]*book-assets/extra\.css">', output)
        at = extra.start() if extra else output.index("</head>")
        output = output[:at] + link + output[at:]
    return output.replace(
        '<div class="md-search" data-md-component="search" role="dialog">',
        '<div class="md-search" data-md-component="search" role="dialog" aria-label="Search the site">',
        1,
    )


def on_post_build(config):
    for name, css in _css.items():
        path = Path(config["site_dir"]) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(css, encoding="utf-8")
