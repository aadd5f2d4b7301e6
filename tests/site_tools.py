"""The website's tools, and what tests/test_site.py does without them.

The site needs `pip install -r requirements-site.txt` (MkDocs and its plugins, Playwright) and Debian's
Chromium (`apt-get install -y chromium`; the CHROMIUM variable may name another binary). Someone who
installed only requirements.txt gets tests/test_site.py skipped, with one line naming what to install.
Under CI (CI=true, as CI services set it) or with REQUIRE_SITE=1, a missing tool is a failure instead, so
that CI never skips the site without a word. tests/test_site_tools.py proves both.
"""

import importlib.util
import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# The site's Python tools (requirements-site.txt), by the module each installs.
SITE_MODULES = {
    "mkdocs": "mkdocs",
    "mkdocs-material": "material",
    "mkdocs-jupyter": "mkdocs_jupyter",
    "pymdown-extensions": "pymdownx",
    "jupyter-server-mathjax": "jupyter_server_mathjax",
    "jupytext": "jupytext",
    "playwright": "playwright",
}
INSTALL_SITE_TOOLS = "pip install -r requirements-site.txt and apt-get install -y chromium"


def missing_site_tools(chromium=CHROMIUM):
    """What of the site's tools this machine lacks (looked up, not imported)."""
    missing = [name for name, module in SITE_MODULES.items() if importlib.util.find_spec(module) is None]
    if not Path(chromium).is_file():
        missing.append(f"Chromium at {chromium} (or set CHROMIUM)")
    return missing


def site_required(environ=os.environ):
    """Whether the site must be tested here: under CI, or when REQUIRE_SITE=1."""
    ci = environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
    return ci or environ.get("REQUIRE_SITE", "").strip() not in ("", "0")


def missing_message(missing):
    """One line: what is missing and what to install."""
    return f"site tools missing ({', '.join(missing)}): {INSTALL_SITE_TOOLS}"


def require_site_tools(missing, environ=os.environ):
    """Nothing missing: return. Else fail where the site is required, skip with what to install elsewhere."""
    if not missing:
        return
    if site_required(environ):
        pytest.fail(f"{missing_message(missing)} (required here: CI or REQUIRE_SITE is set)", pytrace=False)
    pytest.skip(missing_message(missing))
