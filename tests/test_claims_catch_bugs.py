"""The notebooks' claims are strict: a real bug in the package makes a notebook fail.

Outputs that depend on training are checked by ranges (`aigc_course.book.claims`), not
compared digit for digit.  A range wide enough to pass a broken model would check
nothing, so this plants a classic bug, the VAE's KL term dropped from its loss, into
the kernel that runs the VAE chapter's notebook, and requires a claim to fail.
"""

import pathlib

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "book" / "03_vae" / "02_vae.ipynb"

# Runs in the notebook's kernel before its first cell (an IPython startup file).
DROP_KL = """
import aigc_course.keras.vae as keras_vae
import aigc_course.torch.vae as torch_vae

for module in (torch_vae, keras_vae):
    module.kl_loss = lambda z_mean, z_log_var, _original=module.kl_loss: (
        0.0 * _original(z_mean, z_log_var)
    )
"""


def run_with_startup(
    notebook: pathlib.Path, code: str, ipython_dir: pathlib.Path, monkeypatch
):
    startup = ipython_dir / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-plant.py").write_text(code, encoding="utf-8")
    monkeypatch.setenv("IPYTHONDIR", str(ipython_dir))
    monkeypatch.setenv("AIGC_COURSE_DEVICE", "cpu")
    nb = nbformat.read(notebook, as_version=4)
    NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(notebook.parent)}},
    ).execute()


def test_dropping_the_kl_term_fails_a_claim(tmp_path, monkeypatch):
    with pytest.raises(CellExecutionError) as failure:
        run_with_startup(NOTEBOOK, DROP_KL, tmp_path / "ipython", monkeypatch)
    assert failure.value.ename == "ClaimError", failure.value
    assert "KL" in str(failure.value)
