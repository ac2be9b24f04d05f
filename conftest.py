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


def pytest_configure(config):
    """Give each test process the book's thread setting before any test starts a
    framework.

    TensorFlow fixes its thread pools when its runtime starts.  Tests seed with
    ``seed_everything`` (one thread per framework), but in a worker that runs many test
    files, an earlier one may start TensorFlow first, and the later ones then train with
    TensorFlow's default pools, where a seeded run's last bits are not guaranteed to
    repeat.  Seeding here, first, gives every test the setting the notebooks use.
    Notebook kernels are separate processes and seed themselves.
    """
    if hasattr(config, "workerinput") or not config.getoption("numprocesses", None):
        from aigc_course import seed_everything

        seed_everything(0)


def pytest_collectstart(collector):
    """Do not compare stderr of notebook cells.

    TensorFlow's C++ runtime writes timestamped log lines to stderr at times
    that vary from run to run; stdout and rich outputs are still compared.
    """
    if collector.fspath and collector.fspath.ext == ".ipynb":
        collector.skip_compare += ("stderr",)


def _retry_kernel_start(tries: int = 3):
    """Start a notebook's kernel again when it fails to come up (CI infrastructure, not a notebook failure).

    With several pytest-xdist workers, two kernels can race for the same free TCP
    port, and the loser never answers ("Kernel didn't respond in 60 seconds"),
    which failed every cell of that notebook.  A new start picks new ports.  A
    notebook whose *cells* fail is unaffected: only the kernel start is retried.
    """
    import sys

    import nbval.kernel

    start = nbval.kernel.start_new_kernel

    def start_with_retry(*args, **kwargs):
        for attempt in range(1, tries + 1):
            try:
                return start(*args, **kwargs)
            except RuntimeError as error:
                if attempt == tries:
                    raise
                print(f"nbval: kernel start failed ({error}); starting it again ({attempt + 1}/{tries})", file=sys.stderr)

    nbval.kernel.start_new_kernel = start_with_retry


_retry_kernel_start()
