"""Settings shared by the unit tests and the notebook tests (pytest --nbval)."""

import os

# Set before any test or notebook kernel imports TensorFlow (kernels inherit
# the environment): keep TensorFlow's C++ logs quiet, make results independent
# of oneDNN, and put Keras on the TensorFlow backend.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
# Stored outputs were produced on the CPU; a GPU gives other numbers.
os.environ.setdefault("AIGC_COURSE_DEVICE", "cpu")


def pytest_collectstart(collector):
    """Do not compare stderr of notebook cells.

    TensorFlow's C++ runtime writes timestamped log lines to stderr at times
    that vary from run to run; stdout and rich outputs are still compared.
    """
    if collector.fspath and collector.fspath.ext == ".ipynb":
        collector.skip_compare += ("stderr",)
