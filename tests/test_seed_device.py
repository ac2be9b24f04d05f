"""seed_everything seeds all four random sources; get_device honours requests."""

import random

import numpy as np
import pytest
import tensorflow as tf
import torch

from aigc_course import keras as kac
from aigc_course import seed_everything
from aigc_course import torch as tac


def _draws():
    return (
        random.random(),
        np.random.rand(),
        torch.rand(1).item(),
        float(tf.random.uniform([1])[0]),
    )


def test_seed_everything_repeats_every_source():
    seed_everything(123)
    first = _draws()
    seed_everything(123)
    assert _draws() == first
    seed_everything(124)
    assert all(a != b for a, b in zip(_draws(), first)), (
        "another seed must give other numbers in every framework"
    )


def test_seed_everything_seeds_torch_on_the_tensorflow_backend():
    # keras.utils.set_random_seed alone leaves PyTorch untouched on this backend.
    import keras

    seed_everything(5)
    expected = torch.rand(3)
    keras.utils.set_random_seed(5)
    torch.rand(100)  # move PyTorch's generator on
    keras.utils.set_random_seed(5)
    assert not torch.equal(torch.rand(3), expected)
    seed_everything(5)
    assert torch.equal(torch.rand(3), expected)


def test_seed_everything_fixes_threads():
    from threadpoolctl import threadpool_info

    seed_everything(0, num_threads=1)
    assert torch.get_num_threads() == 1
    assert all(
        pool["num_threads"] == 1
        for pool in threadpool_info()
        if pool["user_api"] == "blas"
    )
    assert torch.are_deterministic_algorithms_enabled()


def test_same_function_in_both_subpackages():
    assert tac.seed_everything is kac.seed_everything is seed_everything


@pytest.mark.parametrize("bad", [1.5, "0", -1, 2**32, True])
def test_seed_everything_rejects_bad_seed(bad):
    with pytest.raises(ValueError, match="seed must be"):
        seed_everything(bad)


@pytest.mark.parametrize("bad", [0, -2, 1.0, "two"])
def test_seed_everything_rejects_bad_threads(bad):
    with pytest.raises(
        ValueError, match="num_threads must be a positive integer, 'auto' or None"
    ):
        seed_everything(0, num_threads=bad)


@pytest.mark.filterwarnings("ignore:TensorFlow was already running")
def test_thread_count_from_the_environment(monkeypatch):
    monkeypatch.setenv("AIGC_COURSE_THREADS", "2")
    seed_everything(0)
    assert torch.get_num_threads() == 2
    monkeypatch.delenv("AIGC_COURSE_THREADS")
    seed_everything(0)
    assert torch.get_num_threads() == 1


@pytest.mark.parametrize("bad", ["0", "-1", "two", "1.5"])
def test_thread_count_from_the_environment_is_checked(monkeypatch, bad):
    monkeypatch.setenv("AIGC_COURSE_THREADS", bad)
    with pytest.raises(
        ValueError, match="AIGC_COURSE_THREADS must be a positive integer"
    ):
        seed_everything(0)


def test_get_device_cpu_and_errors(monkeypatch):
    assert tac.get_device("cpu") == torch.device("cpu")
    assert kac.get_device("cpu") == "/CPU:0"
    monkeypatch.setenv("AIGC_COURSE_DEVICE", "cpu")
    assert tac.get_device() == torch.device("cpu")
    with pytest.raises(ValueError, match="device must be one of auto, cpu, gpu"):
        tac.get_device("tpu")
    monkeypatch.setenv("AIGC_COURSE_DEVICE", "quantum")
    with pytest.raises(ValueError, match="AIGC_COURSE_DEVICE must be one of"):
        kac.get_device()


def test_get_device_gpu_request_without_gpu():
    if torch.cuda.is_available():
        assert tac.get_device("gpu").type == "cuda"
    else:
        with pytest.raises(ValueError, match="PyTorch sees no CUDA GPU"):
            tac.get_device("gpu")
    if tf.config.list_physical_devices("GPU"):
        assert kac.get_device("gpu") == "/GPU:0"
    else:
        with pytest.raises(ValueError, match="TensorFlow sees no GPU"):
            kac.get_device("cuda")


def test_count_parameters():
    import keras

    lin = torch.nn.Linear(3, 4)
    assert tac.count_parameters(lin) == 16
    lin.bias.requires_grad_(False)
    assert tac.count_parameters(lin, trainable_only=True) == 12
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4)])
    assert kac.count_parameters(model) == 16
    # Like PyTorch: frozen weights still count; BatchNorm statistics never do.
    t_model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    k_model = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(4), keras.layers.BatchNormalization()]
    )
    assert tac.count_parameters(t_model) == kac.count_parameters(k_model) == 24
    t_model[0].requires_grad_(False)
    k_model.layers[0].trainable = False
    assert tac.count_parameters(t_model) == kac.count_parameters(k_model) == 24
    assert (
        tac.count_parameters(t_model, trainable_only=True)
        == kac.count_parameters(k_model, trainable_only=True)
        == 8
    )
    with pytest.raises(ValueError, match="model must be a torch.nn.Module"):
        tac.count_parameters("not a model")
