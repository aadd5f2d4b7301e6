"""The teacher's guide covers every notebook and every exercise, and its links lead somewhere."""

import importlib
import re

import utils
from tools import sync
from utils.exercise import exercises_of

GUIDE = utils.REPO_ROOT / "notebooks" / "teachers_guide.md"


def test_every_notebook_has_a_row_with_measured_times():
    text = GUIDE.read_text()
    for path in sorted((utils.REPO_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        rows = [line for line in text.splitlines() if line.startswith(f"| [{path.name[:2]} · ")]
        assert len(rows) == 1, f"teacher's guide: no row (or several) for {path.name} in the notebooks table"
        assert f"]({path.name})" in rows[0]
        *_, full, smoke, _ = rows[0].split("|")
        # full runs: a range over the two machines measured, e.g. "25-55 s" or "3.5-8 min"; smoke runs: one time
        span = re.fullmatch(r" ([\d.]+)-([\d.]+) (s|min) ", full)
        assert span and float(span[1]) < float(span[2]), rows[0]
        assert re.fullmatch(r" (\d+ s|\d+ min \d+ s) ", smoke), rows[0]


def test_every_exercise_is_listed():
    text = GUIDE.read_text()
    for path in sync.notebook_paths():
        module = f"utils.{sync.companion(path.name)}.exercises"
        if importlib.util.find_spec(module) is None:
            continue
        number = path.name[:2]
        for name in exercises_of(importlib.import_module(module)):
            assert f"{number}.{name[1:]} " in text, (
                f"teacher's guide: exercise {number}.{name[1:]} is not listed"
            )


def test_relative_links_resolve():
    text = GUIDE.read_text()
    for target in re.findall(r"\]\((?!https?://)([^)#]+)", text):
        assert (GUIDE.parent / target).exists(), f"teacher's guide links to {target}, which does not exist"


def test_readme_links_the_guide():
    assert "(notebooks/teachers_guide.md)" in (utils.REPO_ROOT / "README.md").read_text()
