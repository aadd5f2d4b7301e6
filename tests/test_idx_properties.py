"""Property-based tests of the IDX parser: whatever bytes it is fed, raw or gzipped, it either returns
the array the header describes or raises IDXFormatError -- never another exception, never a hang.

Sizes are bounded (a few hundred bytes) and every test has a deadline, so this runs in seconds.
"""

import gzip
import struct
import tempfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from utils.data import IDXFormatError, parse_idx, read_idx

SETTINGS = settings(max_examples=150, deadline=1000, suppress_health_check=[HealthCheck.too_slow])
DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def parses_or_rejects(data):
    """Parse ``data``; the only acceptable failure is IDXFormatError. Returns the array or None."""
    try:
        array = parse_idx(data)
    except IDXFormatError as err:
        assert str(err), "an error without a message"
        return None
    assert isinstance(array, np.ndarray)
    return array


@st.composite
def idx_files(draw):
    """A valid IDX file: (bytes, the array it holds), with any type code and 1-4 small dimensions."""
    type_code = draw(st.sampled_from(sorted(DTYPES)))
    shape = tuple(draw(st.lists(st.integers(0, 5), min_size=1, max_size=4)))
    dtype = np.dtype(DTYPES[type_code])
    size = int(np.prod(shape)) * dtype.itemsize
    body = draw(st.binary(min_size=size, max_size=size))
    data = bytes([0, 0, type_code, len(shape)]) + struct.pack(f">{len(shape)}I", *shape) + body
    return data, np.frombuffer(body, dtype).reshape(shape)


@st.composite
def mutations(draw, data):
    """``data`` with one of: a byte changed, bytes cut off, bytes appended, bytes inserted."""
    kind = draw(st.sampled_from(["flip", "truncate", "append", "insert"]))
    position = draw(st.integers(0, max(len(data) - 1, 0)))
    if kind == "flip" and data:
        value = draw(st.integers(0, 255).filter(lambda v: v != data[position]))
        return data[:position] + bytes([value]) + data[position + 1 :]
    if kind == "truncate":
        return data[:position]
    extra = draw(st.binary(min_size=1, max_size=8))
    return data + extra if kind == "append" else data[:position] + extra + data[position:]


@SETTINGS
@given(st.binary(max_size=300))
@example(b"")
@example(b"\x00\x00\x08")
@example(b"\x00\x00\x08\x01")
@example(b"\x00\x00\x08\x01\xff\xff\xff\xff")  # claims 4 billion items
@example(b"\x00\x00\x08\xff" + b"\xff" * 1020)  # 255 huge dimensions
@example(b"\x1f\x8b")  # a gzip magic and nothing else
def test_random_bytes(data):
    parses_or_rejects(data)


@SETTINGS
@given(st.binary(max_size=200))
def test_random_bytes_after_a_plausible_magic(body):
    for magic in (b"\x00\x00\x08\x01", b"\x00\x00\x08\x03", b"\x00\x00\x0d\x02"):
        parses_or_rejects(magic + body)


@SETTINGS
@given(idx_files())
def test_valid_files_round_trip(file):
    data, expected = file
    for encoded in (data, gzip.compress(data, mtime=0)):
        array = parse_idx(encoded)
        assert array.shape == expected.shape and array.dtype == expected.dtype.newbyteorder("=")
        np.testing.assert_array_equal(array, expected)  # NaNs compare equal here


@SETTINGS
@given(st.data())
def test_mutated_files(st_data):
    data, expected = st_data.draw(idx_files())
    mutated = st_data.draw(mutations(data))
    array = parses_or_rejects(mutated)
    if array is not None and len(mutated) != len(data):  # a length change must be caught ...
        header_changed = mutated[: 4 + 4 * data[3]] != data[: 4 + 4 * data[3]]
        assert header_changed, "a truncated or padded body passed as valid"  # ... unless it moved the header


@SETTINGS
@given(st.data())
def test_mutated_gzip_files(st_data):
    data, _ = st_data.draw(idx_files())
    compressed = gzip.compress(data, mtime=0)
    parses_or_rejects(st_data.draw(mutations(compressed)))


@SETTINGS
@given(st.binary(max_size=100), st.binary(max_size=20))
def test_gzip_of_random_bytes_with_trailing_garbage(content, trailer):
    parses_or_rejects(gzip.compress(content, mtime=0) + trailer)
    parses_or_rejects(zlib.compress(content))  # zlib, not gzip: no gzip magic


_FOLDER = tempfile.TemporaryDirectory(prefix="idx-properties-")


@pytest.fixture(scope="module", autouse=True)
def _cleanup_folder():
    yield
    _FOLDER.cleanup()


@SETTINGS
@given(st.data(), st.booleans())
def test_read_idx_on_files(st_data, compress):
    data, _ = st_data.draw(idx_files())
    data = st_data.draw(st.one_of(st.just(data), mutations(data)))
    path = Path(_FOLDER.name) / ("file.gz" if compress else "file")
    path.write_bytes(gzip.compress(data, mtime=0) if compress else data)
    try:
        read_idx(path)
    except IDXFormatError as err:
        assert path.name in str(err)  # the message names the file
