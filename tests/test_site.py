"""The rendered edition of the series (book/build.py), checked in a real browser.

The site is built once into a temporary folder, served on 127.0.0.1 by a http.server thread, and every page
is opened in headless Chromium (Debian's `chromium`, driven by Playwright; CHROMIUM overrides its path), in
two tabs at once. For each page: HTTP 200 for the page and for everything it loads, no request to any host
but 127.0.0.1, no console error, every <img> decoded, no formula left untypeset in the visible text (code
excluded), every internal link and #anchor resolves, a notebook page shows as many figures as its .ipynb
holds, and one screenshot (in the test's tmp_path). The same checks run on deliberately broken copies of
pages, served next to the real ones, each of which must be reported: proof that the checks can fail.

Needs `pip install -r requirements-site.txt` and `apt-get install -y chromium`. Without them this file is
skipped, in one line saying what to install; under CI (CI=true) or with REQUIRE_SITE=1 each test fails
instead (tests/site_tools.py).
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urldefrag, urlsplit

import pytest
from site_tools import CHROMIUM, missing_message, missing_site_tools, require_site_tools, site_required

MISSING = missing_site_tools()
if MISSING and not site_required():  # one line for the file; where it is required, each test fails instead
    pytest.skip(missing_message(MISSING), allow_module_level=True)

REPO = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # No host name but the test server's resolves, whatever a page asks for (and the tabs report such requests).
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
IMAGE_OUTPUTS = ("image/png", "image/jpeg")
# Pages loading at the same time, each in a tab of its own: while one waits (for the network to stay quiet for
# half a second, for its fonts), another one works.
TABS = 2
# For the tests that open pages one by one: a notebook page and its figures on a busy machine.
PAGE_TIMEOUT = 120_000  # ms
# One pytest-xdist process runs all of these tests, so the site is built and the browser started once.
pytestmark = pytest.mark.xdist_group("site")


def _load_build():
    spec = importlib.util.spec_from_file_location("book_build", REPO / "book" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _load_build()


def page_path(source: str) -> str:
    """The URL path (relative to the site's root) of the page built from the repository file `source`."""
    path = PurePosixPath(source)
    if path.name in ("README.md", "index.md"):
        folder = path.parent.as_posix()
        return "" if folder == "." else folder + "/"
    return path.with_suffix("").as_posix() + "/"


def figures_in(notebook: Path) -> int:
    """How many figures (image outputs) a notebook is committed with."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return sum(
        any(kind in output.get("data", {}) for kind in IMAGE_OUTPUTS)
        for cell in cells
        if cell["cell_type"] == "code"
        for output in cell.get("outputs", [])
    )


# --------------------------------------------------------------------------------------------------------------
# Serving and browsing


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextmanager
def serve(directory: Path):
    """Serve `directory` on a free port of 127.0.0.1; yields the root URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)  # stops within 0.05 s
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


_ID_RE = re.compile(r"""\b(?:id|name)=["']([^"']+)["']""")


def fetch(url: str) -> tuple[int, set[str]]:
    """HTTP status of `url`, and the ids in it if it is an HTML page."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            html = response.headers.get_content_type() == "text/html"
            return response.status, set(
                _ID_RE.findall(response.read().decode("utf-8", "replace"))
            ) if html else set()
    except urllib.error.HTTPError as error:
        return error.code, set()


# What the page shows once loaded and typeset: images, figures, visible text outside code, links, anchors.
_PAGE_FACTS_JS = """
() => {
  const skip = new Set(["PRE", "CODE", "SCRIPT", "STYLE", "TEXTAREA", "NOSCRIPT", "KBD", "SAMP"]);
  const text = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    let visible = node.parentElement.getClientRects().length > 0;
    for (let e = node.parentElement; visible && e; e = e.parentElement) {
      if (skip.has(e.tagName) || e.classList.contains("MJX_Assistive_MathML")) visible = false;
    }
    if (visible) text.push(node.textContent);
  }
  const next = document.querySelector("a.md-footer__link--next");
  return {
    brokenImages: Array.from(document.images)
      .filter(img => !(img.complete && img.naturalWidth > 0))
      .map(img => (img.getAttribute("src") || "").slice(0, 120)),
    figures: document.querySelectorAll(".jp-OutputArea-output img").length,
    mathErrors: (window.MathJax && MathJax.Hub && MathJax.Hub.getAllJax ? MathJax.Hub.getAllJax() : [])
      .filter(jax => jax.texError).map(jax => jax.originalText)
      .concat(Array.from(document.querySelectorAll(".MathJax_Error"), e => e.textContent)),
    text: text.join(""),
    links: Array.from(document.querySelectorAll("a[href]"), a => a.href),
    ids: Array.from(document.querySelectorAll("[id], a[name]"), e => e.id || e.getAttribute("name")),
    next: next ? next.href : null,
    searchBox: document.querySelector("input.md-search__input") !== null,
  };
}
"""
_WAIT_FOR_MATHJAX_JS = (
    "() => window.MathJax && MathJax.Hub && MathJax.Hub.Queue"
    " ? new Promise(resolve => MathJax.Hub.Queue(() => resolve(true))) : false"
)
# TeX left as text: display delimiters, environments, \( \[ delimiters, or $...$ around a TeX command.
_RAW_MATH_RE = re.compile(r"\$\$|\\begin\{|\\end\{|\\\(|\\\[|\$[^$\n]*\\[A-Za-z]+[^$\n]*\$")


@dataclass
class PageReport:
    url: str
    problems: list[str] = field(default_factory=list)
    figures: int = 0
    links: list[str] = field(default_factory=list)
    external_links: set[str] = field(default_factory=set)
    ids: set[str] = field(default_factory=set)
    next: str | None = None
    search_box: bool = False


class Tab:
    """A browser tab in a browser context of its own (its own empty cache), in which page after page is opened.
    Every request, response, console message and uncaught error of the tab counts against the page last
    opened in it. Reusing a tab, rather than a context per page, keeps its renderer process, and its cache
    serves the theme's and MathJax's files after their first 200. A file that fails is never cached, so it is
    reported on every page that asks for it."""

    def __init__(self, browser, root: str):
        self.root = root
        self.report = PageReport("")  # the page last opened
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        # Any request to another host is a problem (and fails: no host name but 127.0.0.1 resolves, see
        # CHROMIUM_ARGS). Watched, not routed: routing requests through Playwright would turn off the cache.
        self.context.on("request", self._request)
        self.page = page = self.context.new_page()
        page.on("console", lambda m: m.type == "error" and self._problem(f"console: {m.text[:200]}"))
        page.on("pageerror", lambda e: self._problem(f"console: uncaught {e}"[:200]))
        # 200 for everything; 304 is the browser revalidating a copy it already holds, also from a 200.
        page.on(
            "response",
            lambda r: r.status not in (200, 304) and self._problem(f"http: {r.status} for {r.url[:120]}"),
        )
        page.on(
            "requestfailed",
            lambda r: (
                urlsplit(r.url).hostname == "127.0.0.1"
                and self._problem(f"http: {r.failure} for {r.url[:120]}")
            ),
        )

    def _problem(self, problem: str) -> None:
        self.report.problems.append(problem)

    def _request(self, request):
        url = urlsplit(request.url)
        # data: and blob: URLs are the page's own.
        if url.hostname != "127.0.0.1" and url.scheme not in ("data", "blob"):
            self._problem(f"offsite: request to {request.url[:120]}")

    def close(self):
        self.context.close()

    def open(self, url: str) -> None:
        """Start loading `url`; the browser goes on loading it while other tabs are inspected."""
        self.report = PageReport(url)
        self.page.goto(url, wait_until="commit")

    def inspect(self, screenshot: Path) -> PageReport:
        """Once the page opened last is loaded, typeset and quiet: what is wrong with it (problems are
        'kind: detail'), and one screenshot."""
        report, page = self.report, self.page
        page.wait_for_load_state("load")
        page.wait_for_load_state("networkidle")
        page.evaluate(_WAIT_FOR_MATHJAX_JS)
        page.evaluate("() => document.fonts.ready.then(() => true)")  # MathJax's web fonts
        facts = page.evaluate(_PAGE_FACTS_JS)
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(screenshot))

        problems = report.problems
        problems += [f"image: not decoded: {src}" for src in facts["brokenImages"]]
        raw = sorted({m.group(0)[:60] for m in _RAW_MATH_RE.finditer(facts["text"])})
        problems += [f"math: untypeset in the text: {r!r}" for r in raw]
        problems += [f"math: MathJax could not typeset {tex[:60]!r}" for tex in facts["mathErrors"]]
        report.figures = facts["figures"]
        root = self.root
        report.links = [link for link in facts["links"] if link.startswith(root)]
        report.external_links = {link for link in facts["links"] if not link.startswith(root)}
        report.ids = set(facts["ids"])
        report.next = facts["next"]
        report.search_box = facts["searchBox"]
        return report


def screenshot_name(url: str) -> str:
    return urlsplit(url).path.strip("/").replace("/", "_").removesuffix(".html") or "index"


def check_site(
    tabs: list[Tab], start: list[str], shots: Path, figures: dict[str, int], crawl: bool = True
) -> dict[str, PageReport]:
    """Inspect the pages `start` (URLs) and, with `crawl`, every page of the site they lead to; then every
    internal link of every inspected page: HTTP 200, and its #anchor exists on the page it leads to.
    `figures`: how many figures the page at each of these URLs must show. The pages load in all `tabs` at
    once, each inspected in turn."""
    reports: dict[str, PageReport] = {}
    todo, loading = list(start), []  # pages to open; (tab, url) of the pages loading, oldest first
    while todo or loading:
        for tab in tabs:  # every free tab starts loading a page, while there are pages left to open
            while todo and tab not in (t for t, _ in loading):
                url = todo.pop(0)
                if url not in reports and url not in (u for _, u in loading):
                    tab.open(url)
                    loading.append((tab, url))
        if not loading:
            break
        tab, url = loading.pop(0)
        reports[url] = report = tab.inspect(shots / f"{screenshot_name(url)}.png")
        if url in figures and report.figures != figures[url]:
            report.problems.append(f"figures: {report.figures} shown, {figures[url]} in the notebook")
        if crawl:
            for link in report.links:
                target = urldefrag(link).url
                if target.endswith(("/", ".html")) and target not in reports and target not in todo:
                    todo.append(target)
    targets: dict[str, tuple[int, set[str]]] = {url: (200, report.ids) for url, report in reports.items()}
    for report in reports.values():
        for link in report.links:
            target, anchor = urldefrag(link)
            if target not in targets:
                targets[target] = fetch(target)
            status, ids = targets[target]
            if status != 200:
                report.problems.append(f"link: {link} answers {status}")
            elif anchor and ids and unquote(anchor) not in ids:
                report.problems.append(f"link: {link}: no #{anchor} on that page")
    return reports


# --------------------------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture(scope="module")
def site_tools_present():
    require_site_tools(MISSING)


@pytest.fixture(scope="module")
def site(site_tools_present, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("book") / "html"
    command = [sys.executable, str(REPO / "book" / "build.py"), "--out", str(out)]
    # Where the machine allows it (root, as in CI), build with no network at all: proof that it needs none.
    no_network = ["unshare", "--net"]
    if shutil.which("unshare") and subprocess.run([*no_network, "true"], capture_output=True).returncode == 0:
        command = no_network + command
    elif site_required():
        pytest.fail(
            "`unshare --net true` fails here: the site cannot be built without network", pytrace=False
        )
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, f"book/build.py failed:\n{result.stdout}\n{result.stderr}"
    return out


@pytest.fixture(scope="module")
def served(site, tmp_path_factory):
    """The built site as the browser checks it, served on 127.0.0.1; yields (root URL, the broken pages).
    Two differences from the site as built: the deliberately broken pages (_broken_pages), next to the pages
    they are copies of (files no page links to, so the crawl of the real site never meets them), and a search
    index without its documents. Every page builds the search index when it loads, the same index from the
    same file, and that is a quarter of what a page costs the browser: the real index is built, and searched,
    once, by test_search_box_finds_a_word_offline, on the site as built."""
    folder = tmp_path_factory.mktemp("served") / "html"
    shutil.copytree(site, folder, copy_function=os.link)  # the built files themselves, linked, not copied
    index = folder / "search" / "search_index.json"
    documents = json.loads(index.read_text(encoding="utf-8"))
    assert documents["docs"], "the search index is empty"
    index.unlink()  # a link to the built file: replaced, not written through
    index.write_text(json.dumps({**documents, "docs": []}), encoding="utf-8")
    broken = _broken_pages(site)
    for path, (_, html) in broken.items():
        (folder / path).write_text(html, encoding="utf-8")
    with serve(folder) as root:
        yield root, broken


@pytest.fixture(scope="module")
def browser(site_tools_present):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # Playwright gives every launch a fresh, temporary user-data-dir.
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def tabs(browser, served):
    root, _ = served
    tabs = [Tab(browser, root) for _ in range(TABS)]
    yield tabs
    for tab in tabs:
        tab.close()


def notebook_figures(root: str) -> dict[str, int]:
    """URL of each notebook's page -> how many figures the notebook holds."""
    notebooks = sorted(REPO.glob(build.NOTEBOOKS))
    return {root + page_path(nb.relative_to(REPO).as_posix()): figures_in(nb) for nb in notebooks}


@pytest.fixture(scope="module")
def site_reports(served, tabs, tmp_path_factory):
    # One screenshot per page: in pytest's temporary folder (.../pytest-N/screenshots0/), or in SITE_SCREENSHOTS.
    shots = Path(os.environ["SITE_SCREENSHOTS"]) if os.environ.get("SITE_SCREENSHOTS") else None
    shots = shots.resolve() if shots else tmp_path_factory.mktemp("screenshots")
    root, _ = served
    return root, check_site(tabs, [root], shots, notebook_figures(root)), shots


# --------------------------------------------------------------------------------------------------------------
# The real site


def test_every_page_passes_every_check(site_reports, served):
    root, reports, shots = site_reports
    problems = [f"{url[len(root) - 1 :]}  {p}" for url, r in reports.items() for p in r.problems]
    assert not problems, "\n".join(problems)
    _, broken = served
    assert not {root + path for path in broken} & set(reports), "the real site links to a broken page"
    assert all((shots / f"{screenshot_name(url)}.png").is_file() for url in reports)


def test_every_page_of_the_series_is_on_the_site_in_order(site_reports):
    root, reports, _ = site_reports
    expected = [root + page_path(source) for source in build.nav_pages()]
    assert set(expected) <= set(reports), f"pages not reached: {sorted(set(expected) - set(reports))}"
    chain = [root]
    while reports[chain[-1]].next and len(chain) <= len(expected):
        chain.append(reports[chain[-1]].next)
    assert chain == expected, "the next links do not follow the series' order"


def test_notebook_pages_show_every_figure_of_their_notebooks(site_reports):
    root, reports, _ = site_reports
    figures = notebook_figures(root)
    assert figures and sum(figures.values()) > 0
    assert {url: reports[url].figures for url in figures} == figures


def test_external_links_of_the_notebooks_are_links_on_their_pages(site_reports):
    """Such as the "Open in Colab" link of a notebook's first cell: a plain link, never fetched."""
    root, reports, _ = site_reports
    for notebook in sorted(REPO.glob(build.NOTEBOOKS)):
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        markdown = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        external = set(re.findall(r"\]\((https?://[^)\s]+)\)", markdown))
        page = reports[root + page_path(notebook.relative_to(REPO).as_posix())]
        assert external <= page.external_links, f"{notebook.name}: {sorted(external - page.external_links)}"


def test_search_box_finds_a_word_offline(browser, site):
    """On the site as built, with its real search index."""
    with serve(site) as root:
        tab = Tab(browser, root)
        tab.open(root)
        page = tab.page
        page.wait_for_load_state("load")
        page.click("input.md-search__input")
        page.keyboard.type("LSTM")
        page.wait_for_selector(".md-search-result__item", timeout=15_000)
        results = page.locator(".md-search-result__item").all_inner_texts()
        tab.close()
    assert results and any("LSTM" in text for text in results), results
    assert not tab.report.problems, tab.report.problems  # nothing fetched from elsewhere, no error, all 200


# --------------------------------------------------------------------------------------------------------------
# The reader's page: links to the notebook, no test tags, figures full size, layout at a phone's and a desktop's
# width, shared CSS, MathJax where needed


def _notebook_pages(site: Path) -> list[tuple[Path, str]]:
    """(notebook, the HTML of its page) for every notebook of the series."""
    return [
        (nb, (site / page_path(nb.relative_to(REPO).as_posix()) / "index.html").read_text(encoding="utf-8"))
        for nb in sorted(REPO.glob(build.NOTEBOOKS))
    ]


def _repository_links():
    sys.path.insert(0, str(REPO))
    try:
        from tools.sync import colab_url, repository_url
    finally:
        sys.path.remove(str(REPO))
    return repository_url(), colab_url


def test_each_notebook_page_links_its_ipynb_colab_and_the_repository(site):
    repository, colab_url = _repository_links()
    for notebook, html in _notebook_pages(site):
        name = notebook.name
        download = f'<a href="{name}" download>'
        assert download in html, f"{name}: no download link"
        folder = site / page_path(notebook.relative_to(REPO).as_posix())
        assert (folder / name).read_bytes() == notebook.read_bytes(), f"{name}: the .ipynb beside the page"
        assert f'<a href="{colab_url(repository, name)}">Open in Colab</a>' in html, f"{name}: no Colab link"
        assert html.count(colab_url(repository, name)) == 1, f"{name}: the Colab link twice"
        assert f'<a href="{repository}">' in html, f"{name}: no link to the repository"
    for page in site.rglob("index.html"):  # every page: the repository, in the footer
        assert f'href="{repository}"' in page.read_text(encoding="utf-8"), page


def test_test_tags_are_not_shown(site):
    tags = set()
    for notebook in sorted(REPO.glob(build.NOTEBOOKS)):
        for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
            tags.update(cell.get("metadata", {}).get("tags", []))
    assert tags, "no notebook has a tagged cell: nothing to check"
    for notebook, html in _notebook_pages(site):
        shown = re.findall(r'<span class="cell-tag">([^<]*)</span>', html)
        assert not shown and 'class="celltoolbar"' not in html, f"{notebook.name}: tags shown: {shown}"


def test_figures_are_files_that_open_full_size(site):
    for notebook, html in _notebook_pages(site):
        linked = re.findall(r'<a class="book-figure" href="([^"]+)"[^>]*><img [^>]*src="([^"]+)"', html)
        assert len(linked) == figures_in(notebook) and all(a == b for a, b in linked), notebook.name
        assert "data:image/" not in html, f"{notebook.name}: a figure still inline"
        folder = site / page_path(notebook.relative_to(REPO).as_posix())
        assert all((folder / name).stat().st_size > 0 for name, _ in linked)


def test_the_notebook_css_is_one_shared_file(site):
    """Not the ~590 KB of JupyterLab's CSS inline in every notebook page: one file, the same for all."""
    shared = set()
    for notebook, html in _notebook_pages(site):
        inline = sum(len(css) for css in re.findall(r"<style[^>]*>(.*?)</style>", html, re.DOTALL))
        assert inline < 20_000, f"{notebook.name}: {inline} characters of inline CSS"
        shared.update(
            re.findall(r'<link rel="stylesheet" href="(?:\.\./)*(book-assets/jupyter-\w+\.css)">', html)
        )
    assert len(shared) == 1, shared
    assert (site / shared.pop()).stat().st_size > 100_000


def test_mathjax_loads_only_on_pages_with_formulas(site):
    loads = {
        page.parent.relative_to(site).as_posix()
        for page in site.rglob("index.html")
        if "MathJax.js" in page.read_text(encoding="utf-8")
    }
    with_formulas = {
        page_path(nb.relative_to(REPO).as_posix()).rstrip("/")
        for nb in REPO.glob(build.NOTEBOOKS)
        if any(
            cell["cell_type"] == "markdown" and re.search(r"\$[^$\n]+\$", "".join(cell["source"]))
            for cell in json.loads(nb.read_text(encoding="utf-8"))["cells"]
        )
    }
    assert with_formulas and with_formulas <= loads, sorted(with_formulas - loads)
    assert "." not in loads and "notebooks" not in loads, "MathJax on the home or contributor page"


def test_the_search_index_holds_each_cells_code_once_and_no_printed_output(site):
    """The hidden copy of a cell's code (for its copy button) and the printed outputs stay out of the index
    that every page loads."""
    docs = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    notebook_pages = tuple(page_path(nb.relative_to(REPO).as_posix()) for nb in REPO.glob(build.NOTEBOOKS))
    text = "\n".join(doc["text"] for doc in docs if doc["location"].startswith(notebook_pages))
    index = [line.strip() for line in re.split(r"\n|</?pre>", text)]  # lines, a code block's on their own
    plain = re.compile(r"[\w .,()=]{40,}")  # lines that the index keeps as they are (nothing to escape)
    code_lines, printed = [], []
    for notebook in sorted(REPO.glob(build.NOTEBOOKS)):
        for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] != "code":
                continue
            code_lines += [line.strip() for line in "".join(cell["source"]).splitlines()]
            for output in cell.get("outputs", []):
                if output.get("output_type") == "stream":
                    printed += [line.strip() for line in "".join(output["text"]).splitlines()]
    prose = "\n".join(
        "".join(cell["source"])
        for notebook in REPO.glob(build.NOTEBOOKS)
        for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        if cell["cell_type"] == "markdown"
    )
    code_lines = [
        line
        for line in code_lines
        if plain.fullmatch(line) and code_lines.count(line) == 1 and line not in prose
    ]
    printed = [line for line in printed if plain.fullmatch(line) and line not in code_lines]
    assert len(code_lines) > 10 and len(printed) > 10, (len(code_lines), len(printed))
    assert [line for line in code_lines if index.count(line) != 1] == []  # each once, as a line
    assert [line for line in printed if line in index] == []


def test_the_search_dialog_has_a_name(site):
    for page in site.rglob("index.html"):
        assert 'role="dialog" aria-label="Search the site"' in page.read_text(encoding="utf-8"), page


_LAYOUT_JS = """
() => {
  const content = document.querySelector("article.md-content__inner").getBoundingClientRect().width;
  const outputs = Array.from(document.querySelectorAll(".jp-OutputArea-output"), o => o.getBoundingClientRect().width);
  const figures = Array.from(document.querySelectorAll(".jp-OutputArea-output img"), img => ({
    shown: img.getBoundingClientRect().width, natural: img.naturalWidth, linked: !!img.closest("a[href]")}));
  const code = Array.from(document.querySelectorAll(".jp-InputArea-editor"), editor => {
    const pre = editor.querySelector("pre"), button = editor.querySelector(".zeroclipboard-container");
    const box = pre.getBoundingClientRect(), style = getComputedStyle(pre);
    const textRight = box.left + pre.clientWidth - parseFloat(style.paddingRight);
    return {scrolls: pre.scrollWidth > pre.clientWidth + 1 || editor.scrollWidth > editor.clientWidth + 1,
            covers: button ? button.getBoundingClientRect().left < textRight - 1 : false};
  });
  const printed = Array.from(document.querySelectorAll(".jp-OutputArea-output pre:not(.book-wide)"),
                             pre => getComputedStyle(pre).wordBreak);
  return {content, outputs, figures, code, printed};
}
"""


def test_notebook_pages_use_the_content_width_on_a_phone_and_a_desktop(browser, served):
    """At 390 and 1280 px: outputs as wide as the content column, figures as wide as it (or their own width),
    each a link; code wraps instead of scrolling and the copy button covers none of it; printed output breaks
    between words."""
    root, _ = served
    problems = []
    for width in (390, 1280):
        context = browser.new_context(viewport={"width": width, "height": 900})
        context.set_default_timeout(PAGE_TIMEOUT)
        page = context.new_page()
        try:
            for notebook in sorted(REPO.glob(build.NOTEBOOKS)):
                page.goto(
                    root + page_path(notebook.relative_to(REPO).as_posix()),
                    wait_until="load",
                    timeout=PAGE_TIMEOUT,
                )
                facts = page.evaluate(_LAYOUT_JS)
                content, where = facts["content"], f"{width} px, {notebook.name}"
                problems += [
                    f"{where}: an output {w:.0f} px wide in {content:.0f}"
                    for w in facts["outputs"]
                    if w < content - 2
                ]
                problems += [
                    f"{where}: a figure {figure} in {content:.0f} px"
                    for figure in facts["figures"]
                    if abs(figure["shown"] - min(content, figure["natural"])) > 2 or not figure["linked"]
                ]
                problems += [
                    f"{where}: code block {i} scrolls" for i, c in enumerate(facts["code"]) if c["scrolls"]
                ]
                problems += [
                    f"{where}: copy button over code block {i}"
                    for i, c in enumerate(facts["code"])
                    if c["covers"]
                ]
                problems += [
                    f"{where}: printed output with word-break {w}" for w in set(facts["printed"]) - {"normal"}
                ]
        finally:
            context.close()
    assert not problems, "\n".join(problems)


# axe-core (the accessibility engine of browsers' own audits), as the axe-playwright-python wheel carries it
# (requirements-site.txt pins it): its script, injected into each page. Only serious and critical violations.
AXE_PACKAGE = "axe-playwright-python"
_AXE_RUN_JS = """
() => axe.run(document, {resultTypes: ["violations"]}).then(result => result.violations
  .filter(v => v.impact === "serious" || v.impact === "critical")
  .map(v => `${v.id} (${v.impact}): ${v.nodes.length} element(s), e.g. ${v.nodes[0].target.join(" ")}`))
"""
_PLANT_LOW_CONTRAST_JS = """
() => document.querySelector("article").insertAdjacentHTML("beforeend", '<p style="color: #bbb">Faint</p>')
"""


@pytest.fixture(scope="module")
def axe_script() -> str:
    """axe-core's script; without the package, skipped (or failed under CI) like the other site tools, before
    the site is built or crawled for it."""
    spec = importlib.util.find_spec("axe_playwright_python")
    require_site_tools([] if spec else [f"{AXE_PACKAGE} (axe-core)"])
    return (Path(spec.origin).parent / "axe.min.js").read_text(encoding="utf-8")


def _axe(page, script: str) -> list[str]:
    page.add_script_tag(content=script)
    return page.evaluate(_AXE_RUN_JS)


def test_no_serious_accessibility_violation_on_any_page(axe_script, browser, site_reports):
    """axe-core on every page at 390 px (a phone), once its formulas are typeset; and on a page with a line
    planted in a faint grey, to show that the check fails. One width: colours and names do not change with it,
    and the phone is where regions overflow; the desktop's widths are checked by the test above. (axe takes
    about a minute per width for the whole site on one core.)"""
    script = axe_script
    root, reports, _ = site_reports
    pages = sorted(url for url in reports if url.endswith("/"))
    problems, planted = [], {}
    for width in (390,):
        context = browser.new_context(viewport={"width": width, "height": 900})
        context.set_default_timeout(PAGE_TIMEOUT)
        page = context.new_page()
        try:
            for url in pages:
                page.goto(url, wait_until="load")
                page.wait_for_load_state("networkidle")
                page.evaluate(_WAIT_FOR_MATHJAX_JS)
                problems += [f"{width} px, {url[len(root) - 1 :]}: {v}" for v in _axe(page, script)]
            page.goto(root + "notebooks/", wait_until="load")
            page.evaluate(_PLANT_LOW_CONTRAST_JS)
            planted[width] = _axe(page, script)
        finally:
            context.close()
    assert len(pages) >= len(build.nav_pages())
    assert not problems, "\n".join(problems)
    for width, violations in planted.items():
        assert any(v.startswith("color-contrast") for v in violations), f"{width} px, planted: {violations}"


# --------------------------------------------------------------------------------------------------------------
# The checks fail where they should: deliberately broken copies of real pages


def _broken_pages(site: Path) -> dict[str, tuple[str, str]]:
    """URL path -> (the kind of problem its check must report, the page's HTML). Each is a copy of a real page
    with one fault added, saved as a file next to that page's index.html, so its relative links still work."""
    conventions = "notebooks/"  # a Markdown page
    plain = (site / conventions / "index.html").read_text(encoding="utf-8")
    first = page_path(sorted(REPO.glob(build.NOTEBOOKS))[0].relative_to(REPO).as_posix())
    notebook = (site / first / "index.html").read_text(encoding="utf-8")

    def insert(snippet: str, html: str = plain) -> str:
        assert "</article>" in html
        return html.replace("</article>", snippet + "</article>", 1)

    # MathJax loads only on pages with formulas: the contributor page has none, the first notebook has some.
    assert "MathJax.js" not in plain and "MathJax.js" in notebook
    formula = r"<p>$$\begin{aligned} i_t &= \sigma(W_i x_t + U_i h_{t-1} + b_i) \end{aligned}$$</p>"
    one_figure_less, removed = re.subn(r'<img [^>]*src="figure-\d+\.png"[^>]*>', "", notebook, count=1)
    assert removed == 1
    return {
        conventions + "broken-image.html": ("image", insert('<p><img src="no-such-figure.png" alt="x"></p>')),
        conventions + "untypeset-formula.html": ("math", insert(formula)),
        first + "bad-tex.html": ("math", insert(r"<p>$$\frac{1}{\undefinedcommand{x}$$</p>", notebook)),
        conventions + "dead-link.html": ("link", insert('<p><a href="no-such-page/">nowhere</a></p>')),
        conventions + "dead-anchor.html": ("link", insert('<p><a href="./#no-such-heading">nowhere</a></p>')),
        conventions + "offsite.html": ("offsite", insert('<p><img src="https://cdn.example.org/x.png"></p>')),
        conventions + "console-error.html": (
            "console",
            insert("<script>console.error('deliberate')</script>"),
        ),
        first + "one-figure-less.html": ("figures", one_figure_less),
    }


def test_each_check_reports_its_broken_page(served, tabs, tmp_path):
    root, broken = served
    figures = {
        root + path: notebook_figures(root)[root + posixpath.dirname(path) + "/"]
        for path, (kind, _) in broken.items()
        if kind == "figures"
    }
    reports = check_site(tabs, [root + p for p in broken], tmp_path / "shots", figures, crawl=False)
    for path, (kind, _) in broken.items():
        problems = reports[root + path].problems
        assert any(p.startswith(kind + ":") for p in problems), f"{path}: no {kind} problem in {problems}"
        assert all(p.startswith(kind + ":") or kind in ("offsite", "image") for p in problems), problems
