"""Pictures the book shows again and again: image grids and loss curves.

Framework-free: anything ``numpy.asarray`` accepts (NumPy arrays, CPU tensors of
either framework) goes in; a Matplotlib figure comes out.  End a notebook line
with ``;`` (or assign the figure) so Jupyter shows the picture once.
"""

from __future__ import annotations

import math

import numpy as np


def _as_array(values) -> np.ndarray:
    if hasattr(values, "detach"):  # a PyTorch tensor, possibly on a GPU
        values = values.detach().cpu().numpy()
    return np.asarray(values)


def _to_numpy(values) -> np.ndarray:
    return _as_array(values).astype(np.float32)


def _pixels(images) -> np.ndarray:
    """``images`` as float32; uint8 pixels (0-255, as image files store them) divided by
    255."""
    array = _as_array(images)
    if array.dtype == object or not (
        np.issubdtype(array.dtype, np.number) or array.dtype == bool
    ):
        raise ValueError(f"images must be a numeric array, got dtype {array.dtype}")
    if array.dtype == np.uint8:
        return array.astype(np.float32) / 255.0
    return array.astype(np.float32)


def to_hw_images(images) -> np.ndarray:
    """Bring a batch to ``(N, H, W)`` (grey) or ``(N, H, W, 3)`` (colour).

    Accepts ``(N, H, W)``, channels-last ``(N, H, W, C)`` (Keras) and
    channels-first ``(N, C, H, W)`` (PyTorch) with C = 1 or 3, or a single image.
    """
    x = _pixels(images)
    if x.ndim == 2:
        x = x[None]
    if x.ndim == 4:
        if x.shape[-1] in (1, 3):
            pass
        elif x.shape[1] in (1, 3):
            x = np.moveaxis(x, 1, -1)
        else:
            raise ValueError(
                "images: cannot tell the channel axis of shape "
                f"{x.shape}; expected C = 1 or 3"
            )
        if x.shape[-1] == 1:
            x = x[..., 0]
    if x.ndim not in (3, 4):
        raise ValueError(
            "images must have shape (N, H, W), (N, H, W, C) or (N, C, "
            f"H, W); got {x.shape}"
        )
    if x.shape[0] == 0:
        raise ValueError("images is empty: nothing to show")
    if not np.isfinite(x).all():
        raise ValueError("images contains NaN or infinite values")
    return x


# How far "auto" lets pixels stray outside [-1, 1] before calling the range wrong rather
# than clipping: enough for a model's slight overshoot, far too little for 0-255 pixels
# stored as floats.
_AUTO_SLACK = 0.1


def _to_unit_range(x: np.ndarray, value_range) -> np.ndarray:
    if isinstance(value_range, str) and value_range == "auto":
        lo, hi = float(x.min()), float(x.max())
        if lo < -1.0 - _AUTO_SLACK or hi > 1.0 + _AUTO_SLACK:
            raise ValueError(
                "images must lie in [0, 1] or [-1, 1] (or be uint8 0-255) for "
                "value_range='auto', "
                f"got values in [{lo:.4g}, {hi:.4g}]; scale them, or pass "
                "value_range=(low, high)"
            )
        # Pixels below zero can only come from a tanh-scaled image.
        value_range = (-1.0, 1.0) if lo < 0 else (0.0, 1.0)
    try:
        lo, hi = (float(v) for v in value_range)
    except (TypeError, ValueError):
        raise ValueError(
            f"value_range must be 'auto' or (low, high), got {value_range!r}"
        ) from None
    if not (np.isfinite(lo) and np.isfinite(hi) and hi > lo):
        raise ValueError(
            "value_range must be (low, high) with finite high > low, "
            f"got {value_range!r}"
        )
    return np.clip((x - lo) / (hi - lo), 0.0, 1.0)


def make_grid(
    images,
    nrow: int | None = None,
    padding: int = 1,
    value_range="auto",
    pad_value: float = 1.0,
) -> np.ndarray:
    """Tile a batch into one image, ``nrow`` images per row, values in [0, 1].

    ``value_range="auto"`` reads pixels in [0, 1] or [-1, 1] (tanh); uint8 images
    (0-255) are divided by 255 first.  Anything else needs ``value_range=(low, high)``.
    """
    x = _to_unit_range(to_hw_images(images), value_range)
    n, h, w = x.shape[:3]
    if nrow is None:
        nrow = math.ceil(math.sqrt(n))
    if isinstance(nrow, bool) or not isinstance(nrow, int) or nrow < 1:
        raise ValueError(f"nrow must be a positive integer, got {nrow!r}")
    if isinstance(padding, bool) or not isinstance(padding, int) or padding < 0:
        raise ValueError(f"padding must be a non-negative integer, got {padding!r}")
    ok = isinstance(
        pad_value, (int, float, np.integer, np.floating)
    ) and not isinstance(pad_value, bool)
    if not ok or not 0.0 <= pad_value <= 1.0:
        raise ValueError(
            "pad_value must be a number in [0, 1] (the grid's range), "
            f"got {pad_value!r}"
        )
    ncol = min(nrow, n)
    nrows = math.ceil(n / ncol)
    shape = (nrows * (h + padding) + padding, ncol * (w + padding) + padding) + x.shape[
        3:
    ]
    grid = np.full(shape, pad_value, dtype=np.float32)
    for i in range(n):
        r, c = divmod(i, ncol)
        top, left = padding + r * (h + padding), padding + c * (w + padding)
        grid[top : top + h, left : left + w] = x[i]
    return grid


def show_images(
    images,
    labels=None,
    nrow: int | None = None,
    title: str | None = None,
    value_range="auto",
    ax=None,
    cmap: str = "gray_r",
    size: float = 0.6,
):
    """Show a batch of images as a grid; returns the Matplotlib figure.

    Args:
        images: a batch in any layout :func:`to_hw_images` accepts, pixels in
            [-1, 1] or [0, 1] (``value_range="auto"`` tells them apart).
        labels: optional per-image labels, written above each image (small
            grids only; more than 64 images are shown as one tiled picture).
        nrow: images per row (default: a square-ish grid).
        title: figure title.
        ax: draw into this Axes instead of a new figure (tiled mode only).
        cmap: colour map for grey images; ``gray_r`` draws ink dark on white,
            like digits on paper.
        size: inches per image.
    """
    import matplotlib.pyplot as plt

    x = _to_unit_range(to_hw_images(images), value_range)
    n = len(x)
    if labels is not None:
        labels = (
            list(_to_numpy(labels).astype(int))
            if not isinstance(labels, (list, tuple))
            else list(labels)
        )
        if len(labels) != n:
            raise ValueError(
                f"labels has {len(labels)} entries but there are {n} images"
            )
    if labels is None or n > 64 or ax is not None:
        grid = make_grid(
            x,
            nrow=nrow,
            value_range=(0.0, 1.0),
            pad_value=0.0 if cmap == "gray_r" else 1.0,
        )
        if ax is None:
            ncol = min(nrow or math.ceil(math.sqrt(n)), n)
            fig, ax = plt.subplots(
                figsize=(max(2.0, size * ncol), max(2.0, size * math.ceil(n / ncol)))
            )
        fig = ax.figure
        ax.imshow(
            grid,
            cmap=cmap if grid.ndim == 2 else None,
            vmin=0.0,
            vmax=1.0,
            interpolation="nearest",
        )
        ax.set_axis_off()
        if title:
            ax.set_title(title)
        return fig
    ncol = min(nrow or math.ceil(math.sqrt(n)), n)
    nrows = math.ceil(n / ncol)
    fig, axes = plt.subplots(
        nrows, ncol, figsize=(size * 1.4 * ncol, size * 1.6 * nrows), squeeze=False
    )
    for i, axis in enumerate(axes.flat):
        axis.set_axis_off()
        if i < n:
            axis.imshow(
                x[i],
                cmap=cmap if x[i].ndim == 2 else None,
                vmin=0.0,
                vmax=1.0,
                interpolation="nearest",
            )
            axis.set_title(str(labels[i]), fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_losses(
    history,
    keys=None,
    title: str | None = None,
    ax=None,
    xlabel: str = "epoch",
    logy: bool = False,
):
    """Plot training curves from a history dict of lists (``{"d_loss": [...], ...}``).

    Also accepts a Keras ``History`` object.  ``keys`` picks the curves
    (default: all of them but the trainers' ``step`` counts).
    """
    import matplotlib.pyplot as plt

    history = getattr(history, "history", history)  # keras.callbacks.History
    if not isinstance(history, dict) or not history:
        raise ValueError(
            f"history must be a non-empty dict of lists, got {type(history).__name__}"
        )
    keys = (
        [key for key in history if key != "step"]
        if keys is None
        else ([keys] if isinstance(keys, str) else list(keys))
    )
    unknown = [k for k in keys if k not in history]
    if unknown:
        raise ValueError(
            f"keys {unknown} are not in the history; it has {sorted(history)}"
        )
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 3.5))
    for key in keys:
        values = _to_numpy(history[key]).ravel()
        ax.plot(np.arange(1, len(values) + 1), values, label=key)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("value")
    if logy:
        ax.set_yscale("log")
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    ax.figure.tight_layout()
    return ax.figure


def plot_points(
    points,
    labels=None,
    ax=None,
    title: str | None = None,
    s: float = 4.0,
    alpha: float = 0.6,
    lim: float | None = None,
):
    """Scatter 2-D samples (toy distributions, latent codes), coloured by label if
    given."""
    import matplotlib.pyplot as plt

    p = _to_numpy(points)
    if p.ndim != 2 or p.shape[1] != 2:
        raise ValueError(f"points must have shape (N, 2), got {p.shape}")
    if ax is None:
        fig, ax = plt.subplots(figsize=(4, 4))
    if labels is None:
        ax.scatter(p[:, 0], p[:, 1], s=s, alpha=alpha)
    else:
        sc = ax.scatter(
            p[:, 0], p[:, 1], c=_to_numpy(labels), s=s, alpha=alpha, cmap="tab10"
        )
        ax.figure.colorbar(sc, ax=ax, fraction=0.046, pad=0.04)
    if lim is not None:
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    if title:
        ax.set_title(title)
    return ax.figure
