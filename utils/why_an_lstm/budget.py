"""Notebook 05's run time, part by part, for the speed probe in its Setup (see :mod:`utils.run_time`).

Each part is counted in *LSTM steps* (the time of one training step of the row LSTM on 128 images, as the probe
measures it) and in graphs Keras builds. A model's training step costs :data:`STEP_COST` LSTM steps (from its
time per epoch against the LSTM's); a sequence of ``28 + K`` rows costs ``(28 + K) / 28`` of one of 28. A
prediction pass over an image costs :data:`FORWARD_SHARE` of a training step on it. Each training builds
:data:`GRAPHS_PER_TRAINING` graphs (training, then validation or evaluation). The factors were fitted to full runs
on 1 and 2 cores (benchmarks/notebook_times.py, with the probe's measurements of the same runs).
"""

import math

from utils.run_time import Part

#: One training step of each model, batches of 128, in LSTM steps (validation included).
STEP_COST = {
    "MLP": 0.25,
    "bag of rows": 0.25,
    "SimpleRNN": 0.6,
    "GRU": 1.1,
    "LSTM": 1.15,
    "2-layer LSTM": 2.0,
    "bidirectional LSTM": 2.4,
    "CNN": 0.35,
}
#: A prediction (forward pass) against a training step on the same images.
FORWARD_SHARE = 0.35
#: The graphs each training builds: its training function and its evaluation (or prediction) function.
GRAPHS_PER_TRAINING = 2
#: Everything else after the probe: the gradient norms, the forget gates, the pixel-by-pixel timing, figures.
THE_REST = 250.0
OTHER_GRAPHS = 6


def _trainings(models, images, epochs, evaluated, length=28):
    """``(LSTM steps, per epoch)`` of training each of ``models`` on ``images`` sequences of ``length`` rows for
    ``epochs``, with ``evaluated`` = (images predicted per epoch, images predicted once at the end)."""
    cost = sum(STEP_COST[m] for m in models) * length / 28
    per_epoch = cost * (math.ceil(images / 128) + FORWARD_SHARE * evaluated[0] / 128)
    return per_epoch * epochs + cost * FORWARD_SHARE * evaluated[1] / 128, per_epoch


def run_time_parts(
    MODELS,
    TRAIN_IMAGES,
    EPOCHS,
    ORDER_RUNS,
    MEMORY_MODELS,
    MEMORY_IMAGES,
    MEMORY_EPOCHS,
    BLANK_ROWS,
    VAL_IMAGES=2_000,
    TEST_IMAGES=10_000,
    MEMORY_TEST_IMAGES=2_000,
):
    """The notebook's run after the probe, as :class:`~utils.run_time.Part` s, for these parameter values.

    ``MODELS``: section 1's models; ``ORDER_RUNS``: section 4's extra LSTM trainings (orders and seeds);
    ``MEMORY_MODELS``: section 3's models, each trained once per ``BLANK_ROWS`` value.
    """
    compared, compared_epoch = _trainings(
        list(MODELS) + ["LSTM"] * ORDER_RUNS, TRAIN_IMAGES, EPOCHS, (VAL_IMAGES, TEST_IMAGES)
    )
    memory, memory_epoch = 0.0, 0.0
    for k in BLANK_ROWS:
        steps, per_epoch = _trainings(
            MEMORY_MODELS, MEMORY_IMAGES, MEMORY_EPOCHS, (0, MEMORY_TEST_IMAGES), 28 + k
        )
        memory, memory_epoch = memory + steps, memory_epoch + per_epoch
    trainings = len(MODELS) + ORDER_RUNS
    return [
        Part(
            f"sections 1 and 4: {trainings} trainings, {TRAIN_IMAGES:,} images x {EPOCHS} epochs",
            compared,
            GRAPHS_PER_TRAINING * trainings,
            "CLASS_EPOCHS",
            "epoch",
            compared_epoch,
        ),
        Part(
            f"section 3: {len(MEMORY_MODELS) * len(BLANK_ROWS)} trainings, {MEMORY_IMAGES:,} images x "
            f"{MEMORY_EPOCHS} epochs",
            memory,
            GRAPHS_PER_TRAINING * len(MEMORY_MODELS) * len(BLANK_ROWS),
            "MEMORY_TRAIN_EPOCHS",
            "epoch",
            memory_epoch,
        ),
        Part("everything else", THE_REST, OTHER_GRAPHS),
    ]
