"""The offline data module: shapes, ranges, fixed split, clear errors, MNIST files."""

import gzip
import struct

import numpy as np
import pytest

from aigc_course import data


@pytest.mark.parametrize("size", [8, 16, 28])
@pytest.mark.parametrize("scale, lo, hi", [("tanh", -1.0, 1.0), ("unit", 0.0, 1.0)])
def test_load_digits_shapes_and_range(size, scale, lo, hi):
    x, y = data.load_digits(image_size=size, split="train", scale=scale)
    assert x.shape == (1433, size, size) and x.dtype == np.float32
    assert y.shape == (1433,) and y.dtype == np.int64
    assert x.min() == pytest.approx(lo) and x.max() == pytest.approx(hi)
    assert set(np.unique(y)) == set(range(10))


def test_split_is_fixed_and_disjoint():
    train, _ = data.load_digits(8, "train", "unit")
    test, test_labels = data.load_digits(8, "test", "unit")
    assert len(train) + len(test) == 1797 and len(test) == 364
    # Same call, same arrays: nothing random in the split.
    np.testing.assert_array_equal(test, data.load_digits(8, "test", "unit")[0])
    # Every class is in the test split.
    assert np.bincount(test_labels).min() >= 30
    # 8x8 at "unit" scale is scikit-learn's data divided by 16, unchanged.
    from sklearn.datasets import load_digits

    np.testing.assert_allclose(test[0], load_digits().images[0] / 16.0, atol=1e-7)


def test_28_has_mnist_layout():
    x, _ = data.load_digits(28, "train", "unit")
    border = np.concatenate(
        [x[:, :4].ravel(), x[:, -4:].ravel(), x[:, :, :4].ravel(), x[:, :, -4:].ravel()]
    )
    assert border.max() == 0.0, "the digit must stay inside the central 20x20 box"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"image_size": 32}, "image_size must be one of 8, 16, 28; got 32"),
        ({"split": "valid"}, "split must be one of 'train', 'test'; got 'valid'"),
        ({"scale": "minmax"}, "scale must be one of 'tanh', 'unit'; got 'minmax'"),
    ],
)
def test_load_digits_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        data.load_digits(**kwargs)


def test_ring_of_gaussians():
    points, modes = data.ring_of_gaussians(
        n=4000, modes=8, radius=2.0, std=0.05, seed=1
    )
    assert points.shape == (4000, 2) and points.dtype == np.float32
    assert set(np.unique(modes)) == set(range(8))
    centres = data.ring_centres(8, 2.0)
    # Each point lies near the centre of the mode it came from.
    assert np.linalg.norm(points - centres[modes], axis=1).max() < 0.05 * 6
    np.testing.assert_array_equal(
        points, data.ring_of_gaussians(n=4000, seed=1, std=0.05)[0]
    )


def test_moons_and_spiral():
    p, y = data.moons(500, noise=0.0, seed=0)
    assert p.shape == (500, 2) and set(np.unique(y)) == {0, 1}
    s, arm = data.spiral(500, seed=0)
    assert s.shape == (500, 2) and set(np.unique(arm)) == {0, 1}
    assert np.abs(s).max() < 3.0


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: data.ring_of_gaussians(n=0), "n must be an integer >= 1, got 0"),
        (lambda: data.ring_of_gaussians(std=0), "std must be positive"),
        (lambda: data.moons(noise=-1), "noise must be >= 0"),
        (lambda: data.spiral(turns=0), "turns must be positive"),
        (lambda: data.spiral(seed=-3), "seed must be an integer >= 0"),
    ],
)
def test_toy_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def _write_idx(path, array, compress=False):
    codes = {np.uint8: 0x08, np.int32: 0x0C}
    header = struct.pack(
        ">BBBB", 0, 0, codes[array.dtype.type], array.ndim
    ) + struct.pack(f">{array.ndim}I", *array.shape)
    raw = header + array.astype(array.dtype.newbyteorder(">")).tobytes()
    (gzip.open if compress else open)(path, "wb").write(raw)


@pytest.fixture
def tiny_mnist(tmp_path):
    """A tiny data set in both MNIST formats: IDX files (one gzipped) and an .npz."""
    rng = np.random.default_rng(0)
    x_train = rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    y_train = np.array([0, 1, 2, 3, 4], dtype=np.uint8)
    x_test = rng.integers(0, 256, size=(3, 28, 28), dtype=np.uint8)
    y_test = np.array([7, 8, 9], dtype=np.uint8)
    folder = tmp_path / "idx"
    folder.mkdir()
    _write_idx(folder / "train-images-idx3-ubyte.gz", x_train, compress=True)
    _write_idx(folder / "train-labels-idx1-ubyte", y_train)
    _write_idx(folder / "t10k-images-idx3-ubyte", x_test)
    _write_idx(folder / "t10k-labels-idx1-ubyte", y_test)
    npz = tmp_path / "mnist.npz"
    np.savez(npz, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    return folder, npz, (x_train, y_train, x_test, y_test)


def test_load_mnist_from_idx_and_npz(tiny_mnist):
    folder, npz, (x_train, y_train, x_test, y_test) = tiny_mnist
    for source in (folder, npz):
        x, y = data.load_mnist(source, split="train", scale="unit")
        np.testing.assert_allclose(x, x_train / 255.0, atol=1e-7)
        np.testing.assert_array_equal(y, y_train)
        x, y = data.load_mnist(source, split="test", scale="tanh")
        np.testing.assert_allclose(x, x_test / 127.5 - 1.0, atol=1e-6)
        np.testing.assert_array_equal(y, y_test)


def test_load_mnist_from_environment_variable(tiny_mnist, monkeypatch):
    _, npz, (_, y_train, _, _) = tiny_mnist
    monkeypatch.setenv(data.MNIST_ENV_VAR, str(npz))
    np.testing.assert_array_equal(data.load_mnist()[1], y_train)


def test_load_mnist_errors(tiny_mnist, tmp_path, monkeypatch):
    folder, _, _ = tiny_mnist
    monkeypatch.delenv(data.MNIST_ENV_VAR, raising=False)
    with pytest.raises(FileNotFoundError, match="AIGC_COURSE_MNIST is not set"):
        data.load_mnist()
    with pytest.raises(FileNotFoundError, match="does not exist"):
        data.load_mnist(tmp_path / "nowhere.npz")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte"):
        data.load_mnist(empty)
    bad = tmp_path / "bad.npz"
    np.savez(bad, images=np.zeros((2, 28, 28)))
    with pytest.raises(ValueError, match="lacks"):
        data.load_mnist(bad)
    junk = folder / "junk"
    junk.write_bytes(b"\x12\x34\x56\x78")
    with pytest.raises(ValueError, match="not an IDX file"):
        data.read_idx(junk)
    with pytest.raises(ValueError, match="split must be one of"):
        data.load_mnist(folder, split="val")


def test_read_idx_rejects_truncated_file(tmp_path):
    path = tmp_path / "short-idx"
    _write_idx(path, np.zeros((2, 3), dtype=np.uint8))
    path.write_bytes(path.read_bytes()[:-1])
    with pytest.raises(ValueError, match="header says shape"):
        data.read_idx(path)


def test_batches_cover_data_once_and_are_seeded():
    x, y = np.arange(10), np.arange(10) * 2
    got = list(data.batches((x, y), 4, shuffle=True, seed=3))
    assert [len(b[0]) for b in got] == [4, 4, 2]
    assert sorted(np.concatenate([b[0] for b in got])) == list(range(10))
    for bx, by in got:
        np.testing.assert_array_equal(by, bx * 2)
    again = list(data.batches((x, y), 4, shuffle=True, seed=3))
    np.testing.assert_array_equal(got[0][0], again[0][0])
    assert [len(b) for b in data.batches(x, 4, drop_last=True)] == [4, 4]
    with pytest.raises(ValueError, match="empty"):
        list(data.batches(np.zeros(0), 4))
    with pytest.raises(ValueError, match="same length"):
        list(data.batches((x, y[:5]), 4))
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1"):
        list(data.batches(x, 0))


def test_load_mnist_keeps_float_images_already_in_0_1(tiny_mnist, tmp_path):
    _, _, (x_train, y_train, x_test, y_test) = tiny_mnist
    npz = tmp_path / "float.npz"
    np.savez(
        npz,
        x_train=x_train / 255.0,
        y_train=y_train,
        x_test=x_test / 255.0,
        y_test=y_test,
    )
    x, _ = data.load_mnist(npz, split="train", scale="unit")
    # not divided by 255 a second time
    np.testing.assert_allclose(x, x_train / 255.0, atol=1e-6)
