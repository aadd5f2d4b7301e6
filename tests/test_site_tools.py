"""Without the website's tools, tests/test_site.py is skipped for a newcomer and fails under CI
(tests/site_tools.py): the decision on its own, then the file run by pytest with a Chromium that does not
exist."""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from site_tools import INSTALL_SITE_TOOLS, missing_site_tools, require_site_tools

TESTS = Path(__file__).resolve().parent


def test_a_missing_tool_skips_with_what_to_install_and_fails_where_the_site_is_required():
    for environ in ({}, {"CI": "false"}, {"REQUIRE_SITE": "0"}):
        with pytest.raises(pytest.skip.Exception) as skipped:
            require_site_tools(["playwright"], environ)
        reason = str(skipped.value)
        assert "playwright" in reason and INSTALL_SITE_TOOLS in reason and "\n" not in reason, reason
    for environ in ({"CI": "true"}, {"CI": "1"}, {"REQUIRE_SITE": "1"}):
        with pytest.raises(pytest.fail.Exception, match=r"playwright.*pip install -r requirements-site\.txt"):
            require_site_tools(["playwright"], environ)
    assert require_site_tools([], {"CI": "true"}) is None  # nothing missing: the tests run
    assert (
        missing_site_tools("/nonexistent/chromium")[-1]
        == "Chromium at /nonexistent/chromium (or set CHROMIUM)"
    )


def test_the_site_tests_skip_in_one_line_without_chromium_and_fail_under_ci(tmp_path):
    """tests/test_site.py, run by pytest with a Chromium that does not exist (and, as in a full run, one test
    that passes): skipped in one line that says what to install; under CI=true, each of its tests fails."""
    site_tests = [
        node.name
        for node in ast.parse((TESTS / "test_site.py").read_text(encoding="utf-8")).body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
    ]
    command = [sys.executable, "-m", "pytest", "tests/test_site.py", "tests/test_site_tools.py"]
    command += ["-k", "not in_one_line", "-rfEs", "--basetemp", str(tmp_path / "runs")]
    # Nothing but pytest, pytest-xdist (for test_site.py's xdist_group mark) in one process, and these two
    # files: no conftest.py (the root one imports nbval, and with it nbformat and jsonschema, for the
    # notebooks), no other plugin (the notebooks' options in pyproject.toml's addopts go with them). About 1 s
    # instead of 10 per run; what is proven is test_site.py's own skip and failure.
    command += ["--noconftest", "-o", "addopts=", "-p", "no:cacheprovider"]
    command += [f"-pno:{plugin}" for plugin in ("nbval", "hypothesispytest", "anyio", "randomly")]
    environ = {k: v for k, v in os.environ.items() if k not in ("CI", "REQUIRE_SITE", "PYTEST_ADDOPTS")}
    environ["CHROMIUM"] = str(tmp_path / "no-chromium")
    install = f"Chromium at {tmp_path / 'no-chromium'} (or set CHROMIUM)): {INSTALL_SITE_TOOLS}"

    newcomer = subprocess.run(
        command, cwd=TESTS.parent, env=environ, capture_output=True, text=True, timeout=300
    )
    summary = newcomer.stdout.strip().splitlines()[-1]
    assert newcomer.returncode == 0 and "1 passed, 1 skipped, 1 deselected in" in summary, newcomer.stdout[
        -3000:
    ]
    [skipped] = [line for line in newcomer.stdout.splitlines() if line.startswith("SKIPPED")]
    assert skipped.startswith("SKIPPED [1] tests/test_site.py:") and install in skipped, skipped

    ci = subprocess.run(
        command, cwd=TESTS.parent, env={**environ, "CI": "true"}, capture_output=True, text=True, timeout=300
    )
    summary = ci.stdout.strip().splitlines()[-1]
    assert ci.returncode == 1 and f"1 passed, 1 deselected, {len(site_tests)} errors in" in summary, (
        ci.stdout[-3000:]
    )
    assert "skipped" not in summary and install in ci.stdout, ci.stdout[-3000:]
