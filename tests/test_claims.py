"""Every number and comparison in a notebook's prose is backed by what the notebook shows.

Two guards over the markdown cells of notebooks/0*.ipynb, as committed (with the outputs of a full run):

* **Numbers.** Each number of the prose must appear in that notebook's outputs or code, as printed or rounded to
  the digits the prose gives (0.9909 backs "0.991" and "99.1 %"; an accuracy of 0.9767 backs an error of
  "2.3 %"). The code counts as evidence because it is what the notebook does: its parameters and asserts. Not
  checked: inline code and code blocks, LaTeX maths (a formula shows its own arithmetic), link targets, and the
  numbering of headings and lists. The few numbers that no cell can print are listed in ``QUOTED`` below,
  each with where it comes from.
* **Comparisons.** A sentence that compares ("faster", "same", "only", "within", ...) must sit next to its
  evidence: the nearest code cell before or after it shows something (printed, displayed or drawn) or asserts
  something. Not read: questions, and the title cell, which announces what the notebook will show. The sentences that
  use such a word without comparing measurements are listed in ``NOT_A_MEASUREMENT``, each with why.

A new sentence with a number that no output shows, or a comparison far from any output, fails here: give it
evidence (print it, assert it) or reword it. The last tests plant such sentences to show that both guards catch
them.
"""

import re
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("0[0-9]_*.ipynb"))

#: Numbers of the prose that no cell prints, per notebook: {number as written: where it comes from}.
QUOTED = {
    "01": {
        "70,000": "MNIST's size, as its authors describe it (the three files hold 60,000 + 10,000)",
        "1998": "the year MNIST was published (the cited page)",
        "32": "the IDX format's 32-bit integers (the format's definition)",
        "784": "28 x 28, the pixels of an image",
        "3,000": "an exercise's statement: its check runs on the first 3,000 training images",
    },
    "02": {
        "0.973": "the original notebook's printed test accuracy (no public copy left to rerun)",
        "0.766": "the original notebook's printed accuracy on 25 front-padded rows",
        "26": "row numbers read off the digit drawn in the figure above (its last ink rows)",
        "27": "row numbers read off the digit drawn in the figure above",
        "11": "row numbers read off the digit drawn in the figure above (the 7's stroke)",
        "17": "row count read off the figure above: rows 11-27",
        "19": "row numbers read off the figure above",
        "22": "column numbers read off the figure above (the 7's bar)",
        "32": "an exercise's statement: a batch of 32 images",
    },
    "03": {
        "0.31": "the benchmark's ratio for seed 42 (benchmarks/train_speed_results.json, benchmarks/README.md)",
        "0.58": "the benchmark's ratio for seed 1 (benchmarks/README.md)",
        "0.27": "the benchmark's ratio for seed 7 (benchmarks/README.md)",
        "32": "the smoke run's steps: 8,192 images in batches of 256 (the parameters cell)",
    },
    "04": {
        "2015": "the year of a cited paper",
        "99.5": "the percentile at which the heatmaps' colour scale stops (utils/inside_the_lstm/figures.py)",
    },
    "05": {
        "0.73": "sigma(1), the forget gate Keras starts from (unit_forget_bias=True), in the maths of section 2",
        "2015": "the year of a cited paper",
        "2016": "the year of a cited paper",
        "2018": "the year of a cited paper",
        "1504.00941": "a cited paper's arXiv number",
        "1511.06464": "a cited paper's arXiv number",
        "97": "a cited paper's result (Le, Jaitly & Hinton 2015)",
        "65": "a cited paper's result (Le, Jaitly & Hinton 2015)",
        "95.1": "a cited paper's result (Arjovsky, Shah & Bengio 2016)",
        "98.2": "a cited paper's result (Arjovsky, Shah & Bengio 2016)",
    },
}

COMPARING = re.compile(
    r"\b(faster|slower|same|identical|only|never|within|better|worse|beats?|level with|always|more than|"
    r"less than|twice)\b",
    re.IGNORECASE,
)
#: Sentences with a comparing word that compare no measurement: (notebook, start of the sentence): why.
NOT_A_MEASUREMENT = {
    ("01", "This notebook needs only numpy"): "what the notebook imports (its Setup cell)",
}

_NUMBER = re.compile(r"(?<![\w.])-?\d[\d,_]*(?:\.\d+)?(?:e[-+]?\d+)?", re.IGNORECASE)


def _numbers(text):
    """(as written, value, decimals) of every number in ``text``."""
    found = []
    for match in _NUMBER.finditer(text.replace("−", "-")):
        written = match.group().rstrip(",")
        plain = written.replace(",", "").replace("_", "")
        try:
            value = float(plain)
        except ValueError:
            continue
        decimals = len(plain.split(".")[1].lower().split("e")[0]) if "." in plain else 0
        found.append((written, value, decimals))
    return found


def prose(markdown):
    """The sentences of a markdown cell, without what the guards do not read (see the module's docstring)."""
    text = re.sub(r"```.*?```", " ", markdown, flags=re.DOTALL)
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"\$\$.*?\$\$|\$[^$]*\$", " ", text, flags=re.DOTALL)
    text = re.sub(r"\]\([^)]*\)", "]", text)
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"^(\s*#+)\s*\d+\.", r"\1", text, flags=re.MULTILINE)  # "## 3. Title"
    return re.sub(r"^(\s*)\d+\.\s", r"\1", text, flags=re.MULTILINE)  # "1. item"


def _evidence_texts(notebook):
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        yield cell.source
        for output in cell.get("outputs", []):
            if "text" in output:
                yield output["text"]
            for kind in ("text/plain", "text/markdown", "text/html"):
                if kind in output.get("data", {}):
                    yield output["data"][kind]


def _backs(shown, written, decimals):
    """Does the shown value, printed or as a percentage, a share or an error rate, round to what is written?"""
    half = 0.5 * 10.0**-decimals + 1e-9
    return any(
        abs(candidate - written) <= half for candidate in (shown, 100 * shown, shown / 100, 100 - 100 * shown)
    )


def unbacked_numbers(notebook, quoted=()):
    """[(cell index, number as written)] of the prose numbers that nothing in the notebook shows."""
    shown = {value for text in _evidence_texts(notebook) for _, value, _ in _numbers(text)}
    problems = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "markdown":
            continue
        for written, value, decimals in _numbers(prose(cell.source)):
            if written in quoted or value in shown or any(_backs(s, value, decimals) for s in shown):
                continue
            problems.append((index, written))
    return problems


def _shows_or_asserts(cell):
    printed = any(
        output.get("name") == "stdout" or output.get("output_type") in ("execute_result", "display_data")
        for output in cell.get("outputs", [])
    )
    return printed or re.search(r"^\s*assert\b", cell.source, flags=re.MULTILINE) is not None


def comparisons_without_evidence(notebook, label, reviewed=NOT_A_MEASUREMENT):
    """[(cell index, sentence)] of comparing sentences whose nearest code cells neither print nor assert."""
    code = [i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code"]
    problems = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "markdown" or index == 0:  # the title cell announces, the sections show
            continue
        neighbours = [i for i in code if i < index][-1:] + [i for i in code if i > index][:1]
        if any(_shows_or_asserts(notebook.cells[i]) for i in neighbours):
            continue
        for sentence in re.split(r"(?<=[.!?])\s+", prose(cell.source)):
            sentence = sentence.strip()
            if not COMPARING.search(sentence) or sentence.endswith("?"):  # a question claims nothing
                continue
            if any(key == label and sentence.startswith(start) for key, start in reviewed):
                continue
            problems.append((index, sentence))
    return problems


def _label(path):
    return path.name[:2]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_number_in_the_prose_is_shown_by_the_notebook(path):
    notebook = nbformat.read(path, as_version=4)
    problems = unbacked_numbers(notebook, QUOTED.get(_label(path), {}))
    assert not problems, (
        f"{path.name}: numbers in the prose that no output or code of the notebook shows (cell index, number): "
        f"{problems}. Print or assert them in a cell, reword, or, for a number no cell can show, add it to "
        "QUOTED with its source."
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_comparison_sits_next_to_its_evidence(path):
    notebook = nbformat.read(path, as_version=4)
    problems = comparisons_without_evidence(notebook, _label(path))
    assert not problems, (
        f"{path.name}: comparing sentences with no printing or asserting code cell next to them: {problems}. "
        "Put the measurement beside them, reword, or list a sentence that compares no measurement in "
        "NOT_A_MEASUREMENT with why."
    )


def test_the_reviewed_lists_name_only_what_is_still_there():
    """An entry whose number or sentence has left the notebook, or that excuses nothing, goes: the lists stay short."""
    texts = {_label(path): nbformat.read(path, as_version=4) for path in NOTEBOOKS}
    for label, numbers in QUOTED.items():
        prose_numbers = {
            written
            for cell in texts[label].cells
            if cell.cell_type == "markdown"
            for written, _, _ in _numbers(prose(cell.source))
        }
        assert set(numbers) <= prose_numbers, (label, set(numbers) - prose_numbers)
    for label, start in NOT_A_MEASUREMENT:  # each entry still excuses a sentence the guard would flag
        flagged = comparisons_without_evidence(texts[label], label, reviewed={})
        assert any(sentence.startswith(start) for _, sentence in flagged), (label, start)


# -- the guards catch what they are for -----------------------------------------------------------------
def _notebook(markdown, code="print('accuracy 0.9909')", outputs=("accuracy 0.9909\n",)):
    cell = nbformat.v4.new_code_cell(code)
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text) for text in outputs]
    return nbformat.v4.new_notebook(cells=[cell, nbformat.v4.new_markdown_cell(markdown)])


def test_a_planted_wrong_number_fails_and_right_ones_pass():
    assert unbacked_numbers(_notebook("The model reaches 0.9909, i.e. 99.1 % (0.9 % error).")) == []
    assert unbacked_numbers(_notebook("The model reaches 0.9123.")) == [(1, "0.9123")]
    assert unbacked_numbers(_notebook("The model reaches 99.3 %.")) == [(1, "99.3")]
    assert unbacked_numbers(_notebook("The model reaches 0.9123.", outputs=()), {"0.9123": "quoted"}) == []
    # not read: code, maths, links and numbered headings or items
    ignored = "## 3. Title\n\n1. `Dense(64)` and $0.99^{215}$ see [the next notebook](07_x.ipynb)."
    assert unbacked_numbers(_notebook(ignored)) == []


def test_the_real_notebooks_fail_with_a_planted_wrong_number():
    path = NOTEBOOKS[2]
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_markdown_cell("With this recipe the test accuracy is 0.9871."))
    assert (len(notebook.cells) - 1, "0.9871") in unbacked_numbers(notebook, QUOTED[_label(path)])


def test_a_planted_comparison_without_evidence_fails():
    far = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("x = 1"),
            nbformat.v4.new_markdown_cell("The GRU trains faster than the LSTM. It has three gates."),
            nbformat.v4.new_code_cell("y = 2"),
        ]
    )
    assert comparisons_without_evidence(far, "99") == [(1, "The GRU trains faster than the LSTM.")]
    far.cells[2].source = "assert y > x"
    assert comparisons_without_evidence(far, "99") == []
    reviewed = {("99", "The GRU trains faster"): "a planted sentence"}
    far.cells[2].source = "y = 2"
    assert comparisons_without_evidence(far, "99", reviewed) == []
