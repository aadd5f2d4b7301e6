"""What every exercise of the series has: a check, a hint and a solution (in the style of Kaggle Learn's
``learntools``). Each notebook's exercises live in its companion package, ``utils/<name>/exercises.py``, as
module-level ``q1``, ``q2``, ... objects of :class:`Exercise`. In a notebook::

    from utils.loading_mnist import exercises as ex

    answer = ...  # your answer
    ex.q1.check(answer)  # prints "✓ Correct: ..." or "✗ <what is wrong>"; the verdict is in ex.q1.passed
    ex.q1.hint()  # prints a first hint, a nudge; ex.q1.hint(2) prints more
    ex.q1.solution()  # prints the reference solution, as code
    ex.progress()  # which questions pass

In Jupyter a verdict shows as coloured HTML (green ✓, vermilion ✗, the symbol says it too); elsewhere, and in
the text a notebook keeps for other viewers, it is the same plain text.

**The solution is real code, written once.** It is a function of the companion module, linted like any other
code, and it is three things at once: what ``solution()`` prints (its source, with the imports it uses), the
reference the check compares an answer with, and what the tests run through the check. Two kinds:

* the answer *is* a function (``mean_images(images, labels)``): the solution is that function, under the same
  name; the check calls both on the same data;
* the answer is a value (``answer = ...``): the solution is a function of the notebook's variables that
  returns it, e.g. ``closest_pair(mnist)``; ``inputs`` gives those variables (the check and the tests call
  ``solution(**inputs())``), and ``solution()`` prints the function and the line ``answer = closest_pair(mnist)``.

``check`` never raises for a wrong answer: an unanswered placeholder (``...`` or ``None``, or a function
that still returns ``None``) gives "✗ Not answered yet", a typical mistake gets a message about that
mistake, and an exception raised inside a student's function is reported by name.

The helpers below turn an answer into the number, pair or share a check needs, or call a student's function,
each with a message that says what was expected instead of a traceback.
"""

import ast
import functools
import inspect
import sys
from html import escape as html_escape

import numpy as np

from utils.data import load_mnist


class WrongAnswer(Exception):
    """Raised by a check function: the answer is wrong, the message says how."""


class NotAnswered(WrongAnswer):
    """Raised by a check function: the answer is still the placeholder."""


class Exercise:
    """One exercise: ``check(answer)``, ``hint(level)``, ``solution()``.

    checker: a function of the answer that returns when it is right (optionally a sentence on what it
    measured, printed before ``correct``) and raises ``WrongAnswer`` (or ``NotAnswered``) with a specific
    message when it is not. solution: the reference solution, a function of the companion module (see the
    module's docstring). inputs: for an answer that is a value, a function returning ``{name: value}`` of
    the notebook variables the solution takes; None when the answer is a function. correct: one line on why
    the result matters, printed after "✓ Correct:". nudge: the first hint, ``hint()``, which points the way
    without giving it; hint: the detailed one, ``hint(2)`` (``hint()`` when there is no nudge). working: for a
    check whose first run computes for seconds (its reference), what it does then, printed before it starts.
    """

    def __init__(self, checker, *, solution, correct, hint, nudge=None, inputs=None, working=None):
        if not callable(checker) or not inspect.isfunction(solution):
            raise TypeError("Exercise: checker must be callable and solution a function of the module")
        hints = (hint,) if nudge is None else (nudge, hint)
        self.checker, self.solution_function, self.inputs = checker, solution, inputs
        self.correct, self.hints, self.working = correct, tuple(h.strip() for h in hints), working
        self.passed = None  # True / False after check(): was the last answer right?

    @property
    def answer_name(self):
        """The name the student's answer has in the notebook: ``answer``, or the function's name."""
        return "answer" if self.inputs is not None else self.solution_function.__name__

    def reference_answer(self):
        """The solution's answer: the function itself, or its value on the notebook's variables."""
        if self.inputs is None:
            return self.solution_function
        return self.solution_function(**self.inputs())

    def check(self, answer):
        """Show whether ``answer`` is right ("✓ Correct: ...") or what is wrong ("✗ ...").

        The verdict is kept in ``passed`` (True / False); ``check`` itself returns nothing, so a notebook
        cell shows only the message.
        """
        if self.working is not None and self.passed is None:  # the first check computes the reference
            print(f"… {self.working}", flush=True)
        self.passed = False
        try:
            if answer is ... or answer is None:
                what = "answer" if self.inputs is not None else f"function {self.answer_name}"
                raise NotAnswered(f"replace the `...` with your {what}.")
            measured = self.checker(answer)  # a check may return what it measured, to show with the verdict
        except NotAnswered as problem:
            show(f"✗ Not answered yet: {problem}", passed=False)
            return
        except WrongAnswer as problem:
            show(f"✗ {problem}", passed=False)
            return
        except Exception as problem:  # an answer of a kind the check did not foresee: still no traceback
            show(f"✗ This answer could not be checked ({type(problem).__name__}: {problem}).", passed=False)
            return
        self.passed = True
        show(f"✓ Correct: {measured + ' ' if isinstance(measured, str) else ''}{self.correct}", passed=True)

    def hint(self, level=1):
        """Print hint number ``level``: 1 is a nudge, the last one says the most."""
        count = len(self.hints)
        if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= count:
            steps = "hint()" if count == 1 else f"hint(1) to hint({count})"
            print(f"There {'is' if count == 1 else 'are'} {count} hint{'s' * (count > 1)}: {steps}.")
            return
        more = f" (more: hint({level + 1}))" if level < count else ""
        label = "Hint" if count == 1 else f"Hint {level} of {count}"
        print(f"{label}: {self.hints[level - 1]}{more}")

    def solution_code(self):
        """The reference solution as code to read or paste: the imports it uses, the function, and for an
        answer that is a value, the line that computes it."""
        return solution_source(self.solution_function, call=self.inputs is not None)

    def solution(self):
        """Print the reference solution, as code to read or paste."""
        print(f"Solution:\n\n{self.solution_code()}")


def _in_jupyter():
    """Is this code running in a Jupyter kernel (where HTML is displayed)?"""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and hasattr(shell, "kernel")


#: Okabe-Ito colours (told apart by colour-blind readers too) for the border, a light tint of each behind the
#: text, whose colour stays the page's own, so that it keeps its contrast; the ✓ or ✗ says it without colour.
_VERDICT_COLOURS = {True: ("#009E73", "#E5F5F0"), False: ("#D55E00", "#FBEDE4")}


def show(text, passed):
    """A verdict: coloured HTML in Jupyter (with the same plain text for other viewers), else printed."""
    if not _in_jupyter():
        print(text)
        return
    from IPython.display import display  # only in a kernel, where IPython is there

    border, tint = _VERDICT_COLOURS[bool(passed)]
    html = (
        f'<div style="border-left: 4px solid {border}; background: {tint}; color: #1a1a1a; padding: 4px 8px; '
        f'white-space: pre-wrap"><strong>{html_escape(text[:1])}</strong>{html_escape(text[1:])}</div>'
    )
    display({"text/plain": text, "text/html": html}, raw=True)


def progress_of(module_name):
    """A ``progress()`` for a companion's exercises module: ``progress = progress_of(__name__)``."""

    def progress():
        """Which of this notebook's exercises pass (✓), failed their last check (✗) or are not checked yet."""
        marks = {True: "✓ passed", False: "✗ not yet", None: "· not checked yet"}
        questions = exercises_of(sys.modules[module_name])
        for name, exercise in questions.items():
            print(f"{name}: {marks[exercise.passed]}")
        done = sum(exercise.passed is True for exercise in questions.values())
        print(f"{done} of {len(questions)} pass")

    return progress


@functools.cache
def _module_imports(module_name):
    """The top-level import statements of a module, as ast nodes."""
    tree = ast.parse(inspect.getsource(sys.modules[module_name]))
    return [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]


def _imports_of(module_name, used):
    """The import statements of a module that bind names in ``used``, keeping only those names."""
    lines = []
    for node in _module_imports(module_name):
        aliases = [a for a in node.names if (a.asname or a.name).split(".")[0] in used]
        if isinstance(node, ast.ImportFrom) and aliases:
            lines.append(ast.unparse(ast.ImportFrom(module=node.module, names=aliases, level=node.level)))
        elif aliases:
            lines.append(ast.unparse(ast.Import(names=aliases)))
    return lines


def solution_source(function, call=False):
    """The source of ``function`` with the imports of its module that it uses; with ``call=True``, followed
    by ``answer = function(<its parameters>)``, the parameters being named after the notebook's variables."""
    code = inspect.getsource(function)
    loaded, local = set(), set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else local).add(node.id)
        elif isinstance(node, ast.arg):  # the parameters, its own and those of a lambda or inner function
            local.add(node.arg)
    used = loaded - local  # the names it takes from its module: what the printed code must import
    imports = _imports_of(function.__module__, used)
    pieces = ["\n".join(imports)] if imports else []
    pieces.append(code.rstrip("\n"))
    if call:
        parameters = ", ".join(inspect.signature(function).parameters)
        pieces.append(f"answer = {function.__name__}({parameters})\nprint(answer)")
    return "\n\n\n".join(pieces)


def exercises_of(module):
    """``{"q1": Exercise, ...}`` of a companion's exercises module, in question order."""
    found = {name: value for name, value in vars(module).items() if isinstance(value, Exercise)}
    return dict(sorted(found.items(), key=lambda item: int(item[0][1:]) if item[0][1:].isdigit() else 0))


# ----------------------------------------------------------------------------- reading a student's answer
@functools.cache
def mnist():
    """The shipped MNIST split, loaded once per session for the checks that need the real data."""
    return load_mnist()


def _plain_number(answer):
    """A 0-d array or tensor of numbers (``np.mean(...)`` kept as an array, ``dataset.cardinality()``) as the
    Python number it holds; any other answer as it is."""
    if isinstance(answer, (int, float, str, bytes)):
        return answer
    try:
        array = np.asarray(answer)
    except Exception:  # not array-like at all: the caller names its type
        return answer
    return array.item() if array.ndim == 0 and array.dtype.kind in "iuf" else answer


def _a(answer):
    """'a list', 'an EagerTensor': the article and the type name of ``answer``, for a message."""
    name = type(answer).__name__.lstrip("_")  # tf.data's _BatchDataset: the name a student knows
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def whole_number(answer, what):
    """``answer`` as an int, or WrongAnswer when it is not one whole number."""
    value = _plain_number(answer)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise WrongAnswer(f"give {what} as one number (an int), not {_a(answer)}.")
    if not np.isfinite(value) or value != int(value):
        raise WrongAnswer(f"{value} is not a whole number; {what} is.")
    return int(value)


def pair(answer, what):
    """``answer`` as a tuple of two ints, or WrongAnswer."""
    if isinstance(answer, (str, bytes)) or not hasattr(answer, "__len__") or len(answer) != 2:
        raise WrongAnswer(f"give {what} as a pair of numbers, e.g. (1, 2).")
    return tuple(whole_number(value, "each of the two numbers") for value in answer)


def share(answer, what):
    """``answer`` as one float, or WrongAnswer when it is not one number."""
    value = _plain_number(answer)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise WrongAnswer(f"give {what} as one number (a float), not {_a(answer)}.")
    if not np.isfinite(value):
        raise WrongAnswer(f"{value} is not a share; {what} is a number between 0 and 1.")
    return float(value)


def call(function, *args, returns="the array", **kwargs):
    """Call a student's function; an exception becomes a WrongAnswer naming it, None a NotAnswered
    (``returns``: what the function should return, for that message)."""
    name = getattr(function, "__name__", "your function")
    if not callable(function):
        raise WrongAnswer(
            f"pass the function itself (its name, no parentheses), not a {type(function).__name__}."
        )
    shown = ", ".join([f"an array of shape {a.shape}" if hasattr(a, "shape") else repr(a) for a in args])
    shown += "".join(f", {key}={value!r}" for key, value in kwargs.items())
    try:
        result = function(*args, **kwargs)
    except Exception as problem:
        raise WrongAnswer(f"{name}({shown}) raised {type(problem).__name__}: {problem}") from None
    if result is None:
        raise NotAnswered(f"{name} returns None; write its body so that it returns {returns}.")
    return result
