"""The download path of utils.data, against a real HTTP server started on 127.0.0.1 (no internet).

The server serves folders of tmp_path as "mirrors": /good/ has the real files, /empty/ has none (404),
/corrupt/ has well-formed gzip files with the wrong content, /short/ announces more bytes than it sends.
"""

import functools
import gzip
import http.server
import os
import socket
import threading

import numpy as np
import pytest

import utils
from utils.data import (
    MNIST_FILES,
    TEST_IMAGES,
    TEST_LABELS,
    TRAIN_IMAGES,
    TRAIN_LABELS,
    DownloadError,
    download_mnist,
    load_mnist,
)

TIMEOUT = 2  # seconds; everything is local


class MirrorHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files; under /short/ it promises the full length but stops halfway (a dropped connection)."""

    def do_GET(self):
        if self.path.startswith("/short/"):
            body = (utils.DATA_DIR / self.path.removeprefix("/short/")).read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        super().do_GET()

    def log_message(self, *args):  # keep test output quiet
        pass


@pytest.fixture
def server(tmp_path):
    """Start an HTTP server on a free port; yield its base URL and the folder it serves."""
    root = tmp_path / "served"
    (root / "good").mkdir(parents=True)
    (root / "empty").mkdir()
    (root / "corrupt").mkdir()
    for name in MNIST_FILES:
        (root / "good" / f"{name}.gz").symlink_to(utils.DATA_DIR / f"{name}.gz")
    for name in (TEST_LABELS, TEST_IMAGES):  # right format and size, one byte of content changed
        content = bytearray(gzip.decompress((utils.DATA_DIR / f"{name}.gz").read_bytes()))
        content[-1] ^= 0xFF
        (root / "corrupt" / f"{name}.gz").write_bytes(gzip.compress(bytes(content), compresslevel=1))
    handler = functools.partial(MirrorHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def target(tmp_path):
    """An existing, empty data folder to download into (next to, not inside, the served folder)."""
    folder = tmp_path / "mnist"
    folder.mkdir()
    return folder


@pytest.fixture(autouse=True)
def no_data_dir_env(monkeypatch):
    monkeypatch.delenv("MNIST_DATA_DIR", raising=False)


def link_train_files(folder):
    """Put the two training files in place, so only the (small) test files are downloaded."""
    for name in (TRAIN_IMAGES, TRAIN_LABELS):
        (folder / f"{name}.gz").symlink_to(utils.DATA_DIR / f"{name}.gz")


def files_in(folder):
    """Names of everything in folder, temp files included."""
    return sorted(p.name for p in folder.iterdir())


def test_download_everything_then_load(server, tmp_path):
    target = tmp_path / "new" / "mnist"  # does not exist yet
    data = load_mnist(target, download=True, mirrors=[f"{server}/good/"], dtype="uint8")
    assert sorted(p.name for p in target.iterdir()) == sorted(f"{n}.gz" for n in MNIST_FILES)
    for name in MNIST_FILES:  # byte-identical to what the mirror served
        assert (target / f"{name}.gz").read_bytes() == (utils.DATA_DIR / f"{name}.gz").read_bytes()
    assert data.x_train.shape == (55000, 28, 28) and data.y_test.shape == (10000,)


def test_only_missing_files_are_fetched(server, target):
    for name in (TRAIN_IMAGES, TRAIN_LABELS):
        (target / f"{name}.gz").symlink_to(utils.DATA_DIR / f"{name}.gz")
    written = download_mnist(target, mirrors=[f"{server}/good"], timeout=TIMEOUT)  # no slash: fine
    assert sorted(p.name for p in written) == [f"{TEST_IMAGES}.gz", f"{TEST_LABELS}.gz"]
    assert all((target / f"{n}.gz").is_symlink() for n in (TRAIN_IMAGES, TRAIN_LABELS))
    assert download_mnist(target, mirrors=[f"{server}/good/"], timeout=TIMEOUT) == []


def test_404_falls_through_to_next_mirror(server, target):
    link_train_files(target)
    written = download_mnist(target, mirrors=[f"{server}/empty/", f"{server}/good/"], timeout=TIMEOUT)
    assert len(written) == 2
    assert load_mnist(target, dtype="uint8").x_test.shape == (10000, 28, 28)


def test_corrupt_mirror_falls_through_to_next_mirror(server, target):
    link_train_files(target)
    download_mnist(target, mirrors=[f"{server}/corrupt/", f"{server}/good/"], timeout=TIMEOUT)
    assert np.bincount(load_mnist(target).y_test).sum() == 10000  # verified by load_mnist


def test_corrupted_body_is_rejected_and_nothing_is_left(server, target):
    link_train_files(target)
    before = files_in(target)
    with pytest.raises(DownloadError) as err:
        download_mnist(target, mirrors=[f"{server}/corrupt/"], timeout=TIMEOUT)
    message = str(err.value)
    assert message.startswith(f"Could not download {TEST_IMAGES}.gz into ")
    assert "no partial file was left" in message
    assert f"{server}/corrupt/{TEST_IMAGES}.gz: " in message and "checksum mismatch" in message
    assert "Fix:" in message and "internet connection" in message
    assert files_in(target) == before  # no partial file, no temp file


def test_404_everywhere_raises_naming_every_url(server, tmp_path):
    target = tmp_path / "fresh" / "mnist"  # neither folder exists yet
    mirrors = [f"{server}/empty/", f"{server}/missing/"]
    with pytest.raises(DownloadError) as err:
        load_mnist(target, download=True, mirrors=mirrors)
    message = str(err.value)
    assert f"Could not download {TRAIN_IMAGES}.gz" in message
    for mirror in mirrors:
        assert f"{mirror}{TRAIN_IMAGES}.gz: HTTP Error 404" in message
    assert not (tmp_path / "fresh").exists()  # the folders it created for the download are gone again
    assert isinstance(err.value, OSError)


def test_dropped_connection_leaves_nothing(server, target):
    link_train_files(target)
    with pytest.raises(DownloadError, match=r"/short/t10k-images-idx3-ubyte.gz: .*IncompleteRead"):
        download_mnist(target, mirrors=[f"{server}/short/"], timeout=TIMEOUT)
    assert files_in(target) == [f"{TRAIN_IMAGES}.gz", f"{TRAIN_LABELS}.gz"]


def test_unreachable_and_silent_mirrors_time_out(target):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()  # nothing listens here: connection refused
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts the connection, never answers
    try:
        mirrors = [f"http://127.0.0.1:{closed_port}/", f"http://127.0.0.1:{silent.getsockname()[1]}/"]
        with pytest.raises(DownloadError) as err:
            download_mnist(target, mirrors=mirrors, timeout=0.5)
    finally:
        silent.close()
    message = str(err.value)
    assert "refused" in message.lower() and "timed out" in message.lower()
    assert files_in(target) == []


def test_failed_rename_removes_the_temp_file(server, target, monkeypatch):
    def broken_replace(src, dst):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        download_mnist(target, mirrors=[f"{server}/good/"], timeout=TIMEOUT)
    assert files_in(target) == []
