"""Reading IDX files and loading MNIST (notebook 01 onwards, and every notebook that trains).

The four MNIST files ship with the repo in ``data/mnist/``. In a notebook::

    from utils.data import load_mnist
    mnist = load_mnist()            # checked against the published MD5s
    mnist.x_train.shape             # (55000, 28, 28) float32 in [0, 1]

* ``read_idx(path)`` reads any IDX file, gzipped or raw (``parse_idx`` does the same for bytes).
* ``load_mnist(...)`` returns the classic 55,000 / 5,000 / 10,000 split as an ``MNIST`` dataclass.
* ``one_hot(labels)`` turns integer labels into one-hot rows.
* ``download_mnist(...)`` fetches missing files from public mirrors (``load_mnist(download=True)``).

Every error names the file, what was wrong and how to fix it. The exception types are
``IDXFormatError`` (malformed IDX) and its subclass ``ChecksumError``, ``MNISTNotFoundError``
(a ``FileNotFoundError``) and ``DownloadError`` (an ``OSError``).
"""

import dataclasses
import hashlib
import http.client
import os
import tempfile
import urllib.request
import zlib
from pathlib import Path

import numpy as np

import utils

#: Canonical MNIST file names (decompressed); the loader accepts each raw or with ``.gz`` appended.
TRAIN_IMAGES = "train-images-idx3-ubyte"
TRAIN_LABELS = "train-labels-idx1-ubyte"
TEST_IMAGES = "t10k-images-idx3-ubyte"
TEST_LABELS = "t10k-labels-idx1-ubyte"
MNIST_FILES = (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)

#: Published MD5 digests of the *decompressed* files. Our recompressed .gz files and the
#: original downloads decompress to the same bytes, so both pass.
MNIST_MD5 = {
    TRAIN_IMAGES: "6bbc9ace898e44ae57da46a324031adb",
    TRAIN_LABELS: "a25bea736e30d166cdddb491f175f624",
    TEST_IMAGES: "2646ac647ad5339dbf082846283269ea",
    TEST_LABELS: "27ae3e4e09519cfbb04c329615203637",
}

#: Public mirrors serving ``<name>.gz``, tried in this order by ``download_mnist``.
MIRRORS = (
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
)

#: Environment variable that points ``load_mnist`` at another data directory.
DATA_DIR_ENV = "MNIST_DATA_DIR"

# IDX type codes (third byte of the magic number) and the big-endian numpy dtype they denote.
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_GZIP_MAGIC = b"\x1f\x8b"


class IDXFormatError(ValueError):
    """A file is not a well-formed IDX file (bad magic, wrong length, corrupt gzip, ...)."""


class ChecksumError(IDXFormatError):
    """A file is well-formed but its decompressed content is not the published MNIST file."""


class MNISTNotFoundError(FileNotFoundError):
    """Some of the four MNIST files are not in the data directory."""


class DownloadError(OSError):
    """No mirror delivered a file with the right checksum; nothing was written."""


def _shown(path):
    """``path`` as a message shows it: relative to the repo when inside it (see utils.relative_to_repo)."""
    return str(utils.relative_to_repo(path))


_FIX_RESTORE = (
    "Fix: restore the shipped file (`git checkout -- data/mnist/`), or delete it and call "
    "load_mnist(download=True) to fetch a fresh copy."
)


def _gunzip(data, source):
    """Decompress gzip ``data`` (all members) in one pass; corrupt input raises IDXFormatError."""
    parts = []
    try:
        while data:
            stream = zlib.decompressobj(wbits=31)  # 31 = gzip header and CRC-32 check
            parts.append(stream.decompress(data))
            if not stream.eof:
                raise IDXFormatError(
                    f"{source}: the gzip stream ends early (truncated download?). " + _FIX_RESTORE
                )
            data = stream.unused_data
            if not data.strip(b"\0"):  # gzip allows zero padding after the last member
                break
    except zlib.error as err:
        raise IDXFormatError(f"{source}: not a valid gzip file ({err}). " + _FIX_RESTORE) from None
    return parts[0] if len(parts) == 1 else b"".join(parts)


def parse_idx(data, source="<bytes>"):
    """Parse the bytes of an IDX file (raw, or gzip-compressed) into a numpy array.

    Checks the magic number (``00 00 <type code> <ndim>``), and that the byte length equals the
    header size plus the product of the dimensions exactly. ``source`` names the file in errors.
    Raises only ``IDXFormatError``. Byte data comes back as a read-only view of ``data``; wider
    types as a copy in native byte order.
    Used by ``read_idx`` and ``load_mnist``; tested directly by tests/test_idx_properties.py.
    """
    data = _decompressed(bytes(data), source)
    fix = (
        "Fix: give the path of an IDX file such as train-images-idx3-ubyte(.gz); "
        "if it should be one, it is damaged: " + _FIX_RESTORE.removeprefix("Fix: ")
    )
    if len(data) < 4:
        raise IDXFormatError(f"{source}: only {len(data)} bytes, too short for an IDX header. {fix}")
    zero1, zero2, type_code, ndim = data[:4]
    if zero1 or zero2 or type_code not in _IDX_DTYPES or ndim == 0:
        raise IDXFormatError(
            f"{source}: bad magic number {bytes(data[:4]).hex(' ')}; an IDX file starts with "
            "00 00 <type code 08/09/0b/0c/0d/0e> <number of dimensions >= 1>, e.g. 00 00 08 03 for "
            f"MNIST images, 00 00 08 01 for labels. {fix}"
        )
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise IDXFormatError(
            f"{source}: truncated header: {ndim} dimensions need {header_size} "
            f"header bytes, the file has {len(data)}. {fix}"
        )
    shape = tuple(int(d) for d in np.frombuffer(data, ">u4", count=ndim, offset=4))
    dtype = np.dtype(_IDX_DTYPES[type_code])
    expected = header_size + int(np.prod(shape, dtype=object)) * dtype.itemsize
    if len(data) != expected:
        what = "truncated" if len(data) < expected else "has extra bytes at the end"
        raise IDXFormatError(
            f"{source}: header says shape {shape} of {dtype.name}, i.e. {expected:,} bytes in all, "
            f"but the (decompressed) file has {len(data):,} bytes: the file is {what}. {fix}"
        )
    array = np.frombuffer(data, dtype, offset=header_size).reshape(shape)
    return array if dtype.itemsize == 1 else array.astype(dtype.newbyteorder("="))


def _decompressed(data, source):
    """``data`` gunzipped if it is gzip (detected from its first bytes), else unchanged."""
    return _gunzip(data, source) if data[:2] == _GZIP_MAGIC else data


def _read_bytes(path):
    """Decompressed content of the file at ``path``, raw or gzip."""
    return _decompressed(Path(path).read_bytes(), _shown(path))


def _check_md5(data, expected, path):
    """Raise ChecksumError unless the MD5 of ``data`` (decompressed content) is ``expected``."""
    actual = hashlib.md5(data).hexdigest()
    if actual != expected:
        raise ChecksumError(
            f"{_shown(path)}: checksum mismatch: the MD5 of its decompressed content is {actual}, "
            f"the published MNIST digest is {expected}. The file is damaged or is not the original "
            f"MNIST file. {_FIX_RESTORE} If it is another dataset stored under MNIST's file names "
            "(e.g. Fashion-MNIST), pass verify=False."
        )


def read_idx(path, *, md5=None):
    """Read an IDX file (``.gz`` or raw) into a writable numpy array of the dtype its header gives.

    ``md5``, if given, is the expected MD5 of the decompressed content (raises ``ChecksumError``).
    Malformed files raise ``IDXFormatError``. For one file on its own (notebook 01 reads the raw
    training images with it); ``load_mnist`` shares its code.
    """
    data = _read_bytes(path)
    if md5 is not None:
        _check_md5(data, md5, path)
    return parse_idx(data, _shown(path)).copy()


def _find(data_dir, name):
    """Path of ``name.gz`` or ``name`` in ``data_dir`` (gzip preferred), or None."""
    for candidate in (data_dir / f"{name}.gz", data_dir / name):
        if candidate.is_file():
            return candidate
    return None


def resolve_data_dir(data_dir=None):
    """The directory ``load_mnist`` reads: ``data_dir``, else $MNIST_DATA_DIR, else utils.DATA_DIR."""
    if data_dir is None:
        data_dir = os.environ.get(DATA_DIR_ENV) or utils.DATA_DIR
    return Path(data_dir).expanduser()


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class MNIST:
    """The MNIST split returned by ``load_mnist``: images (n, 28, 28) and int64 labels (n,)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    def __repr__(self):
        parts = (
            f"{f.name}={getattr(self, f.name).shape} {getattr(self, f.name).dtype}"
            for f in dataclasses.fields(self)
        )
        return f"MNIST({', '.join(parts)})"


def load_mnist(
    data_dir=None, *, dtype="float32", validation_size=5000, verify=True, download=False, mirrors=None
):
    """Load MNIST as numpy arrays: 55,000 train, 5,000 validation, 10,000 test (``MNIST`` dataclass).

    * Images are float32 scaled to [0, 1] (``dtype="float32"``) or the raw uint8 grey levels
      (``dtype="uint8"``); labels are int64 digits 0-9.
    * Validation is the LAST ``validation_size`` images of the training file (the original tutorial's
      TensorFlow loader took the first ones; the shipped weights were trained with this split); the test
      set is the t10k file.
    * ``data_dir``: where the four IDX files are (raw or ``.gz``); default $MNIST_DATA_DIR, else the
      repo's ``data/mnist/``.
    * ``verify``: check each file's decompressed MD5 against the published digest. With
      ``verify=False`` any dataset in MNIST's file names and format loads (e.g. Fashion-MNIST).
    * ``download``: fetch missing files from ``mirrors`` (default ``MIRRORS``) first.

    Used by notebook 01 and every notebook that trains or evaluates.
    """
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.uint8):
        raise ValueError(
            f"load_mnist: dtype must be 'float32' (scaled to [0, 1]) or 'uint8' "
            f"(raw grey levels), got {dtype.name!r}"
        )
    data_dir = resolve_data_dir(data_dir)
    if download:
        download_mnist(data_dir, mirrors=MIRRORS if mirrors is None else mirrors)
    paths = {name: _find(data_dir, name) for name in MNIST_FILES}
    missing = [name for name, path in paths.items() if path is None]
    if missing:
        raise MNISTNotFoundError(
            f"MNIST files missing: {', '.join(n + '(.gz)' for n in missing)}. Looked in "
            f"{_shown(data_dir)} ({_source_of(data_dir)}). Fix: the repo ships all four in "
            f"data/mnist/ (`git checkout -- data/mnist/`); or call load_mnist(download=True) to "
            f"fetch them from {MIRRORS[0]}; or point the data_dir parameter or the {DATA_DIR_ENV} "
            "environment variable at a directory holding them."
        )

    arrays = {}
    for name, path in paths.items():
        data = _read_bytes(path)  # decompress once; the same bytes are hashed and parsed
        if verify:
            _check_md5(data, MNIST_MD5[name], path)
        arrays[name] = parse_idx(data, _shown(path))
    _check_pair(arrays, paths, TRAIN_IMAGES, TRAIN_LABELS)
    _check_pair(arrays, paths, TEST_IMAGES, TEST_LABELS)

    n_train = len(arrays[TRAIN_LABELS])
    if not (isinstance(validation_size, (int, np.integer)) and 0 <= validation_size < n_train):
        raise ValueError(
            f"load_mnist: validation_size must be an integer from 0 to {n_train - 1} "
            f"(the training file holds {n_train} images), got {validation_size!r}"
        )

    def images(x):
        if dtype == np.uint8:
            return x.copy()  # writable, independent of the file's bytes
        x = x.astype(np.float32)
        x /= np.float32(255)  # in place: one float32 array, exact division so 255 -> 1.0
        return x

    x_train, y_train = images(arrays[TRAIN_IMAGES]), arrays[TRAIN_LABELS].astype(np.int64)
    split = n_train - validation_size
    return MNIST(
        x_train=x_train[:split],
        y_train=y_train[:split],
        x_val=x_train[split:],
        y_val=y_train[split:],
        x_test=images(arrays[TEST_IMAGES]),
        y_test=arrays[TEST_LABELS].astype(np.int64),
    )


def _source_of(data_dir):
    """Say where ``data_dir`` came from, for the missing-files message."""
    env = os.environ.get(DATA_DIR_ENV)
    if env and Path(env).expanduser() == data_dir:
        return f"from ${DATA_DIR_ENV}"
    return "the default data directory" if data_dir == utils.DATA_DIR else "the data_dir argument"


def _check_pair(arrays, paths, images_name, labels_name):
    """Images must be (n, rows, cols) and labels (n,) with the same n."""
    x, y = arrays[images_name], arrays[labels_name]
    if x.ndim != 3 or y.ndim != 1 or len(x) != len(y):
        raise IDXFormatError(
            f"{_shown(paths[images_name])} has shape {x.shape} and {_shown(paths[labels_name])} "
            f"has shape {y.shape}; expected images (n, rows, cols) and labels (n,) with the same n. "
            "Fix: make sure both files come from the same dataset and release."
        )


def one_hot(labels, num_classes=10):
    """One-hot encode integer labels: (n,) ints in [0, num_classes) -> (n, num_classes) float32.

    The original tutorial fed one-hot labels to a softmax cross-entropy; Keras' sparse losses take
    the integers directly. Used by notebook 01 to compare the two.
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(
            f"one_hot: expected a 1-D array of integer labels, got shape {labels.shape} "
            f"and dtype {labels.dtype}; convert with np.asarray(labels, dtype=int)."
        )
    bad = labels[(labels < 0) | (labels >= num_classes)]
    if bad.size:
        raise ValueError(
            f"one_hot: labels must be in 0..{num_classes - 1}, found {np.unique(bad)[:10]}; "
            "pass a larger num_classes if your data has more classes."
        )
    return np.eye(num_classes, dtype=np.float32)[labels]


def download_mnist(data_dir=None, *, mirrors=MIRRORS, timeout=30):
    """Download the MNIST files missing from ``data_dir`` (default as ``load_mnist``); return their paths.

    For each missing file, tries ``<mirror><name>.gz`` for each mirror in order and keeps the first
    body whose decompressed MD5 is the published one. It is written to a temp file in ``data_dir``
    and renamed to ``<name>.gz`` only when complete, so an interrupted or corrupted download leaves
    nothing behind. Files already present are not touched. If no mirror works, raises
    ``DownloadError`` naming the file, every URL tried with its reason, and the fix.
    Used by ``load_mnist(download=True)``; tested against a local server in tests/test_download.py.
    """
    data_dir = resolve_data_dir(data_dir)
    created = [d for d in (data_dir, *data_dir.parents) if not d.exists()]  # deepest first
    data_dir.mkdir(parents=True, exist_ok=True)
    written = []
    try:
        for name in MNIST_FILES:
            if _find(data_dir, name) is None:
                written.append(_download_one(name, data_dir, mirrors, timeout))
    except BaseException:
        for folder in created:  # leave no trace of a failed first download
            if not any(folder.iterdir()):
                folder.rmdir()
        raise
    return written


def _download_one(name, data_dir, mirrors, timeout):
    """Fetch ``name.gz`` from the first mirror that serves the right content; write it atomically."""
    failures = []
    for mirror in mirrors:
        url = f"{mirror.rstrip('/')}/{name}.gz"
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                body = response.read()
            _check_md5(_decompressed(body, url), MNIST_MD5[name], url)
        except (OSError, http.client.HTTPException, ValueError) as err:  # network, HTTP, bad content
            failures.append(f"  {url}: {err}")
            continue
        target = data_dir / (f"{name}.gz" if body[:2] == _GZIP_MAGIC else name)
        fd, tmp = tempfile.mkstemp(dir=data_dir, prefix=f".{name}.", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(body)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return target
    raise DownloadError(
        f"Could not download {name}.gz into {_shown(data_dir)} (no partial file was left). Tried:\n"
        + "\n".join(failures or ["  (no mirrors given)"])
        + f"\nFix: check your internet connection and retry, or copy the four MNIST files into "
        f"{_shown(data_dir)} by hand (the repo ships them in data/mnist/), or pass other mirrors."
    )


__all__ = [
    "IDXFormatError",
    "ChecksumError",
    "MNISTNotFoundError",
    "DownloadError",
    "MNIST",
    "MNIST_FILES",
    "MNIST_MD5",
    "MIRRORS",
    "parse_idx",
    "read_idx",
    "load_mnist",
    "one_hot",
    "download_mnist",
    "resolve_data_dir",
]
