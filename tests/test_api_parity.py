"""aigc_course.torch and aigc_course.keras expose the same names with the same
signatures."""

import inspect
import pathlib
import re

import pytest

from aigc_course import keras as kac
from aigc_course import torch as tac

ROOT = pathlib.Path(__file__).resolve().parents[1]

# Methods each framework must name differently (PyTorch's ``forward`` is Keras'
# ``call``) or inherits from its own base class with that framework's signature. ``fit``
# is not among them: both frameworks' models route it through the course's trainer.
# ``compile`` is Keras' way to choose optimizers (keras-io's
# ``gan.compile(d_optimizer=..., g_optimizer=...)``); PyTorch's ``nn.Module.compile``
# is ``torch.compile``, something else, and a PyTorch model's optimizers are
# attributes set in its constructor.
FRAMEWORK_METHODS = {
    "compile",
    "forward",
    "call",
    "build",
    "compute_output_shape",
    "get_config",
    "from_config",
    "train_step",
    "test_step",
}


def _public_methods(cls):
    """Public methods the course's own class bodies define (not inherited from
    torch/keras)."""
    names = {}
    for klass in cls.__mro__:
        if not klass.__module__.startswith("aigc_course"):
            continue
        for name, value in vars(klass).items():
            if name.startswith("_") or name in FRAMEWORK_METHODS or name in names:
                continue
            if callable(value) or isinstance(value, (staticmethod, classmethod)):
                names[name] = getattr(cls, name)
    return names


def _signature(obj):
    """Names, kinds and defaults of the parameters.

    Type annotations are left out on purpose: they name each framework's own
    types (``nn.Module`` / ``keras.Model``).
    """
    sig = inspect.signature(obj.__init__ if inspect.isclass(obj) else obj)
    return [(p.name, p.kind, p.default) for p in sig.parameters.values()]


def test_same_names():
    assert sorted(tac.__all__) == sorted(kac.__all__)
    for name in tac.__all__:
        assert hasattr(tac, name), (
            f"aigc_course.torch lists {name} in __all__ but lacks it"
        )
        assert hasattr(kac, name), (
            f"aigc_course.keras lists {name} in __all__ but lacks it"
        )


@pytest.mark.parametrize("name", sorted(tac.__all__))
def test_same_signature(name):
    t_obj, k_obj = getattr(tac, name), getattr(kac, name)
    assert inspect.isclass(t_obj) == inspect.isclass(k_obj), name
    if not callable(t_obj):
        return
    assert _signature(t_obj) == _signature(k_obj), (
        f"{name}: {_signature(t_obj)} != {_signature(k_obj)}"
    )
    if inspect.isclass(t_obj):
        t_methods, k_methods = _public_methods(t_obj), _public_methods(k_obj)
        assert sorted(t_methods) == sorted(k_methods), f"{name}: public methods differ"
        for method in t_methods:
            assert _signature(t_methods[method]) == _signature(k_methods[method]), (
                f"{name}.{method}"
            )
            assert _returns(t_methods[method]) == _returns(k_methods[method]), (
                f"{name}.{method} returns differ"
            )


def _returns(method) -> str:
    """The declared return type; a framework's own tensor (the training maths: losses,
    ``reparameterize``, LoRA's ``delta_weight``) counts as one type, "tensor"."""
    annotation = inspect.signature(method).return_annotation
    text = "" if annotation is inspect.Signature.empty else str(annotation)
    return (
        "tensor" if text in ("torch.Tensor", "tf.Tensor", "keras.KerasTensor") else text
    )


def test_framework_constant():
    assert (tac.FRAMEWORK, kac.FRAMEWORK) == ("torch", "keras")


def test_constructors_go_through_their_parents():
    """No class calls a grandparent's constructor (``nn.Module.__init__(self)``), which
    would skip what its parent sets up: ``super().__init__`` all the way."""
    skipping = re.compile(r"\b[A-Za-z_][\w.]*\.__init__\(self\b")
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sorted((ROOT / "aigc_course").rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if skipping.search(line)
    ]
    assert not found, "\n".join(found)
