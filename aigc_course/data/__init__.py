"""Offline data sets: NumPy in, NumPy out.

Nothing here downloads.  Images come from scikit-learn's bundled digits
(1,797 handwritten digits, 8x8), from MNIST files a reader already has, or from
code that generates them.

Image arrays have shape ``(N, H, W)`` and dtype float32; each framework adds the
channel axis where its layers want it (last for Keras, first for PyTorch).
"""

from __future__ import annotations

import gzip
import os
import pathlib
import zipfile
import zlib

import numpy as np

from aigc_course.core.checks import check_choice, check_finite_number, check_int

IMAGE_SIZES = (8, 16, 28)
SPLITS = ("train", "test")
SCALES = ("tanh", "unit")
MNIST_ENV_VAR = "AIGC_COURSE_MNIST"

# Of each class, every TEST_EVERY-th digit (in the order scikit-learn ships
# them) goes to the test split: balanced across classes, and the same on every
# machine because nothing random is involved.
TEST_EVERY = 5


def _rng(seed) -> np.random.Generator:
    return np.random.default_rng(check_int("seed", seed, 0))


def _apply_scale(images: np.ndarray, scale: str) -> np.ndarray:
    """Map images in [0, 1] to the requested range."""
    if scale == "tanh":
        images = images * 2.0 - 1.0  # matches a generator ending in tanh
    return images.astype(np.float32)


def resize_images(images: np.ndarray, image_size: int) -> np.ndarray:
    """Resize ``(N, h, w)`` images in [0, 1] to ``image_size`` with bilinear
    interpolation.

    At 28x28 the digit fills the central 20x20 box, as in MNIST, so models
    sized for MNIST see the layout they expect.
    """
    from scipy import ndimage

    image_size = check_int("image_size", image_size)
    images = np.asarray(images, dtype=np.float64)
    if images.ndim != 3:
        raise ValueError(f"images must have shape (N, H, W), got {images.shape}")
    if image_size == images.shape[1] == images.shape[2]:
        return images.copy()
    box = 20 if image_size == 28 else image_size
    zoom = (1.0, box / images.shape[1], box / images.shape[2])
    out = ndimage.zoom(
        images, zoom, order=1, grid_mode=True, mode="grid-constant", cval=0.0
    )
    pad = (image_size - box) // 2
    out = np.pad(out, ((0, 0), (pad, pad), (pad, pad)))
    return np.clip(out, 0.0, 1.0)


def load_digits(
    image_size: int = 28, split: str = "train", scale: str = "tanh"
) -> tuple[np.ndarray, np.ndarray]:
    """The handwritten digits that ship with scikit-learn, as images and labels.

    Args:
        image_size: 8 (the original resolution), 16 or 28 (MNIST's size and layout).
        split: ``"train"`` (1,433 images) or ``"test"`` (364 images): a fixed
            split, stratified by class, the same on every machine.
        scale: ``"tanh"`` for pixels in [-1, 1] (GANs with a tanh output) or
            ``"unit"`` for [0, 1] (autoencoders with a sigmoid output).

    Returns:
        ``images`` of shape ``(N, image_size, image_size)``, float32, and
        ``labels`` of shape ``(N,)``, int64, with values 0-9.
    """
    # 28.0 is not a size
    check_choice("image_size", check_int("image_size", image_size), IMAGE_SIZES)
    check_choice("split", split, SPLITS)
    check_choice("scale", scale, SCALES)
    from sklearn.datasets import load_digits as _sklearn_digits

    bunch = _sklearn_digits()
    images = bunch.images / 16.0  # pixel values are counts 0-16
    labels = bunch.target.astype(np.int64)
    rank_in_class = np.zeros(len(labels), dtype=np.int64)
    for digit in range(10):
        members = np.flatnonzero(labels == digit)
        rank_in_class[members] = np.arange(len(members))
    in_test = rank_in_class % TEST_EVERY == 0
    keep = in_test if split == "test" else ~in_test
    images = resize_images(images[keep], image_size)
    return _apply_scale(images, scale), labels[keep]


# --------------------------------------------------------------------------
# Toy 2-D distributions
# --------------------------------------------------------------------------


def ring_of_gaussians(
    n: int = 1000, modes: int = 8, radius: float = 2.0, std: float = 0.05, seed: int = 0
):
    """Samples from ``modes`` Gaussians spaced evenly on a circle.

    The classic test for mode collapse: a generator that covers only some of
    the modes is easy to see and to count.

    Returns:
        ``points`` of shape ``(n, 2)``, float32, and the index of the mode each
        point came from, shape ``(n,)``, int64.
    """
    n, modes = check_int("n", n), check_int("modes", modes)
    radius, std = (
        check_finite_number("radius", radius, positive=True),
        check_finite_number("std", std, positive=True),
    )
    rng = _rng(seed)
    which = rng.integers(0, modes, size=n)
    angles = 2 * np.pi * which / modes
    centres = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    points = centres + std * rng.standard_normal((n, 2))
    return points.astype(np.float32), which.astype(np.int64)


def ring_centres(modes: int = 8, radius: float = 2.0) -> np.ndarray:
    """The centres of :func:`ring_of_gaussians`, shape ``(modes, 2)``."""
    modes = check_int("modes", modes)
    radius = check_finite_number("radius", radius, positive=True)
    angles = 2 * np.pi * np.arange(modes) / modes
    return (radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)).astype(
        np.float32
    )


def moons(n: int = 1000, noise: float = 0.05, seed: int = 0):
    """Two interleaving half circles; returns ``points (n, 2)`` and labels 0/1."""
    n, noise = check_int("n", n), check_finite_number("noise", noise, positive=False)
    from sklearn.datasets import make_moons

    points, labels = make_moons(
        n_samples=n, noise=noise, random_state=int(_rng(seed).integers(2**31))
    )
    return points.astype(np.float32), labels.astype(np.int64)


def spiral(n: int = 1000, turns: float = 1.5, noise: float = 0.05, seed: int = 0):
    """Points along a two-armed spiral; returns ``points (n, 2)`` and the arm (0/1)."""
    n, turns = check_int("n", n), check_finite_number("turns", turns, positive=True)
    noise = check_finite_number("noise", noise, positive=False)
    rng = _rng(seed)
    t = np.sqrt(rng.uniform(0, 1, size=n))  # sqrt: even density along the arm
    arm = rng.integers(0, 2, size=n)
    angle = 2 * np.pi * turns * t + np.pi * arm
    points = np.stack([t * np.cos(angle), t * np.sin(angle)], axis=1) * 2.0
    points += noise * rng.standard_normal((n, 2))
    return points.astype(np.float32), arm.astype(np.int64)


# --------------------------------------------------------------------------
# MNIST from files the reader already has
# --------------------------------------------------------------------------

# IDX type codes (third byte of the magic number) and their big-endian dtypes.
_IDX_DTYPES = {
    0x08: ">u1",
    0x09: ">i1",
    0x0B: ">i2",
    0x0C: ">i4",
    0x0D: ">f4",
    0x0E: ">f8",
}

_IDX_NAMES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def read_idx(path) -> np.ndarray:
    """Read one IDX file (the format MNIST is distributed in), gzipped or not."""
    path = pathlib.Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"path {str(path)!r} is not a file; expected an IDX "
            "file (the format MNIST ships in)"
        )
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except (gzip.BadGzipFile, EOFError, zlib.error) as err:
        reason = f"{type(err).__name__}: {err}"
        raise ValueError(
            f"path {str(path)!r} is not a complete gzip file ({reason}); "
            "expected a gzipped IDX file"
        ) from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ValueError(
            f"path {str(path)!r} is not an IDX file (bad magic number "
            f"{raw[:4].hex()!r})"
        )
    dtype, ndim = np.dtype(_IDX_DTYPES[raw[2]]), raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(
            f"path {str(path)!r} is truncated: its header needs {header} "
            f"bytes, the file holds {len(raw)}"
        )
    shape = tuple(int(d) for d in np.frombuffer(raw[4:header], dtype=">u4"))
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header != expected:
        raise ValueError(
            f"path {str(path)!r}: header says shape {shape} ({expected} bytes) but "
            f"the file holds {len(raw) - header}"
        )
    return (
        np.frombuffer(raw[header:], dtype=dtype)
        .reshape(shape)
        .astype(dtype.newbyteorder("="))
    )


def _find_idx(folder: pathlib.Path, stem: str) -> pathlib.Path:
    for name in (
        stem,
        stem + ".gz",
        stem.replace("-idx", ".idx"),
        stem.replace("-idx", ".idx") + ".gz",
    ):
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(
        f"path {str(folder)!r} has no {stem} (or {stem}.gz): the folder must hold the "
        "four MNIST IDX files"
    )


_NPZ_EXPECTED = (
    "expected an MNIST .npz with x_train, y_train, x_test, y_test (images "
    "uint8 0-255 or float 0-1)"
)
# a zip archive (every .npz is one) starts with one of these
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


def _read_npz(
    path: pathlib.Path, keys: tuple[str, str], where: str
) -> tuple[np.ndarray, np.ndarray]:
    """The arrays ``keys`` of an .npz archive; never unpickles anything."""
    with open(path, "rb") as f:
        head = f.read(4)
    if not head:
        raise ValueError(f"{where} is an empty file (0 bytes); {_NPZ_EXPECTED}")
    if head not in _ZIP_MAGIC:
        raise ValueError(
            f"{where} is not an .npz archive (it starts with bytes {head.hex()!r}, "
            f"not a zip header); {_NPZ_EXPECTED}"
        )
    try:
        with np.load(path, allow_pickle=False) as archive:
            files = archive.files
            arrays = [archive[k] for k in keys if k in files]
    # truncated or damaged
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, zlib.error) as err:
        reason = f"{type(err).__name__}: {err}"
        raise ValueError(
            f"{where} is a damaged or truncated .npz archive ({reason}); "
            f"{_NPZ_EXPECTED}"
        ) from None
    missing = [k for k in keys if k not in files]
    if missing:
        raise ValueError(f"{where} lacks {missing}; it holds {files}; {_NPZ_EXPECTED}")
    return arrays[0], arrays[1]


def _unit_pixels(images: np.ndarray, where: str) -> np.ndarray:
    """MNIST pixels in [0, 1]: integers 0-255 (and floats 0-255) are divided by 255,
    floats in [0, 1] kept as they are."""
    if images.dtype == object or not (
        np.issubdtype(images.dtype, np.integer)
        or np.issubdtype(images.dtype, np.floating)
    ):
        raise ValueError(
            f"{where}: images must be uint8 0-255 or float 0-1, got "
            f"dtype {images.dtype}"
        )
    if not np.isfinite(images).all():
        raise ValueError(
            f"{where}: images contain NaN or infinite values; expected "
            "uint8 0-255 or float 0-1"
        )
    lo, hi = float(images.min()), float(images.max())
    if np.issubdtype(images.dtype, np.floating) and lo >= 0 and hi <= 1:
        # already scaled: dividing again would make every pixel black
        return images.astype(np.float64)
    if lo < 0 or hi > 255:
        raise ValueError(
            f"{where}: images must be uint8 0-255 or float 0-1, got {images.dtype} "
            f"values in [{lo:.4g}, {hi:.4g}]"
        )
    return images.astype(np.float64) / 255.0


def _check_labels(labels: np.ndarray, where: str) -> np.ndarray:
    integral = np.issubdtype(labels.dtype, np.integer) or (
        np.issubdtype(labels.dtype, np.floating)
        and np.isfinite(labels).all()
        and (labels == np.round(labels)).all()
    )
    if not integral or labels.min() < 0 or labels.max() > 9:
        seen = (
            f"values in [{labels.min()}, {labels.max()}]"
            if integral
            else f"dtype {labels.dtype}"
        )
        raise ValueError(f"{where}: labels must be integers 0-9, got {seen}")
    return labels.astype(np.int64)


def load_mnist(
    path=None, split: str = "train", scale: str = "tanh"
) -> tuple[np.ndarray, np.ndarray]:
    """MNIST from files already on disk; never downloads.

    Args:
        path: a ``.npz`` file with ``x_train, y_train, x_test, y_test`` (the
            layout Keras uses), or a folder with the four IDX files
            (``train-images-idx3-ubyte[.gz]`` ...).  ``None`` reads the
            ``AIGC_COURSE_MNIST`` environment variable.  Images may be uint8
            (0-255, as MNIST ships) or float already in [0, 1].
        split: ``"train"`` or ``"test"``.
        scale: ``"tanh"`` ([-1, 1]) or ``"unit"`` ([0, 1]).

    Returns:
        ``images (N, 28, 28)`` float32 and ``labels (N,)`` int64.
    """
    check_choice("split", split, SPLITS)
    check_choice("scale", scale, SCALES)
    from_env = path is None
    if from_env:
        path = os.environ.get(MNIST_ENV_VAR)
        if not path:
            raise FileNotFoundError(
                f"No MNIST path given and {MNIST_ENV_VAR} is not set. The course "
                "never downloads "
                "data: pass path= (an mnist.npz file or a folder with the IDX files) "
                "or set "
                f"{MNIST_ENV_VAR}; or use load_digits(), which needs no file."
            )
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            "path must be a str or os.PathLike (an mnist.npz file or a folder of IDX "
            f"files), got {type(path).__name__}"
        )
    path = pathlib.Path(path).expanduser()
    where = f"path {str(path)!r}" + (f" (from {MNIST_ENV_VAR})" if from_env else "")
    if not path.exists():
        raise FileNotFoundError(
            f"{where} does not exist; expected an mnist.npz file "
            "or a folder of the four IDX files"
        )
    if path.is_dir():
        image_stem, label_stem = _IDX_NAMES[split]
        images, labels = (
            read_idx(_find_idx(path, image_stem)),
            read_idx(_find_idx(path, label_stem)),
        )
    elif path.suffix == ".npz":
        images, labels = _read_npz(path, (f"x_{split}", f"y_{split}"), where)
    else:
        raise ValueError(
            f"{where} is neither a .npz file nor a folder; "
            f"{_NPZ_EXPECTED}, or a folder of the four IDX files"
        )
    if (
        images.ndim != 3
        or labels.ndim != 1
        or len(images) != len(labels)
        or len(images) == 0
    ):
        raise ValueError(
            f"{where}: expected images (N, H, W) and N labels, N >= 1, "
            f"got {images.shape} and {labels.shape}"
        )
    return _apply_scale(_unit_pixels(images, where), scale), _check_labels(
        labels, where
    )


def batches(
    arrays,
    batch_size: int,
    *,
    shuffle: bool = True,
    seed: int = 0,
    drop_last: bool = False,
):
    """Yield aligned mini-batches from one array or a tuple of arrays.

    A framework-free loader used by both frameworks' trainers, so they see the
    same batches in the same order for the same seed.
    """
    single = isinstance(arrays, np.ndarray)
    arrays = (arrays,) if single else tuple(arrays)
    batch_size = check_int("batch_size", batch_size)
    n = len(arrays[0])
    if n == 0:
        raise ValueError("cannot make batches from empty data")
    if any(len(a) != n for a in arrays):
        raise ValueError(
            f"arrays must have the same length, got {[len(a) for a in arrays]}"
        )
    order = _rng(seed).permutation(n) if shuffle else np.arange(n)
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        idx = order[start : start + batch_size]
        yield arrays[0][idx] if single else tuple(a[idx] for a in arrays)
