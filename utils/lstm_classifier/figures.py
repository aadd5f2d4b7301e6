"""Figures and tables of notebook 03: the original TF 0.x tutorial's tensors, as a table."""

import numpy as np


def original_tensor_views(tensors):
    """The original TF 0.x tutorial's view of the tensors of ``build_inspection_model``, with descriptions.

    The original worked *time-major*: it transposed the batch to (steps, batch, features), flattened it
    to (steps * batch, features) for the input layer, and split the result into a Python list of
    ``steps`` tensors of shape (batch, units), one per time step, for its LSTM. This rebuilds those views
    from ``tensors`` (the inspection model's output dict, as numpy arrays or tensors) and returns a list
    of ``(name, value, description)`` triples, in the order the data flows. ``value`` is an array or,
    for the per-step lists, a list of arrays. Print it with ``tensor_table``.
    """
    needed = ("rows", "projected", "lstm_outputs", "final_h", "final_c", "logits")
    missing = [key for key in needed if key not in tensors]
    if missing:
        raise ValueError(
            f"original_tensor_views: missing {missing}; pass the dict returned by the model of "
            "build_inspection_model(model)"
        )
    t = {key: np.asarray(tensors[key]) for key in needed}
    batch, steps, features = t["rows"].shape
    units = t["projected"].shape[-1]

    def time_major_flat(x):  # (batch, steps, d) -> (steps, batch, d) -> (steps * batch, d)
        return np.transpose(x, (1, 0, 2)).reshape(steps * batch, x.shape[-1])

    x_flat = time_major_flat(t["rows"])
    h_flat = time_major_flat(t["projected"])
    return [
        (
            "X",
            x_flat,
            f"input rows, time-major: line t*{batch}+b is row t of image b ({steps} steps x {batch} images)",
        ),
        ("H", h_flat, f"input layer output X @ W_in + b_in, time-major ({features} -> {units} features)"),
        (
            "H split",
            np.split(h_flat, steps),
            f"H split into one (batch, {units}) tensor per time step: the LSTM's input",
        ),
        (
            "outputs",
            list(np.transpose(t["lstm_outputs"], (1, 0, 2))),
            f"LSTM output h_t after each of the {steps} steps, one (batch, {units}) tensor per step",
        ),
        ("h", t["final_h"], "final hidden state h_T (= the last output)"),
        ("c", t["final_c"], "final cell state c_T (the LSTM's memory)"),
        ("O", t["logits"], "logits: output layer applied to h_T, one score per digit"),
    ]


def tensor_table(views):
    """Format ``(name, value, description)`` triples as one plain-text table: name | shape | what it is.

    A list of equally shaped arrays is shown as ``28 x (5, 128)``.
    """
    lines = []
    for name, value, description in views:
        if isinstance(value, (list, tuple)):
            shapes = {tuple(np.shape(v)) for v in value}
            shape = f"{len(value)} x {shapes.pop()}" if len(shapes) == 1 else f"list of {len(value)}"
        else:
            shape = str(tuple(np.shape(value)))
        lines.append((name, shape, description))
    header = ("tensor", "shape", "what it is")
    widths = [max(len(row[i]) for row in [header, *lines]) for i in range(2)]
    fmt = f"{{:<{widths[0]}}}  {{:<{widths[1]}}}  {{}}"
    rule = fmt.format("-" * widths[0], "-" * widths[1], "-" * len(header[2]))
    return "\n".join([fmt.format(*header), rule, *(fmt.format(*row) for row in lines)])
