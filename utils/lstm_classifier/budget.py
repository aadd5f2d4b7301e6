"""Notebook 03's run time, part by part, for the speed probe in its Setup (see :mod:`utils.run_time`).

Each part is counted in *LSTM steps* (the time of one training step of the row LSTM on 128 images, as the probe
measures it) and in graphs Keras builds (a training, validation or prediction function). The factors were fitted
to full runs on 1 and 2 cores (benchmarks/notebook_times.py, with the probe's measurements of the same runs).
"""

import math

from utils.run_time import Part

#: One step of the original recipe (batch 128), its per-epoch validation included, in probe steps. More than one:
#: ``fit`` also feeds the batches through tf.data, which shares the cores (measured: 1.4 on 2 cores, 1.6 on 1).
ORIGINAL_STEP = 1.5
#: One step of the recommended recipe (batch 256, random shifts, weight averaging), validation included.
RECOMMENDED_STEP = 2.7
#: The truncated-input experiment, per 1,000 test images.
TRUNCATION_PER_1000_IMAGES = 42.0
#: Everything else after the probe: the checks of the LSTM by hand, evaluation, figures, the shipped weights,
#: saving and reloading, the exercises' setup.
THE_REST = 80.0
#: The graphs built in the rest: predictions, the shipped weights, saving and reloading.
OTHER_GRAPHS = 6


def run_time_parts(EPOCHS, BETTER_EPOCHS, TRAIN_IMAGES, TRUNCATION_IMAGES):
    """The notebook's run after the probe, as :class:`~utils.run_time.Part` s, for the budgets in effect (smoke
    mode included). Each part names the parameter of the notebook's parameters cell that sets it."""
    original_steps = math.ceil(TRAIN_IMAGES / 128)
    recommended_steps = math.ceil(TRAIN_IMAGES / 256)
    return [
        Part(
            f"original recipe, {EPOCHS} epochs",
            EPOCHS * original_steps * ORIGINAL_STEP,
            2,
            "ORIGINAL_EPOCHS",
            "epoch",
            original_steps * ORIGINAL_STEP,
        ),
        Part(
            f"recommended recipe, {BETTER_EPOCHS} epoch{'s' if BETTER_EPOCHS != 1 else ''}",
            BETTER_EPOCHS * recommended_steps * RECOMMENDED_STEP,
            2,
            "RECOMMENDED_EPOCHS",
            "epoch",
            recommended_steps * RECOMMENDED_STEP,
        ),
        Part(
            f"truncated inputs, {TRUNCATION_IMAGES:,} test images",
            TRUNCATION_IMAGES / 1000 * TRUNCATION_PER_1000_IMAGES,
            3,
            "TRUNCATION_TEST_IMAGES",
            "1,000 images",
            TRUNCATION_PER_1000_IMAGES,
        ),
        Part("everything else", THE_REST, OTHER_GRAPHS),
    ]
