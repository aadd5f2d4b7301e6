"""Companion of notebooks/01_loading_mnist.ipynb: the exercises (``exercises``).

Notebook 01 teaches reading the IDX files byte by byte; the loader it arrives at is shared by every notebook,
so it lives in ``utils.data``. Its figures are the shared ``utils.plots.show_digits``.
"""
