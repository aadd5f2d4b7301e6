"""Every exercise of every notebook, found by discovery: each notebook ``notebooks/NN_<name>.ipynb`` whose
companion has ``utils/<name>/exercises.py`` gets these tests for each of its ``q1``, ``q2``, ... with no edit
here. Typical mistakes and their messages are tested per notebook, in ``tests/test_exercises_NN.py``.

* the printed solution, run as a student would paste it, passes its own check;
* a placeholder (``...``, ``None``) is "not answered yet", an answer of the wrong kind gets a message, never a
  traceback;
* the hint says something, the notebook asks every question of its module and imports it as ``ex``.
"""

import importlib
import re

import nbformat
import numpy as np
import pytest
from exercise_checks import SHARED_WORK, on_one_process, run_check

from tools import sync
from utils.exercise import Exercise, WrongAnswer, exercises_of, solution_source


def _companion_exercises():
    """[(notebook path, exercises module)] of every notebook whose companion has exercises."""
    found = []
    for path in sync.notebook_paths():
        name = f"utils.{sync.companion(path.name)}.exercises"
        if importlib.util.find_spec(name) is not None:
            found.append((path, importlib.import_module(name)))
    return found


COMPANIONS = _companion_exercises()
ALL = [
    (f"{path.name[:2]}.{question}", exercise)
    for path, module in COMPANIONS
    for question, exercise in exercises_of(module).items()
]
EXERCISES = [  # those whose checks share expensive work run on one process (tests/exercise_checks.py)
    pytest.param(name, exercise, id=name, marks=[on_one_process(name)] if name in SHARED_WORK else [])
    for name, exercise in ALL
]


def test_exercises_are_found():
    assert len(COMPANIONS) >= 4 and len(ALL) >= 16, [path.name for path, _ in COMPANIONS]
    assert set(SHARED_WORK) <= {name for name, _ in ALL}, "tests/exercise_checks.py names no such exercise"


@pytest.mark.parametrize(("path", "module"), COMPANIONS, ids=[path.name for path, _ in COMPANIONS])
def test_questions_are_numbered_and_all_asked_in_the_notebook(path, module):
    questions = list(exercises_of(module))
    assert questions == [f"q{i}" for i in range(1, len(questions) + 1)], questions
    sources = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    companion = sync.companion(path.name)
    assert any(f"from utils.{companion} import exercises as ex" in s for s in sources), (
        f"{path.name}: import the exercises with `from utils.{companion} import exercises as ex`"
    )
    for question in questions:
        assert any(re.search(rf"^ex\.{question}\.check\(", s, re.M) for s in sources), (
            f"{path.name}: no cell calls ex.{question}.check(...)"
        )
    asked = {q for s in sources for q in re.findall(r"\bex\.(q\d+)\b", s)}
    assert asked <= set(questions), f"{path.name} asks {sorted(asked - set(questions))}, which do not exist"


@pytest.mark.parametrize(("name", "exercise"), EXERCISES)
def test_the_printed_solution_passes_its_own_check(name, exercise, capsys):
    namespace = dict(exercise.inputs()) if exercise.inputs is not None else {}  # the notebook's variables
    exec(compile(exercise.solution_code(), f"<solution {name}>", "exec"), namespace)
    verdict, out = run_check(exercise, namespace[exercise.answer_name], capsys)
    assert verdict is True, out
    assert out.startswith("✓ Correct: ") and len(out.strip()) > len("✓ Correct: ") + 20, out


@pytest.mark.parametrize(("name", "exercise"), EXERCISES)
@pytest.mark.parametrize("placeholder", [..., None])
def test_placeholders_are_not_answered_yet(name, exercise, placeholder, capsys):
    verdict, out = run_check(exercise, placeholder, capsys)
    assert verdict is False and out.startswith("✗ Not answered yet: "), out


@pytest.mark.parametrize(("name", "exercise"), EXERCISES)
@pytest.mark.parametrize(
    "answer", ["7840016", 3.5, float("nan"), float("inf"), [1, 2, 3], {"a": 1}, True, np.zeros((2, 2))]
)
def test_answers_of_the_wrong_kind_give_a_message_not_a_traceback(name, exercise, answer, capsys):
    verdict, out = run_check(exercise, answer, capsys)
    assert verdict is False and out.startswith("✗ ") and len(out) > 10, out
    assert "Traceback" not in out


@pytest.mark.parametrize(("name", "exercise"), EXERCISES)
def test_hints_in_steps_and_solution_print_code(name, exercise, capsys):
    """hint() is a nudge, hint(2) says more; the nudge is shorter than the last hint and gives away less."""
    assert len(exercise.hints) >= 2
    exercise.hint()
    nudge = capsys.readouterr().out
    assert nudge.startswith(f"Hint 1 of {len(exercise.hints)}: ") and nudge.rstrip().endswith(
        "(more: hint(2))"
    )
    exercise.hint(len(exercise.hints))
    last = capsys.readouterr().out
    assert "(more:" not in last and len(last) > len(nudge) > 40
    exercise.hint(0)
    assert (
        capsys.readouterr().out
        == f"There are {len(exercise.hints)} hints: hint(1) to hint({len(exercise.hints)}).\n"
    )
    exercise.solution()
    printed = capsys.readouterr().out
    assert printed == f"Solution:\n\n{exercise.solution_code()}\n"
    assert f"def {exercise.solution_function.__name__}(" in printed


# ------------------------------------------------------------------------------------ the machinery
def test_solution_source_prints_the_imports_the_function_uses_and_the_call(tmp_path, monkeypatch):
    (tmp_path / "fake_exercises.py").write_text(
        "import itertools\nimport math\n\nimport numpy as np\n\nfrom utils.data import one_hot\n\n\n"
        "def closest(mnist, k):\n    return int(np.argmin(mnist) + math.pi) + k\n"
    )
    monkeypatch.syspath_prepend(tmp_path)
    module = importlib.import_module("fake_exercises")
    assert solution_source(module.closest, call=True) == (
        "import math\nimport numpy as np\n\n\n"
        "def closest(mnist, k):\n    return int(np.argmin(mnist) + math.pi) + k\n\n\n"
        "answer = closest(mnist, k)\nprint(answer)"
    )
    assert solution_source(module.closest).endswith("+ k")


def test_a_check_that_breaks_still_prints_a_message(capsys):
    def broken(answer):
        raise KeyError("boom")

    def solution():
        return 1

    exercise = Exercise(broken, solution=solution, correct="-", hint="-", inputs=dict)
    verdict, out = run_check(exercise, 1, capsys)
    assert verdict is False and "could not be checked (KeyError" in out


def test_a_wrong_answer_prints_the_checks_message_and_a_right_one_what_it_measured(capsys):
    def checker(answer):
        if answer != 2:
            raise WrongAnswer("count again.")
        return "You found 2."

    def two():
        return 2

    exercise = Exercise(checker, solution=two, correct="Two it is.", hint="-", inputs=dict)
    assert run_check(exercise, 3, capsys) == (False, "✗ count again.\n")
    assert run_check(exercise, exercise.reference_answer(), capsys) == (
        True,
        "✓ Correct: You found 2. Two it is.\n",
    )
    assert exercise.answer_name == "answer"


def test_an_exercise_needs_a_real_solution_function():
    with pytest.raises(TypeError, match="solution a function"):
        Exercise(print, solution="answer = 1", correct="-", hint="-")


def test_progress_shows_which_questions_pass(capsys):
    from utils.loading_mnist import exercises as ex

    saved = {name: q.passed for name, q in exercises_of(ex).items()}
    try:
        for q in exercises_of(ex).values():
            q.passed = None
        run_check(ex.q1, 7_840_016, capsys)  # right
        run_check(ex.q2, 12, capsys)  # wrong
        ex.progress()
        assert capsys.readouterr().out == (
            "q1: ✓ passed\nq2: ✗ not yet\nq3: · not checked yet\nq4: · not checked yet\n1 of 4 pass\n"
        )
    finally:
        for name, q in exercises_of(ex).items():
            q.passed = saved[name]


def test_in_jupyter_a_verdict_is_coloured_html_with_the_same_plain_text(monkeypatch, capsys):
    import IPython.display

    from utils import exercise as machinery

    shown = []
    monkeypatch.setattr(machinery, "_in_jupyter", lambda: True)
    monkeypatch.setattr(IPython.display, "display", lambda data, raw: shown.append(data))
    machinery.show("✗ 3 < 4 & more", passed=False)
    machinery.show("✓ Correct: yes", passed=True)
    assert capsys.readouterr().out == ""
    assert [data["text/plain"] for data in shown] == ["✗ 3 < 4 & more", "✓ Correct: yes"]
    assert "#D55E00" in shown[0]["text/html"] and "3 &lt; 4 &amp; more" in shown[0]["text/html"]
    assert "#009E73" in shown[1]["text/html"] and "<strong>✓</strong>" in shown[1]["text/html"]


def test_a_slow_check_says_what_it_computes_on_its_first_run(capsys):
    slow = Exercise(
        lambda answer: None, solution=solution_source, correct="c", hint="h", nudge="n", working="Checking: x"
    )
    slow.check(1)
    assert capsys.readouterr().out == "… Checking: x\n✓ Correct: c\n"
    slow.check(1)
    assert capsys.readouterr().out == "✓ Correct: c\n"


def test_solutions_name_the_earlier_exercise_left_undone(capsys):
    from utils.lstm_classifier import exercises as ex03

    def build_row_model(recurrent_layer):  # exercise 1 left as the placeholder
        ...

    assert ex03.train_row_models(build_row_model, None, 42, 10, 1) is None
    assert "write it first (exercise 1)" in capsys.readouterr().out
    assert ex03.masked_accuracies(lambda model: None, None, None) is None
    assert "write it first (exercise 3)" in capsys.readouterr().out
