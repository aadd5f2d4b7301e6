"""What the exercise tests share: run a check and read its verdict and its message."""


def run_check(exercise, answer, capsys):
    """(verdict, printed text) of exercise.check(answer)."""
    capsys.readouterr()
    assert exercise.check(answer) is None  # the verdict is in .passed, so a cell shows only the message
    return exercise.passed, capsys.readouterr().out


def assert_wrong(exercise, answer, fragment, capsys):
    """The answer is refused with a message that contains ``fragment``, and no traceback."""
    verdict, out = run_check(exercise, answer, capsys)
    assert verdict is False, out
    assert out.startswith("✗ "), out
    assert fragment in out, out
    assert "Traceback" not in out
