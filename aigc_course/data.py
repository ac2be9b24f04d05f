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

import numpy as np

IMAGE_SIZES = (8, 16, 28)
SPLITS = ("train", "test")
SCALES = ("tanh", "unit")
MNIST_ENV_VAR = "AIGC_COURSE_MNIST"

# Of each class, every TEST_EVERY-th digit (in the order scikit-learn ships
# them) goes to the test split: balanced across classes, and the same on every
# machine because nothing random is involved.
TEST_EVERY = 5


def _check_choice(name: str, value, choices) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")


def _check_positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _rng(seed) -> np.random.Generator:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return np.random.default_rng(int(seed))


def _apply_scale(images: np.ndarray, scale: str) -> np.ndarray:
    """Map images in [0, 1] to the requested range."""
    if scale == "tanh":
        images = images * 2.0 - 1.0  # matches a generator ending in tanh
    return images.astype(np.float32)


def resize_images(images: np.ndarray, image_size: int) -> np.ndarray:
    """Resize ``(N, h, w)`` images in [0, 1] to ``image_size`` with bilinear interpolation.

    At 28x28 the digit fills the central 20x20 box, as in MNIST, so models
    sized for MNIST see the layout they expect.
    """
    from scipy import ndimage

    images = np.asarray(images, dtype=np.float64)
    if images.ndim != 3:
        raise ValueError(f"images must have shape (N, H, W), got {images.shape}")
    if image_size == images.shape[1] == images.shape[2]:
        return images.copy()
    box = 20 if image_size == 28 else image_size
    zoom = (1.0, box / images.shape[1], box / images.shape[2])
    out = ndimage.zoom(images, zoom, order=1, grid_mode=True, mode="grid-constant", cval=0.0)
    pad = (image_size - box) // 2
    out = np.pad(out, ((0, 0), (pad, pad), (pad, pad)))
    return np.clip(out, 0.0, 1.0)


def load_digits(image_size: int = 28, split: str = "train", scale: str = "tanh") -> tuple[np.ndarray, np.ndarray]:
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
    _check_choice("image_size", image_size, IMAGE_SIZES)
    _check_choice("split", split, SPLITS)
    _check_choice("scale", scale, SCALES)
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


def ring_of_gaussians(n: int = 1000, modes: int = 8, radius: float = 2.0, std: float = 0.05, seed: int = 0):
    """Samples from ``modes`` Gaussians spaced evenly on a circle.

    The classic test for mode collapse: a generator that covers only some of
    the modes is easy to see and to count.

    Returns:
        ``points`` of shape ``(n, 2)``, float32, and the index of the mode each
        point came from, shape ``(n,)``, int64.
    """
    n = _check_positive_int("n", n)
    modes = _check_positive_int("modes", modes)
    if not std > 0:
        raise ValueError(f"std must be positive, got {std!r}")
    rng = _rng(seed)
    which = rng.integers(0, modes, size=n)
    angles = 2 * np.pi * which / modes
    centres = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    points = centres + std * rng.standard_normal((n, 2))
    return points.astype(np.float32), which.astype(np.int64)


def ring_centres(modes: int = 8, radius: float = 2.0) -> np.ndarray:
    """The centres of :func:`ring_of_gaussians`, shape ``(modes, 2)``."""
    modes = _check_positive_int("modes", modes)
    angles = 2 * np.pi * np.arange(modes) / modes
    return (radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)).astype(np.float32)


def moons(n: int = 1000, noise: float = 0.05, seed: int = 0):
    """Two interleaving half circles; returns ``points (n, 2)`` and labels 0/1."""
    n = _check_positive_int("n", n)
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise!r}")
    from sklearn.datasets import make_moons

    points, labels = make_moons(n_samples=n, noise=noise, random_state=int(_rng(seed).integers(2**31)))
    return points.astype(np.float32), labels.astype(np.int64)


def spiral(n: int = 1000, turns: float = 1.5, noise: float = 0.05, seed: int = 0):
    """Points along a two-armed spiral; returns ``points (n, 2)`` and the arm (0/1)."""
    n = _check_positive_int("n", n)
    if not turns > 0:
        raise ValueError(f"turns must be positive, got {turns!r}")
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise!r}")
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
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}

_IDX_NAMES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def read_idx(path) -> np.ndarray:
    """Read one IDX file (the format MNIST is distributed in), gzipped or not."""
    path = pathlib.Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"IDX file not found: {path}")
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ValueError(f"{path} is not an IDX file (bad magic number {raw[:4].hex()!r})")
    dtype, ndim = np.dtype(_IDX_DTYPES[raw[2]]), raw[3]
    header = 4 + 4 * ndim
    shape = tuple(int(d) for d in np.frombuffer(raw[4:header], dtype=">u4"))
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header != expected:
        raise ValueError(f"{path}: header says shape {shape} ({expected} bytes) but the file holds {len(raw) - header}")
    return np.frombuffer(raw[header:], dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))


def _find_idx(folder: pathlib.Path, stem: str) -> pathlib.Path:
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"):
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(f"{folder} has no {stem} (or {stem}.gz): the folder must hold the four MNIST IDX files")


def load_mnist(path=None, split: str = "train", scale: str = "tanh") -> tuple[np.ndarray, np.ndarray]:
    """MNIST from files already on disk; never downloads.

    Args:
        path: a ``.npz`` file with ``x_train, y_train, x_test, y_test`` (the
            layout Keras uses), or a folder with the four IDX files
            (``train-images-idx3-ubyte[.gz]`` ...).  ``None`` reads the
            ``AIGC_COURSE_MNIST`` environment variable.
        split: ``"train"`` or ``"test"``.
        scale: ``"tanh"`` ([-1, 1]) or ``"unit"`` ([0, 1]).

    Returns:
        ``images (N, 28, 28)`` float32 and ``labels (N,)`` int64.
    """
    _check_choice("split", split, SPLITS)
    _check_choice("scale", scale, SCALES)
    if path is None:
        path = os.environ.get(MNIST_ENV_VAR)
        if not path:
            raise FileNotFoundError(
                f"No MNIST path given and {MNIST_ENV_VAR} is not set. The course never downloads "
                "data: pass path= (an mnist.npz file or a folder with the IDX files) or set "
                f"{MNIST_ENV_VAR}; or use load_digits(), which needs no file."
            )
    path = pathlib.Path(path).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"MNIST path does not exist: {path}")
    if path.is_dir():
        image_stem, label_stem = _IDX_NAMES[split]
        images, labels = read_idx(_find_idx(path, image_stem)), read_idx(_find_idx(path, label_stem))
    elif path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as archive:
            keys = (f"x_{split}", f"y_{split}")
            missing = [k for k in keys if k not in archive.files]
            if missing:
                raise ValueError(f"{path} lacks {missing}; it holds {archive.files}")
            images, labels = archive[keys[0]], archive[keys[1]]
    else:
        raise ValueError(f"path must be a .npz file or a folder of IDX files, got {path}")
    if images.ndim != 3 or len(images) != len(labels):
        raise ValueError(f"{path}: expected images (N, H, W) and N labels, got {images.shape} and {labels.shape}")
    images = images.astype(np.float64) / 255.0
    return _apply_scale(images, scale), labels.astype(np.int64)


def batches(arrays, batch_size: int, *, shuffle: bool = True, seed: int = 0, drop_last: bool = False):
    """Yield aligned mini-batches from one array or a tuple of arrays.

    A framework-free loader used by both frameworks' trainers, so they see the
    same batches in the same order for the same seed.
    """
    single = isinstance(arrays, np.ndarray)
    arrays = (arrays,) if single else tuple(arrays)
    batch_size = _check_positive_int("batch_size", batch_size)
    n = len(arrays[0])
    if n == 0:
        raise ValueError("cannot make batches from empty data")
    if any(len(a) != n for a in arrays):
        raise ValueError(f"arrays must have the same length, got {[len(a) for a in arrays]}")
    order = _rng(seed).permutation(n) if shuffle else np.arange(n)
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        idx = order[start : start + batch_size]
        yield arrays[0][idx] if single else tuple(a[idx] for a in arrays)
