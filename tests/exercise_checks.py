"""What the exercise tests share: run a check and read its verdict and its message; keep on one process the
tests whose checks share expensive work."""

import pytest

#: Exercises whose checks hold expensive work, done once per session (``functools.cache``): the shipped model
#: run on thousands of images for a reference, or for what a typical mistake gives. A session is one process,
#: and pytest-xdist hands tests to two, so every test of such an exercise (its printed solution, its typical
#: mistakes) goes to the process of its group (``--dist loadgroup``): the work is done once, not on each.
SHARED_WORK = {
    "03.q3": "exercises-03-masking",  # the shipped model on 300 test digits, padded and whole
    "03.q4": "exercises-03-masked-accuracies",  # ... on all 10,000, with and without the mask
    "04.q1": "exercises-04-shipped-model",  # its hidden states on the validation and test images
    "04.q2": "exercises-04-shipped-model",
    "04.q4": "exercises-04-shipped-model",
}


def on_one_process(name):
    """The mark that sends a test of exercise ``name`` ("04.q1"), one of SHARED_WORK, to the process that holds
    its work."""
    return pytest.mark.xdist_group(SHARED_WORK[name])


def run_check(exercise, answer, capsys):
    """(verdict, printed text) of exercise.check(answer)."""
    capsys.readouterr()
    assert exercise.check(answer) is None  # the verdict is in .passed, so a cell shows only the message
    out = capsys.readouterr().out
    # A slow check's first run says what it computes ("… Checking: ..."), before the verdict.
    return exercise.passed, "".join(
        line for line in out.splitlines(keepends=True) if not line.startswith("… ")
    )


def assert_wrong(exercise, answer, fragment, capsys):
    """The answer is refused with a message that contains ``fragment``, and no traceback."""
    verdict, out = run_check(exercise, answer, capsys)
    assert verdict is False, out
    assert out.startswith("✗ "), out
    assert fragment in out, out
    assert "Traceback" not in out
