"""Companion of notebooks/05_why_an_lstm.ipynb: eight models on one budget, and why the LSTM's gates matter.

* ``figures`` -- accuracy against training time and against blank rows, gradient norms per row, the forget
                 gate through blank rows

The notebook's own code (baselines, other recurrent models, input-gradient norms, blank rows, row orders) is
written out in its cells, each runnable on its own; no later notebook needs it, so nothing is saved here.
"""
