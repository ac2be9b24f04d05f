"""Image grids and curves: layouts, ranges, errors."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from aigc_course.book import plotting  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("shape", [(6, 8, 8), (6, 8, 8, 1), (6, 1, 8, 8)])
def test_grid_accepts_every_layout(shape):
    x = np.random.default_rng(0).uniform(-1, 1, size=shape).astype(np.float32)
    grid = plotting.make_grid(x, nrow=3, padding=1)
    assert grid.shape == (2 * 9 + 1, 3 * 9 + 1)
    assert 0.0 <= grid.min() and grid.max() <= 1.0


def test_grid_maps_tanh_range_to_unit():
    x = np.full((1, 2, 2), -1.0)
    assert plotting.make_grid(x, padding=0).max() == 0.0
    x = np.full((1, 2, 2), 1.0)
    assert plotting.make_grid(x, padding=0).min() == 1.0


def test_show_images_returns_figure_for_tensors_and_labels():
    x = torch.rand(4, 1, 8, 8)
    fig = plotting.show_images(x, labels=[0, 1, 2, 3], title="t")
    assert isinstance(fig, matplotlib.figure.Figure)
    fig = plotting.show_images(np.random.rand(100, 8, 8))  # tiled mode
    assert len(fig.axes) == 1


def test_plot_losses_and_points():
    fig = plotting.plot_losses(
        {"d_loss": [1.0, 0.8], "g_loss": [2.0, 1.5]}, title="GAN"
    )
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == [
        "d_loss",
        "g_loss",
    ]
    fig = plotting.plot_points(np.zeros((5, 2)), labels=np.arange(5))
    assert isinstance(fig, matplotlib.figure.Figure)


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda: plotting.make_grid(np.zeros((2, 5, 8, 8))),
            "cannot tell the channel axis",
        ),
        (lambda: plotting.make_grid(np.zeros((0, 8, 8))), "images is empty"),
        (lambda: plotting.make_grid(np.full((1, 2, 2), np.nan)), "NaN"),
        (
            lambda: plotting.make_grid(np.zeros((1, 2, 2)), nrow=0),
            "nrow must be a positive integer",
        ),
        (
            lambda: plotting.show_images(np.zeros((3, 4, 4)), labels=[1]),
            "labels has 1 entries but there are 3 images",
        ),
        (lambda: plotting.plot_losses({}), "history must be a non-empty dict"),
        (
            lambda: plotting.plot_losses({"a": [1]}, keys=["b"]),
            r"keys \['b'\] are not in the history",
        ),
        (
            lambda: plotting.plot_points(np.zeros((4, 3))),
            r"points must have shape \(N, 2\)",
        ),
    ],
)
def test_plotting_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_grid_reads_uint8_as_0_to_255():
    images = np.array([[[0, 51], [255, 255]]], dtype=np.uint8)
    grid = plotting.make_grid(images, padding=0)
    np.testing.assert_allclose(
        grid[..., 0] if grid.ndim == 3 else grid, [[0.0, 0.2], [1.0, 1.0]], atol=1e-6
    )
