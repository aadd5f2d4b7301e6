"""Unit tests of utils.data: the shipped MNIST files, the split, one_hot, and every bad-input error."""

import gzip
import struct

import numpy as np
import pytest

import utils
from utils.data import (
    MNIST_FILES,
    TEST_IMAGES,
    TEST_LABELS,
    TRAIN_IMAGES,
    TRAIN_LABELS,
    ChecksumError,
    IDXFormatError,
    MNISTNotFoundError,
    load_mnist,
    one_hot,
    parse_idx,
    read_idx,
)

# Label counts published with the files (data/README.md).
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
IDX_TYPE_CODES = {
    np.uint8: 0x08,
    np.int8: 0x09,
    np.int16: 0x0B,
    np.int32: 0x0C,
    np.float32: 0x0D,
    np.float64: 0x0E,
}


def idx_bytes(array):
    """Serialize ``array`` as an IDX file (big-endian header and data)."""
    array = np.asarray(array)
    header = bytes([0, 0, IDX_TYPE_CODES[array.dtype.type], array.ndim])
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write_dataset(folder, n_train=30, n_test=10, seed=0, compress=True):
    """Write a small synthetic dataset in MNIST's four file names; return its arrays."""
    rng = np.random.default_rng(seed)
    arrays = {
        TRAIN_IMAGES: rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        TRAIN_LABELS: rng.integers(0, 10, n_train, dtype=np.uint8),
        TEST_IMAGES: rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        TEST_LABELS: rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    folder.mkdir(parents=True, exist_ok=True)
    for name, array in arrays.items():
        if compress:
            (folder / f"{name}.gz").write_bytes(gzip.compress(idx_bytes(array)))
        else:
            (folder / name).write_bytes(idx_bytes(array))
    return arrays


def link_real_files(folder, names=MNIST_FILES):
    """Symlink the shipped .gz files into ``folder`` (cheap copies of the real data)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / f"{name}.gz").symlink_to(utils.DATA_DIR / f"{name}.gz")
    return folder


@pytest.fixture(autouse=True)
def no_data_dir_env(monkeypatch):
    """A MNIST_DATA_DIR set in the developer's shell must not change what these tests read."""
    monkeypatch.delenv("MNIST_DATA_DIR", raising=False)


@pytest.fixture(scope="module")
def mnist():
    return load_mnist()


@pytest.fixture(scope="module")
def mnist_uint8():
    return load_mnist(dtype="uint8")


# --- the real, shipped files -------------------------------------------------------------------


def test_shapes_and_dtypes(mnist, mnist_uint8):
    for data, image_dtype in ((mnist, np.float32), (mnist_uint8, np.uint8)):
        assert data.x_train.shape == (55000, 28, 28)
        assert data.x_val.shape == (5000, 28, 28)
        assert data.x_test.shape == (10000, 28, 28)
        assert data.y_train.shape == (55000,)
        assert data.y_val.shape == (5000,)
        assert data.y_test.shape == (10000,)
        for x in (data.x_train, data.x_val, data.x_test):
            assert x.dtype == image_dtype
        for y in (data.y_train, data.y_val, data.y_test):
            assert y.dtype == np.int64


def test_label_counts_match_published(mnist):
    train_counts = np.bincount(mnist.y_train, minlength=10) + np.bincount(mnist.y_val, minlength=10)
    assert train_counts.tolist() == TRAIN_COUNTS
    assert np.bincount(mnist.y_test, minlength=10).tolist() == TEST_COUNTS


def test_validation_is_last_5000_of_training_file(mnist_uint8):
    images = read_idx(utils.DATA_DIR / f"{TRAIN_IMAGES}.gz")
    labels = read_idx(utils.DATA_DIR / f"{TRAIN_LABELS}.gz")
    np.testing.assert_array_equal(mnist_uint8.x_train, images[:55000])
    np.testing.assert_array_equal(mnist_uint8.x_val, images[-5000:])
    np.testing.assert_array_equal(mnist_uint8.y_train, labels[:55000])
    np.testing.assert_array_equal(mnist_uint8.y_val, labels[-5000:])


def test_float_images_are_grey_levels_over_255(mnist, mnist_uint8):
    assert mnist.x_train.min() == 0.0 and mnist.x_train.max() == 1.0
    assert mnist.x_test.min() == 0.0 and mnist.x_test.max() == 1.0
    np.testing.assert_array_equal(mnist.x_val, mnist_uint8.x_val.astype(np.float32) / np.float32(255))
    assert mnist.x_train.flags.writeable and mnist_uint8.x_train.flags.writeable


def test_repr_is_short(mnist):
    text = repr(mnist)
    assert "x_train=(55000, 28, 28) float32" in text and len(text) < 300


def test_validation_size_parameter():
    data = load_mnist(dtype="uint8", validation_size=10000)
    assert len(data.x_train) == 50000 and len(data.x_val) == 10000 and len(data.y_val) == 10000
    data = load_mnist(dtype="uint8", validation_size=0)
    assert len(data.x_train) == 60000 and data.x_val.shape == (0, 28, 28)


@pytest.mark.parametrize("size", [-1, 60000, 2.5, "5000"])
def test_bad_validation_size_is_explained(size):
    with pytest.raises(ValueError, match="validation_size must be an integer from 0 to 59999"):
        load_mnist(validation_size=size)


def test_bad_dtype_is_explained():
    with pytest.raises(ValueError, match="dtype must be 'float32'.*or 'uint8'"):
        load_mnist(dtype="float64")


def test_read_idx_header_of_real_files():
    images = read_idx(utils.DATA_DIR / f"{TEST_IMAGES}.gz")
    labels = read_idx(utils.DATA_DIR / f"{TEST_LABELS}.gz")
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (10000,) and labels.min() == 0 and labels.max() == 9


def test_raw_and_differently_compressed_files_pass_verification(tmp_path):
    # The original downloads are compressed differently from ours; only the content is checked.
    content = gzip.decompress((utils.DATA_DIR / f"{TEST_LABELS}.gz").read_bytes())
    (tmp_path / TEST_LABELS).write_bytes(content)  # raw IDX
    (tmp_path / f"{TRAIN_LABELS}.gz").write_bytes(
        gzip.compress(
            gzip.decompress((utils.DATA_DIR / f"{TRAIN_LABELS}.gz").read_bytes()), compresslevel=1, mtime=1
        )
    )
    link_real_files(tmp_path, [TRAIN_IMAGES, TEST_IMAGES])
    data = load_mnist(tmp_path, dtype="uint8")
    assert np.bincount(data.y_test).tolist() == TEST_COUNTS


def test_read_idx_checks_md5_when_given():
    path = utils.DATA_DIR / f"{TEST_LABELS}.gz"
    assert read_idx(path, md5="27ae3e4e09519cfbb04c329615203637").shape == (10000,)
    with pytest.raises(ChecksumError, match="t10k-labels-idx1-ubyte.gz: checksum mismatch"):
        read_idx(path, md5="0" * 32)


# --- where the data comes from: parameter, environment variable, default ----------------------


def test_environment_variable_points_elsewhere(tmp_path, monkeypatch):
    write_dataset(tmp_path / "fashion", n_train=12, n_test=4)
    monkeypatch.setenv("MNIST_DATA_DIR", str(tmp_path / "fashion"))
    data = load_mnist(verify=False, validation_size=2)
    assert data.x_train.shape == (10, 28, 28) and data.x_test.shape == (4, 28, 28)


def test_parameter_wins_over_environment_variable(tmp_path, monkeypatch):
    write_dataset(tmp_path / "a", n_train=12, n_test=4)
    write_dataset(tmp_path / "b", n_train=22, n_test=6)
    monkeypatch.setenv("MNIST_DATA_DIR", str(tmp_path / "a"))
    data = load_mnist(tmp_path / "b", verify=False, validation_size=2)
    assert data.x_train.shape == (20, 28, 28) and data.x_test.shape == (6, 28, 28)
    data = load_mnist(str(tmp_path / "b"), verify=False, validation_size=2)  # str works too
    assert data.x_test.shape == (6, 28, 28)


def test_environment_variable_with_real_files(tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_DATA_DIR", str(link_real_files(tmp_path / "mine")))
    assert load_mnist(dtype="uint8").x_test.shape == (10000, 28, 28)


def test_empty_environment_variable_means_default(monkeypatch):
    monkeypatch.setenv("MNIST_DATA_DIR", "")
    assert load_mnist(dtype="uint8").x_val.shape == (5000, 28, 28)


# --- other datasets in MNIST's format (e.g. Fashion-MNIST) ------------------------------------


@pytest.mark.parametrize("compress", [True, False])
def test_any_idx_dataset_loads_without_verification(tmp_path, compress):
    arrays = write_dataset(tmp_path, n_train=40, n_test=10, compress=compress)
    data = load_mnist(tmp_path, verify=False, validation_size=8, dtype="uint8")
    np.testing.assert_array_equal(data.x_train, arrays[TRAIN_IMAGES][:32])
    np.testing.assert_array_equal(data.x_val, arrays[TRAIN_IMAGES][32:])
    np.testing.assert_array_equal(data.y_val, arrays[TRAIN_LABELS][32:])
    np.testing.assert_array_equal(data.x_test, arrays[TEST_IMAGES])
    np.testing.assert_array_equal(data.y_test, arrays[TEST_LABELS])
    assert data.y_test.dtype == np.int64
    scaled = load_mnist(tmp_path, verify=False, validation_size=8)
    np.testing.assert_allclose(scaled.x_test * 255, arrays[TEST_IMAGES], atol=1e-4)


def test_other_dataset_fails_verification_with_a_hint(tmp_path):
    write_dataset(tmp_path)
    with pytest.raises(ChecksumError) as err:
        load_mnist(tmp_path, validation_size=5)
    message = str(err.value)
    assert "train-images-idx3-ubyte.gz" in message and "checksum mismatch" in message
    assert "verify=False" in message and "download=True" in message


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
def test_read_idx_handles_every_idx_type(tmp_path, dtype):
    array = (np.arange(2 * 3 * 5) - 7).astype(dtype).reshape(2, 3, 5)
    if dtype == np.uint8:
        array = np.arange(30, dtype=np.uint8).reshape(2, 3, 5)
    path = tmp_path / "values-idx3"
    path.write_bytes(idx_bytes(array))
    result = read_idx(path)
    assert result.dtype == np.dtype(dtype) and result.dtype.isnative
    np.testing.assert_array_equal(result, array)
    assert result.flags.writeable


# --- every bad input gets an error naming the file and the fix --------------------------------


def test_missing_files_are_named_with_where_and_how(tmp_path):
    link_real_files(tmp_path, [TRAIN_IMAGES, TEST_IMAGES])
    with pytest.raises(MNISTNotFoundError) as err:
        load_mnist(tmp_path)
    message = str(err.value)
    assert "train-labels-idx1-ubyte" in message and "t10k-labels-idx1-ubyte" in message
    assert "train-images" not in message and "t10k-images" not in message  # those are present
    assert str(tmp_path) in message and "data_dir argument" in message
    assert "download=True" in message and "MNIST_DATA_DIR" in message and "data/mnist" in message
    assert isinstance(err.value, FileNotFoundError)


def test_missing_files_under_environment_variable_say_so(tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_DATA_DIR", str(tmp_path / "empty"))
    with pytest.raises(MNISTNotFoundError, match=r"empty \(from \$MNIST_DATA_DIR\)"):
        load_mnist()


def test_wrong_magic_number(tmp_path):
    write_dataset(tmp_path)
    path = tmp_path / f"{TEST_LABELS}.gz"
    content = bytearray(gzip.decompress(path.read_bytes()))
    content[:4] = b"\x12\x34\x08\x01"
    path.write_bytes(gzip.compress(bytes(content)))
    with pytest.raises(IDXFormatError) as err:
        load_mnist(tmp_path, verify=False, validation_size=5)
    message = str(err.value)
    assert "t10k-labels-idx1-ubyte.gz: bad magic number 12 34 08 01" in message
    assert "00 00 08 01" in message and "Fix:" in message and "download=True" in message


@pytest.mark.parametrize("magic", [b"\x00\x00\x07\x01", b"\x00\x00\x08\x00", b"PK\x03\x04"])
def test_wrong_magic_variants(tmp_path, magic):
    path = tmp_path / "some-idx1-ubyte"
    path.write_bytes(magic + b"\x00\x00\x00\x02ab")
    with pytest.raises(IDXFormatError, match="some-idx1-ubyte: bad magic number"):
        read_idx(path)


def test_truncated_file(tmp_path):
    write_dataset(tmp_path, n_train=30)
    path = tmp_path / f"{TRAIN_IMAGES}.gz"
    content = gzip.decompress(path.read_bytes())
    path.write_bytes(gzip.compress(content[:-100]))  # a valid gzip of a cut-off IDX file
    with pytest.raises(IDXFormatError) as err:
        load_mnist(tmp_path, verify=False, validation_size=5)
    message = str(err.value)
    assert "train-images-idx3-ubyte.gz: header says shape (30, 28, 28)" in message
    assert f"{len(content) - 100:,} bytes" in message and "truncated" in message and "Fix:" in message


def test_file_with_extra_bytes(tmp_path):
    path = tmp_path / TRAIN_LABELS
    path.write_bytes(idx_bytes(np.arange(5, dtype=np.uint8)) + b"\x00")
    with pytest.raises(IDXFormatError, match="train-labels-idx1-ubyte: .* has extra bytes at the end"):
        read_idx(path)


def test_truncated_header(tmp_path):
    path = tmp_path / TEST_IMAGES
    path.write_bytes(b"\x00\x00\x08\x03\x00\x00\x00\x05")
    with pytest.raises(IDXFormatError, match="t10k-images-idx3-ubyte: truncated header: 3 dimensions"):
        read_idx(path)
    path.write_bytes(b"\x00\x00")
    with pytest.raises(IDXFormatError, match="too short for an IDX header"):
        read_idx(path)


def test_truncated_gzip_stream(tmp_path):
    link_real_files(tmp_path, [TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES])
    compressed = (utils.DATA_DIR / f"{TEST_LABELS}.gz").read_bytes()
    (tmp_path / f"{TEST_LABELS}.gz").write_bytes(compressed[: len(compressed) // 2])
    with pytest.raises(IDXFormatError) as err:
        load_mnist(tmp_path)
    message = str(err.value)
    assert "t10k-labels-idx1-ubyte.gz: the gzip stream ends early" in message
    assert "git checkout -- data/mnist/" in message and "download=True" in message


def test_corrupt_gzip_data(tmp_path):
    compressed = bytearray(gzip.compress(idx_bytes(np.arange(200, dtype=np.uint8)), mtime=0))
    compressed[20:30] = b"\xff" * 10
    path = tmp_path / "labels.gz"
    path.write_bytes(bytes(compressed))
    with pytest.raises(IDXFormatError, match="labels.gz: not a valid gzip file"):
        read_idx(path)


def test_checksum_mismatch_names_file_and_fix(tmp_path):
    # A real labels file with one label changed: well-formed, but not the published content.
    link_real_files(tmp_path, [TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES])
    content = bytearray(gzip.decompress((utils.DATA_DIR / f"{TEST_LABELS}.gz").read_bytes()))
    content[8 + 100] = (content[8 + 100] + 1) % 10  # label 100, after the 8-byte header
    (tmp_path / f"{TEST_LABELS}.gz").write_bytes(gzip.compress(bytes(content)))
    with pytest.raises(ChecksumError) as err:
        load_mnist(tmp_path)
    message = str(err.value)
    assert message.startswith(f"{tmp_path / TEST_LABELS}.gz: checksum mismatch")
    assert "27ae3e4e09519cfbb04c329615203637" in message  # the expected digest
    assert "git checkout -- data/mnist/" in message and "download=True" in message
    assert isinstance(err.value, IDXFormatError)
    # The same file loads when verification is switched off: the check, not the format, refused it.
    assert load_mnist(tmp_path, verify=False).y_test[100] == content[8 + 100]


def test_images_and_labels_must_agree(tmp_path):
    write_dataset(tmp_path, n_train=30)
    (tmp_path / f"{TRAIN_LABELS}.gz").write_bytes(gzip.compress(idx_bytes(np.zeros(29, np.uint8))))
    with pytest.raises(
        IDXFormatError,
        match=r"train-images-idx3-ubyte.gz has shape \(30, 28, 28\) "
        r"and .*train-labels-idx1-ubyte.gz has shape \(29,\)",
    ):
        load_mnist(tmp_path, verify=False, validation_size=5)


def test_paths_inside_the_repo_are_shown_relative():
    with pytest.raises(ChecksumError) as err:
        read_idx(utils.DATA_DIR / f"{TEST_LABELS}.gz", md5="0" * 32)
    assert str(err.value).startswith("data/mnist/t10k-labels-idx1-ubyte.gz: checksum mismatch")
    assert str(utils.REPO_ROOT) not in str(err.value)


# --- one_hot ------------------------------------------------------------------------------------


def test_one_hot_round_trip(mnist):
    encoded = one_hot(mnist.y_test)
    assert encoded.shape == (10000, 10) and encoded.dtype == np.float32
    assert set(np.unique(encoded)) == {0.0, 1.0}
    np.testing.assert_array_equal(encoded.sum(axis=1), 1.0)
    np.testing.assert_array_equal(encoded.argmax(axis=1), mnist.y_test)


def test_one_hot_small_example():
    np.testing.assert_array_equal(one_hot([2, 0], num_classes=3), [[0, 0, 1], [1, 0, 0]])


@pytest.mark.parametrize(
    "labels, message",
    [
        ([0, 10], r"labels must be in 0..9, found \[10\]"),
        ([-1, 3], r"labels must be in 0..9, found \[-1\]"),
        ([0.5, 1.0], "expected a 1-D array of integer labels"),
        ([[1, 2]], "expected a 1-D array of integer labels"),
    ],
)
def test_one_hot_bad_labels(labels, message):
    with pytest.raises(ValueError, match=message):
        one_hot(labels)


def test_parse_idx_of_bytes_and_gzip_agree():
    raw = idx_bytes(np.arange(12, dtype=np.uint8).reshape(3, 4))
    np.testing.assert_array_equal(parse_idx(raw), parse_idx(gzip.compress(raw)))
    np.testing.assert_array_equal(parse_idx(bytearray(raw)), np.arange(12).reshape(3, 4))
