"""utils.silence_tensorflow: a notebook's Setup cell imports TensorFlow without log noise."""

import subprocess
import sys

import utils

SCRIPT = """
import utils
utils.silence_tensorflow()
import logging
import tensorflow as tf
print("tensorflow logger level:", logging.getLevelName(tf.get_logger().level))
"""


def test_tensorflow_imports_without_stderr_noise_and_with_quiet_python_warnings():
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(utils.REPO_ROOT),
    }  # no TF_CPP_MIN_LOG_LEVEL from outside
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        env=env,
        cwd=utils.REPO_ROOT,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "tensorflow logger level: ERROR" in done.stdout
