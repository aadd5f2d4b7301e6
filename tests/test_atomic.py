"""utils.atomic_path: files are replaced whole or not at all."""

import os

import pytest

import utils
from utils.plots import save_fig


def test_success_renames_into_place_and_leaves_nothing_else(tmp_path):
    target = tmp_path / "results.json"
    target.write_text("old")
    with utils.atomic_path(target) as tmp:
        assert tmp.parent == tmp_path and tmp != target
        tmp.write_text("new")
        assert target.read_text() == "old"  # the old file stays whole until the block succeeds
    assert target.read_text() == "new"
    assert os.listdir(tmp_path) == ["results.json"]


def test_failure_keeps_the_old_file_and_removes_the_temp(tmp_path):
    target = tmp_path / "results.json"
    target.write_text("old")
    with pytest.raises(RuntimeError, match="disk full"):
        with utils.atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("disk full")
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["results.json"]


def test_keep_suffix_keeps_the_ending_writers_need(tmp_path):
    with utils.atomic_path(tmp_path / "m.weights.h5", keep_suffix=".weights.h5") as tmp:
        assert tmp.name.endswith(".weights.h5")
        tmp.write_bytes(b"x")
    assert os.listdir(tmp_path) == ["m.weights.h5"]
    with pytest.raises(ValueError, match=r"'m\.h5' does not end with '\.weights\.h5'"):
        with utils.atomic_path(tmp_path / "m.h5", keep_suffix=".weights.h5"):
            pass


def test_save_fig_leaves_no_temp_file_when_drawing_fails(tmp_path):
    class Broken:
        def savefig(self, path, **kwargs):
            open(path, "wb").write(b"half a png")
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        save_fig(Broken(), "figure", folder=tmp_path)
    assert os.listdir(tmp_path) == []
