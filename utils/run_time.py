"""How long will this notebook take here? The speed probe in the Setup of the notebooks that train.

A notebook's run time is mostly training, and two things the machine decides set it: how long a training step
takes (which more cores shorten), and how long Keras takes to build a model's training graph before its first
step (Python, on one core). :func:`measure` times both on notebook 03's row LSTM, in a few seconds. Each training
notebook's companion describes its run as parts, each a number of **LSTM steps** (one training step of the row
LSTM on 128 images) and of **graphs built**, which follow from the notebook's parameters, with the parameter that
sets the part. The estimate of a part::

    seconds(part) = steps(part) x seconds per step + graphs(part) x seconds per graph

The steps per part were measured once (benchmarks/notebook_times.py, on 1 and 2 cores). Work that is not an
LSTM (an MLP, a CNN, a prediction pass) counts as the LSTM steps it took at the time.
"""

import time
from dataclasses import dataclass

import numpy as np

import utils

#: The probe's steps: the first builds the graph (timed as the graph's cost), the rest of the warm-up is not timed,
#: then PROBE_STEPS are timed one by one.
WARM_UP_STEPS = 3
PROBE_STEPS = 12
#: How far off the estimate is allowed to be from a measured run (the tests hold it to this).
TOLERANCE = 0.30


@dataclass(frozen=True)
class Part:
    """One part of a notebook's run: ``steps`` LSTM steps in all. When a parameter sets its size,
    ``parameter`` names it, and each ``unit`` of it (an epoch, 1,000 images) costs ``steps_per_unit``."""

    label: str
    steps: float
    graphs: float = 0.0
    parameter: str | None = None
    unit: str | None = None
    steps_per_unit: float | None = None


@dataclass(frozen=True)
class Speed:
    """What :func:`measure` found: seconds per training step of the row LSTM, and per graph built."""

    step: float
    graph: float


def measure(batch_size=128, seed=0):
    """Time notebook 03's row LSTM (Adam, ``batch_size`` random images of 28 x 28) here: its first training
    step, which builds the graph, and the median of :data:`PROBE_STEPS` steps after :data:`WARM_UP_STEPS`.
    Returns a :class:`Speed`: the graph's time is the first step's less one step."""
    utils.silence_tensorflow()
    import keras

    from utils.lstm_classifier.taught import build_row_lstm

    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    images = rng.random((batch_size, 28, 28), dtype=np.float32)
    labels = rng.integers(0, 10, batch_size)
    model = build_row_lstm()
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    started = time.perf_counter()
    model.train_on_batch(images, labels)  # builds the graph
    first = time.perf_counter() - started
    for _ in range(WARM_UP_STEPS - 1):
        model.train_on_batch(images, labels)
    times = []
    for _ in range(PROBE_STEPS):
        started = time.perf_counter()
        model.train_on_batch(images, labels)
        times.append(time.perf_counter() - started)
    keras.backend.clear_session()
    step = float(np.median(times))
    return Speed(step=step, graph=max(first - step, 0.0))


def minutes_and_seconds(seconds):
    """``"3 min 05 s"`` or ``"48 s"``."""
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s" if minutes else f"{rest} s"


def _seconds(part, speed):
    return part.steps * speed.step + part.graphs * speed.graph


def estimate(parts, speed):
    """Estimated seconds of the whole run at this :class:`Speed`: every part's steps and graphs, timed."""
    for name in ("step", "graph"):
        value = getattr(speed, name, None)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0 or value != value:
            raise ValueError(f"estimate: speed.{name} must be a number of seconds >= 0, got {value!r}")
    if not speed.step > 0:
        raise ValueError(f"estimate: speed.step must be more than 0 seconds, got {speed.step!r}")
    return sum(_seconds(part, speed) for part in parts)


def report(parts, speed):
    """The probe's printout: the estimate, and what each part costs and how to shorten it."""
    total = estimate(parts, speed)
    low, high = total * (1 - TOLERANCE), total * (1 + TOLERANCE)
    lines = [
        f"Speed probe: one training step of the row LSTM (128 images) takes {speed.step * 1000:.0f} ms here; "
        f"building a model's training graph {speed.graph:.1f} s.",
        f"Expected time for the rest of this notebook: about {minutes_and_seconds(total)} "
        f"(between {minutes_and_seconds(low)} and {minutes_and_seconds(high)}).",
        "Where the time goes, and what shortens it (parameters cell):",
    ]
    width = max(len(part.label) for part in parts)
    for part in parts:
        how = ""
        if part.parameter:
            each = minutes_and_seconds(part.steps_per_unit * speed.step)
            how = f"   {part.parameter}: {each} per {part.unit}"
        lines.append(f"  {part.label:{width}s} {minutes_and_seconds(_seconds(part, speed)):>10s}{how}")
    return "\n".join(lines)


class RunClock:
    """Started by the probe; at the end of the notebook, compares the time taken with the estimate."""

    def __init__(self, estimated_seconds):
        self.estimated_seconds = estimated_seconds
        self.started = time.perf_counter()

    def elapsed(self):
        return time.perf_counter() - self.started

    def summary(self):
        elapsed = self.elapsed()
        off = elapsed / self.estimated_seconds - 1
        return (
            f"This run took {minutes_and_seconds(elapsed)} after the speed probe; it estimated "
            f"{minutes_and_seconds(self.estimated_seconds)} ({off:+.0%})."
        )


def probe(parts_for, **parameters):
    """Measure this machine, print the estimate for the notebook's run with these ``parameters``, and return
    a :class:`RunClock` for the notebook's last cell. ``parts_for(**parameters)`` is the companion's list of
    :class:`Part`."""
    speed = measure()
    parts = parts_for(**parameters)
    print(report(parts, speed))
    return RunClock(estimate(parts, speed))
