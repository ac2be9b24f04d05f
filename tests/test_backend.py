"""aigc_course.keras refuses, with a clear message, a Keras that runs on another
backend."""

import os
import subprocess
import sys


def test_other_backend_gives_clear_error():
    # A fresh interpreter: the backend is fixed at the first `import keras`.
    env = dict(os.environ, KERAS_BACKEND="torch")
    result = subprocess.run(
        [sys.executable, "-c", "from aigc_course import keras"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "needs Keras on the TensorFlow backend" in result.stderr
    assert "KERAS_BACKEND=tensorflow" in result.stderr


def test_torch_subpackage_does_not_need_tensorflow_backend():
    env = dict(os.environ, KERAS_BACKEND="torch")
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from aigc_course import torch as ac; print(ac.FRAMEWORK)",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "torch"
