"""Notebook 05's eight models trained to convergence on all 55,000 training images.

    python benchmarks/why_an_lstm_converged.py                 # every model; about an hour on 2 CPU cores
    python benchmarks/why_an_lstm_converged.py --models LSTM   # some of them (the others keep their saved results)
    python benchmarks/why_an_lstm_converged.py --quick         # try-out: 1,024 images, at most 2 epochs
    taskset -c 1 python benchmarks/why_an_lstm_converged.py    # on one core (Linux), leaving the other free

Notebook 05 compares the models on a class-sized budget (6,000 images, 3 epochs). This script asks whether its
conclusions hold when every model is trained as long as it keeps improving. Same models (``build_model`` from
notebook 05, ``build_row_lstm`` from notebook 03, generated from their ``# @save`` cells), same optimizer (Adam
3e-3, gradient norm clipped at 1, batches of 128, notebook 05's ``train_timed``), same seed, but all 55,000
training images, until the validation accuracy (5,000 images) has not improved for ``--patience`` epochs or
``--max-epochs`` is reached; the weights of the best epoch are kept and tested once on the 10,000 test images.

Writes every measurement to benchmarks/why_an_lstm_converged.json (atomically, after each model, so an
interrupted run keeps what it finished). Notebook 05 shows that table beside its own.
"""

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import utils

utils.silence_tensorflow()

import keras
import tensorflow as tf

from utils.data import load_mnist
from utils.lstm_classifier.taught import build_row_lstm
from utils.why_an_lstm.taught import build_model, train_timed

MEASUREMENTS = Path(__file__).resolve().parent / "why_an_lstm_converged.json"
SEED = 42
BATCH_SIZE = 128
LEARNING_RATE = 3e-3
#: Notebook 05's eight models, in its order.
CONTENDERS = {
    "MLP": lambda: build_model("MLP"),
    "bag of rows": lambda: build_model("bag of rows"),
    "SimpleRNN": lambda: build_model("SimpleRNN"),
    "GRU": lambda: build_model("GRU"),
    "LSTM": build_row_lstm,
    "2-layer LSTM": lambda: build_model("2-layer LSTM"),
    "bidirectional LSTM": lambda: build_model("bidirectional LSTM"),
    "CNN": lambda: build_model("CNN"),
}


def train_to_convergence(name, data, max_epochs, patience):
    """One model trained until validation accuracy stops improving; its measurements as a dict."""
    (x_train, y_train), (x_val, y_val), (x_test, y_test) = data
    keras.utils.set_random_seed(SEED)
    model = CONTENDERS[name]()
    stop = keras.callbacks.EarlyStopping(
        monitor="val_accuracy", mode="max", patience=patience, restore_best_weights=True
    )
    started = time.perf_counter()
    run = train_timed(
        model,
        x_train,
        y_train,
        (x_val, y_val),
        epochs=max_epochs,
        batch_size=BATCH_SIZE,
        learning_rate=LEARNING_RATE,
        verbose=2,
        callbacks=[stop],
    )
    wall = time.perf_counter() - started
    test = model.evaluate(x_test, y_test, batch_size=1000, verbose=0, return_dict=True)
    val = [float(a) for a in run["val_accuracy"]]
    best_epoch = max(range(len(val)), key=val.__getitem__) + 1  # the first epoch with the best accuracy
    return {
        "parameters": model.count_params(),
        "epochs_trained": len(val),
        "best_epoch": best_epoch,
        # stopped by the patience rule, not by the epoch limit
        "converged": len(val) < max_epochs or best_epoch <= max_epochs - patience,
        "val_accuracy": val,
        "best_val_accuracy": val[best_epoch - 1],
        "test_accuracy": float(test["accuracy"]),
        "train_seconds": [float(s) for s in run["seconds"]],
        "seconds_per_epoch": float(run["seconds"][-1]) / len(val),
        "wall_seconds": wall,
        "cores_used": cores_used(),
    }


def cores_used():
    """The cores this process may run on (fewer than the machine's when pinned, e.g. with taskset)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def save(results, settings, path):
    """Write the measurements and how they were made, atomically. Each model's result says on how many cores
    it trained (``cores_used``): models can be run, and re-run, separately (``--models``)."""
    machine = {
        "cpu_count": os.cpu_count(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
    }
    with utils.atomic_path(path) as tmp:
        tmp.write_text(
            json.dumps({"machine": machine, "settings": settings, "models": results}, indent=1) + "\n"
        )
    return Path(path)


def load(path=MEASUREMENTS):
    """The saved measurements, as :func:`save` wrote them; a clear error when they are missing or damaged."""
    try:
        saved = json.loads(Path(path).read_text())
        for name, result in saved["models"].items():
            result["test_accuracy"], result["best_val_accuracy"], result["epochs_trained"]  # noqa: B018
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ValueError(
            f"{path} is missing or damaged ({error!r}); run `python benchmarks/why_an_lstm_converged.py` to "
            "write it again"
        ) from None
    return saved


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--models", nargs="+", choices=list(CONTENDERS), help="train only these (default: all)"
    )
    parser.add_argument("--max-epochs", type=int, default=20, help="epoch limit per model (default 20)")
    parser.add_argument("--patience", type=int, default=3, help="epochs without improvement before stopping")
    parser.add_argument(
        "--quick", action="store_true", help="try-out: 1,024 training images, at most 2 epochs"
    )
    parser.add_argument("--out", type=Path, default=None, help="where to write the JSON")
    args = parser.parse_args(argv)
    if args.max_epochs < 1 or args.patience < 1:
        parser.error("--max-epochs and --patience must be at least 1")

    train_images = 1_024 if args.quick else 55_000
    max_epochs = min(args.max_epochs, 2) if args.quick else args.max_epochs
    out = args.out or (Path(os.devnull) if args.quick else MEASUREMENTS)
    mnist = load_mnist()
    data = (
        (mnist.x_train[:train_images], mnist.y_train[:train_images]),
        (mnist.x_val, mnist.y_val),
        (mnist.x_test, mnist.y_test),
    )
    settings = {
        "train_images": train_images,
        "val_images": len(mnist.x_val),
        "test_images": len(mnist.x_test),
        "max_epochs": max_epochs,
        "patience": args.patience,
        "batch_size": BATCH_SIZE,
        "learning_rate": LEARNING_RATE,
        "seed": SEED,
    }
    results = {}
    if out == MEASUREMENTS and args.models and MEASUREMENTS.exists():
        results = load()["models"]  # keep the models not asked for
    started = time.perf_counter()
    for name in args.models or CONTENDERS:
        print(f"--- {name}", flush=True)
        results[name] = train_to_convergence(name, data, max_epochs, args.patience)
        r = results[name]
        print(
            f"{name}: best validation {r['best_val_accuracy']:.4f} at epoch {r['best_epoch']} of "
            f"{r['epochs_trained']}, test {r['test_accuracy']:.4f}, {r['wall_seconds']:.0f} s",
            flush=True,
        )
        results = {n: results[n] for n in CONTENDERS if n in results}  # notebook 05's order
        if out != Path(os.devnull):
            save(results, settings, out)
    print(f"total: {time.perf_counter() - started:.0f} s; written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
