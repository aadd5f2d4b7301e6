"""utils.plots.show_table: one table, as Markdown for the renderers and as aligned text for the rest."""

import pytest

from utils.plots import table_texts


def test_markdown_and_plain_text_hold_the_same_cells():
    markdown, plain = table_texts(["model", "accuracy"], [["MLP", "0.9055"], ["a | b", 0.5]])
    assert markdown.splitlines() == [
        "| model | accuracy |",
        "| --- | ---: |",
        "| MLP | 0.9055 |",
        "| a \\| b | 0.5 |",  # a bar in a cell does not split it
    ]
    assert plain.splitlines() == ["model  accuracy", "MLP      0.9055", "a | b       0.5"]


def test_a_row_of_the_wrong_length_is_refused_by_its_number():
    with pytest.raises(ValueError, match=r"row 2 has 1 entries for 2 columns .* give one per column"):
        table_texts(["model", "accuracy"], [["MLP", "0.9"], ["CNN"]])
