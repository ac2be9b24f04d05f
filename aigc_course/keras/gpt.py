"""A tiny character-level GPT in Keras 3: a decoder-only transformer (Radford et al.,
2018/2019).

* token + learned position embeddings, ``n_layer`` pre-LayerNorm blocks of
  causal self-attention and an MLP, a final LayerNorm and a linear head;
* ``call(idx, targets=None) -> (logits, loss)``; ``generate(prompt, n, ...)``;
* ``train_step`` with a ``Mean`` tracker named ``loss``, so Keras' ``fit`` works;
* :func:`train_lm` / :func:`evaluate_lm`: next-character training on a stream
  of ids, and held-out loss and perplexity.

GPT-2's initialisation: weights N(0, 0.02), residual projections N(0, 0.02 /
sqrt(2 n_layer)), zero biases; the head is not tied to the token embedding.
The PyTorch twin, :mod:`aigc_course.torch.gpt`, has the same names and arguments.
"""

from __future__ import annotations

import math
import os
import pathlib
import weakref

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from aigc_course.core import training as common
from aigc_course.core.checks import trusted_inputs
from aigc_course.core.gpt import GPTConfig
from aigc_course.data import text
from aigc_course.keras._core import get_device, nudge_weights
from aigc_course.keras._layers import ids_in, named_layers, own_message
from aigc_course.keras.training import (
    _checkpoint_path,
    _inside_fit,
    _read,
    _write,
    check_optimizer,
)


def _dense(units: int, std: float = 0.02, use_bias: bool = True) -> layers.Dense:
    """``Dense`` with GPT-2's initialisation: kernel N(0, std), bias zero."""
    init = keras.initializers.RandomNormal(mean=0.0, stddev=std)
    return layers.Dense(
        units, use_bias=use_bias, kernel_initializer=init, bias_initializer="zeros"
    )


def _layer_norm() -> layers.LayerNormalization:
    # PyTorch's nn.LayerNorm epsilon (Keras' default is 1e-3)
    return layers.LayerNormalization(epsilon=1e-5)


class CausalSelfAttention(layers.Layer):
    """Multi-head self-attention in which position t attends to positions <= t only."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        self.n_head, self.n_embd = config.n_head, config.n_embd
        self.c_attn = _dense(3 * config.n_embd)  # queries, keys, values at once
        self.c_proj = _dense(config.n_embd, 0.02 / math.sqrt(2 * config.n_layer))
        self.attn_dropout, self.resid_dropout = (
            layers.Dropout(config.dropout),
            layers.Dropout(config.dropout),
        )

    def call(self, x, training=False):
        B, T, C = ops.shape(x)[0], ops.shape(x)[1], self.n_embd  # batch, time, channels
        hs = C // self.n_head
        q, k, v = ops.split(self.c_attn(x), 3, axis=-1)  # each (B, T, C)
        # (B, nh, T, hs)
        q = ops.transpose(ops.reshape(q, (B, T, self.n_head, hs)), (0, 2, 1, 3))
        # (B, nh, T, hs)
        k = ops.transpose(ops.reshape(k, (B, T, self.n_head, hs)), (0, 2, 1, 3))
        # (B, nh, T, hs)
        v = ops.transpose(ops.reshape(v, (B, T, self.n_head, hs)), (0, 2, 1, 3))
        # (B, nh, T, T): scaled dot products
        att = ops.matmul(q, ops.transpose(k, (0, 1, 3, 2))) / math.sqrt(hs)
        # (T, T), True where key position <= query position
        mask = ops.arange(T)[:, None] >= ops.arange(T)[None, :]
        att = ops.where(mask, att, float("-inf"))  # no peeking at the future
        att = self.attn_dropout(ops.softmax(att, axis=-1), training=training)
        # (B, nh, T, hs) -> (B, T, C)
        y = ops.reshape(ops.transpose(ops.matmul(att, v), (0, 2, 1, 3)), (B, T, C))
        return self.resid_dropout(self.c_proj(y), training=training)


class MLP(layers.Layer):
    """Position-wise feed-forward: C -> 4C -> GELU -> C."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        self.c_fc = _dense(4 * config.n_embd)
        self.c_proj = _dense(config.n_embd, 0.02 / math.sqrt(2 * config.n_layer))
        self.dropout = layers.Dropout(config.dropout)

    def call(self, x, training=False):
        # tanh approximation of GELU, as in GPT-2 (PyTorch's approximate="tanh")
        return self.dropout(
            self.c_proj(keras.activations.gelu(self.c_fc(x), approximate=True)),
            training=training,
        )


class Block(layers.Layer):
    """Pre-LayerNorm transformer block: x + attn(ln(x)), then x + mlp(ln(x))."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        self.ln_1, self.attn = _layer_norm(), CausalSelfAttention(config)
        self.ln_2, self.mlp = _layer_norm(), MLP(config)

    def call(self, x, training=False):
        x = x + self.attn(self.ln_1(x), training=training)
        return x + self.mlp(self.ln_2(x), training=training)


# Each model's traced inference function, kept outside the model: a function is
# not model state, and Keras would track (and try to save) an attribute.
_TRACED_LOGITS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class TinyGPT(keras.Model):
    """A character-level decoder-only transformer.

    Args:
        tokenizer: a :class:`aigc_course.data.text.CharTokenizer`; its ``vocab_size``
            sets the embedding and head sizes, and ``generate`` uses it.
        block_size: the longest context (characters) the model sees.
        n_layer, n_head, n_embd: blocks, heads per block, width (a multiple of
        ``n_head``).
        dropout: dropout rate while training (0 turns it off).
    """

    def __init__(
        self,
        tokenizer: text.CharTokenizer,
        block_size: int = 64,
        n_layer: int = 2,
        n_head: int = 4,
        n_embd: int = 64,
        dropout: float = 0.0,
    ):
        super().__init__()
        if not isinstance(tokenizer, text.CharTokenizer):
            raise ValueError(
                "tokenizer must be an aigc_course.data.text.CharTokenizer, "
                f"got {type(tokenizer).__name__}"
            )
        self.tokenizer = tokenizer
        self.config = config = GPTConfig(
            tokenizer.vocab_size, block_size, n_layer, n_head, n_embd, dropout
        )
        normal = keras.initializers.RandomNormal(mean=0.0, stddev=0.02)
        # token embeddings
        self.wte = layers.Embedding(
            config.vocab_size, config.n_embd, embeddings_initializer=normal
        )
        # positions
        self.wpe = layers.Embedding(
            config.block_size, config.n_embd, embeddings_initializer=normal
        )
        self.drop = layers.Dropout(config.dropout)
        self.blocks = [Block(config) for _ in range(config.n_layer)]
        self.ln_f = _layer_norm()
        self.lm_head = _dense(config.vocab_size, use_bias=False)
        self.tracker = keras.metrics.Mean(name="loss")
        # build the weights now, so the model can be counted, copied and loaded
        self(np.zeros((1, 2), "int32"))
        self.compile()  # the default optimizer; train_lm compiles its own

    def compile(self, optimizer=None, **kwargs) -> None:
        """Choose the optimizer, as for any Keras model.

        ``None`` (the default, which the constructor uses) is :func:`make_optimizer`:
        AdamW over the weights trainable now, as the PyTorch twin builds it.
        :func:`train_lm` compiles a fresh one at its own learning rate.  Other keyword
        arguments go to ``keras.Model.compile``; XLA (``jit_compile``) stays off unless
        asked, as on PyTorch's side.
        """
        if optimizer is None:
            optimizer = make_optimizer(self)
        check_optimizer("optimizer", optimizer)
        kwargs.setdefault("jit_compile", False)
        super().compile(optimizer=optimizer, **kwargs)
        self.optimizer.build(self.trainable_variables)

    @property
    def metrics(self):
        return [self.tracker]  # Keras resets it at the start of every epoch

    def call(self, idx, targets=None, training=False):
        """Logits ``(B, T, vocab_size)`` for ids ``(B, T)``; with ``targets`` ``(B, T)``
        also the mean cross-entropy."""
        cfg = self.config
        idx = ids_in(idx, cfg.vocab_size, cfg.block_size)  # (B, T)
        pos = ops.arange(ops.shape(idx)[1])  # (T,)
        # (B, T, C) + (T, C) -> (B, T, C)
        x = self.drop(self.wte(idx) + self.wpe(pos), training=training)
        for block in self.blocks:
            x = block(x, training=training)  # (B, T, C)
        logits = self.lm_head(self.ln_f(x))  # (B, T, V)
        if targets is None:
            return logits, None
        targets = _targets_in(targets, idx, cfg)
        # mean over B*T
        loss = ops.mean(
            ops.sparse_categorical_crossentropy(targets, logits, from_logits=True)
        )
        return logits, loss

    def optimizers(self) -> dict:
        """The optimizers by name (Keras' ``save_weights`` stores their state with the
        weights)."""
        return {"optimizer": self.optimizer}

    def train_step(self, data):
        """One AdamW step on a batch ``(x, y)`` of windows and their next-character
        targets."""
        x, y = data
        with tf.GradientTape() as tape:  # the only TensorFlow-specific code here
            _, loss = self(x, y, training=True)
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        self.tracker.update_state(loss)
        return {"loss": self.tracker.result()}

    def fit(self, token_ids, **kwargs) -> dict[str, list[float]]:
        """Train on ``token_ids``; see :func:`train_lm` for the keyword arguments (as in
        the PyTorch twin)."""
        # train_lm's own batches, already checked
        if getattr(self, "_inside_course_fit", False):
            return super().fit(token_ids, **kwargs)
        return train_lm(self, token_ids, **kwargs)

    def logits(self, idx) -> np.ndarray:
        """Next-character logits ``(B, T, vocab_size)`` as NumPy for ids ``(B, T)``,
        dropout off."""
        return ops.convert_to_numpy(self(idx, training=False)[0])

    def generate(
        self,
        prompt: str,
        n: int,
        temperature: float = 1.0,
        top_k: int | None = None,
        seed: int = 0,
    ) -> str:
        """``prompt`` followed by ``n`` generated characters.

        Each character is drawn from softmax(logits / temperature) (greedy when
        ``temperature == 0``, and so for tiny temperatures too), restricted to
        the ``top_k`` most likely when given, with NumPy's generator seeded by
        ``seed``: the PyTorch twin with the same weights writes the same text.
        The context is cropped to the last ``block_size`` characters.
        """
        text.check_generate_args(n, temperature, top_k, self.config.vocab_size)
        ids = list(self.tokenizer.encode(prompt, name="prompt"))
        if not ids:
            raise ValueError("prompt must contain at least one character")
        rng = np.random.default_rng(common.check_int("seed", seed, minimum=0))
        with trusted_inputs():  # the tokenizer's ids, checked by encode
            for _ in range(n):
                # (1, T)
                context = np.array([ids[-self.config.block_size :]], dtype="int32")
                logits = self._logits(context)  # (1, T, V)
                ids.append(
                    text.sample_next(logits.numpy()[0, -1], temperature, top_k, rng)
                )
        return self.tokenizer.decode(ids)

    def _logits(self, idx):
        """Inference logits through a traced function: eager Keras is slow for one
        character at a time.

        Traced once for any shape, and again after :meth:`_forget_traces`
        (``apply_lora`` and freezing call it: a trace keeps the layers it saw).
        """
        fn = _TRACED_LOGITS.get(self)
        if fn is None:
            fn = tf.function(
                lambda x: self(x, training=False)[0],
                input_signature=[tf.TensorSpec((None, None), tf.int32)],
            )
            _TRACED_LOGITS[self] = fn
        return fn(idx)

    def _forget_traces(self) -> None:
        _TRACED_LOGITS.pop(self, None)
        self.train_function = None


@own_message()
def _targets_in(targets, idx, config: GPTConfig):
    """Next-token ids with the shape of ``idx`` ``(B, T)`` (a dimension unknown while
    tracing is not compared)."""
    targets = ids_in(targets, config.vocab_size, config.block_size, "targets")
    if not all(
        a is None or b is None or a == b for a, b in zip(targets.shape, idx.shape)
    ):
        raise ValueError(
            f"targets must have the shape of idx {tuple(idx.shape)}, got "
            f"{tuple(targets.shape)}"
        )
    return targets


def make_optimizer(
    model: keras.Model, learning_rate: float = 1e-3, weight_decay: float = 0.0
) -> keras.optimizers.Optimizer:
    """AdamW for the weights that are trainable now (call again after freezing or adding
    LoRA).

    Same settings as the PyTorch twin: betas (0.9, 0.99), epsilon 1e-8 (Keras' default
    is 1e-7).
    """
    lr = common.check_nonnegative("learning_rate", learning_rate)
    wd = common.check_nonnegative("weight_decay", weight_decay)
    if not model.trainable_weights:
        raise ValueError("the model has no trainable parameters")
    return keras.optimizers.AdamW(
        lr, weight_decay=wd, beta_1=0.9, beta_2=0.99, epsilon=1e-8
    )


def train_lm(
    model: TinyGPT,
    token_ids,
    *,
    steps: int = 500,
    batch_size: int = 32,
    learning_rate: float = 1e-3,
    weight_decay: float = 0.0,
    seed: int = 0,
    valid_ids=None,
    eval_every: int = 100,
    checkpoint: str | os.PathLike | None = None,
    resume: bool = False,
    verbose: int = 0,
    device: str | None = None,
) -> dict[str, list[float]]:
    """Next-character training of ``model`` on ``token_ids`` (1-D ids) with Keras'
    ``fit``; returns the history.

    Each step trains on ``batch_size`` random windows of ``block_size``
    characters; the windows depend only on ``(seed, step)`` (the PyTorch twin
    uses the same).  A fresh AdamW optimizer covers the weights that are
    trainable when training starts (frozen ones and LoRA are respected).

    Args:
        valid_ids: held-out ids; when given, ``val_loss`` is recorded.
        eval_every: record the mean training loss (and ``val_loss``) every
            ``eval_every`` steps (and at the last step); one ``fit`` call per record.
        checkpoint: a ``.weights.h5`` file saved at every record (weights, optimizer,
            step, history, and the state of dropout's random numbers).
        resume: continue from ``checkpoint`` when it exists, exactly as if the
            run had not stopped (same ``token_ids``, ``batch_size``, ``seed``,
            ``eval_every``).
        verbose: 0 for silence, 1 to print a line per record.

    Returns:
        ``{"step": [...], "loss": [...], "val_loss": [...]}`` (``val_loss`` only with
        ``valid_ids``).
    """
    cfg = model.config
    ids = text.check_token_ids(token_ids, cfg.vocab_size, cfg.block_size)
    valid = (
        None
        if valid_ids is None
        else text.check_token_ids(
            valid_ids, cfg.vocab_size, cfg.block_size, "valid_ids"
        )
    )
    steps, batch_size = (
        common.check_int("steps", steps),
        common.check_int("batch_size", batch_size),
    )
    eval_every = common.check_int("eval_every", eval_every)
    if checkpoint is not None:
        checkpoint = _checkpoint_path(checkpoint)
    nudge_weights(model)  # a no-op unless AIGC_COURSE_PERTURB is set (tests)
    model.compile(optimizer=make_optimizer(model, learning_rate, weight_decay))
    run = common.run_key(
        n=len(ids), batch_size=batch_size, seed=seed, eval_every=eval_every
    )
    history, done, partial = {}, 0, {}
    if resume and checkpoint is not None and pathlib.Path(checkpoint).exists():
        state = _read(model, checkpoint)
        common.check_resume(state["run"], run, checkpoint)
        history, done, partial = state["history"], state["step"] or 0, state["partial"]
        # dropout continues with the masks the straight run would draw
        if state["rng"] is not None:
            for generator, value in zip(_seed_generators(model), state["rng"]):
                generator.state.assign(np.asarray(value, dtype=generator.state.dtype))
        if done > steps:
            return history  # the checkpoint is already past this budget
    # (steps, B)
    starts = text.batch_starts(len(ids), steps, batch_size, cfg.block_size, seed)
    ids_t, offsets = tf.constant(ids), tf.range(cfg.block_size + 1, dtype=tf.int64)
    means = {}  # since the last record
    # ids checked once above
    with tf.device(get_device(device)), _inside_fit(model), trusted_inputs():
        first = done
        while first < steps:
            # records fall on multiples of eval_every
            last = min(steps, (first // eval_every + 1) * eval_every)
            data = tf.data.Dataset.from_tensor_slices(starts[first:last]).map(
                # (B, T + 1) -> x, y (B, T)
                lambda s: _window_pair(tf.gather(ids_t, s[:, None] + offsets))
            )
            # A resumed run continues the loss sum the checkpoint kept (Keras resets it
            # at the epoch's start).
            callbacks = [_RestoreSum(partial)] if partial and first == done else []
            fit = model.fit(
                data,
                epochs=1,
                steps_per_epoch=last - first,
                shuffle=False,
                verbose=0,
                callbacks=callbacks,
            )
            # mean training loss since the last record
            means = {"loss": float(fit.history["loss"][-1])}
            if valid is not None:
                means["val_loss"] = evaluate_lm(model, valid)["loss"]
            common.check_finite(means, last - 1, checkpoint)
            # else a last record between two multiples of eval_every
            complete = last % eval_every == 0
            if complete:
                common.record(history, last, means)
            if checkpoint is not None:
                sums = (
                    {}
                    if complete
                    else {"loss": [float(v.numpy()) for v in model.tracker.variables]}
                )
                rng = [np.asarray(g.state).tolist() for g in _seed_generators(model)]
                _write(model, checkpoint, epoch=None, step=last, history=history,
                       resume={"run": run, "partial": sums, "rng": rng})  # fmt: skip
            if verbose:
                print(
                    f"step {last}, "
                    + ", ".join(f"{k} {v:.4g}" for k, v in means.items())
                )
            first = last
    if means and last % eval_every:
        return common.with_record(history, last, means)
    return history


def _seed_generators(model) -> list:
    """Dropout's random-number generators, in a fixed order (their states are not among
    Keras' weights)."""
    dropouts = [
        layer for _, layer in named_layers(model) if isinstance(layer, layers.Dropout)
    ]
    # none at rate 0
    return [
        layer.seed_generator for layer in dropouts if hasattr(layer, "seed_generator")
    ]


class _RestoreSum(keras.callbacks.Callback):
    """Give the loss tracker the sum and count a checkpoint kept, once Keras has reset
    it."""

    def __init__(self, partial: dict):
        super().__init__()
        self.partial = partial

    def on_epoch_begin(self, epoch, logs=None):
        for variable, value in zip(self.model.tracker.variables, self.partial["loss"]):
            variable.assign(value)


def _window_pair(chunk):
    return chunk[:, :-1], chunk[:, 1:]  # x, y: y is x shifted left by one


def evaluate_lm(model: TinyGPT, token_ids, *, batch_size: int = 64) -> dict[str, float]:
    """Mean next-character cross-entropy (nats) on ``token_ids`` and ``perplexity =
    exp(loss)``.

    The ids are cut into consecutive windows of ``block_size``, so every
    character after the first is predicted once (within its window).
    """
    cfg = model.config
    ids = text.check_token_ids(token_ids, cfg.vocab_size, cfg.block_size)
    batch_size = common.check_int("batch_size", batch_size)
    x_all, y_all = text.eval_windows(ids, cfg.block_size)  # (W, T) each
    total = 0.0
    with trusted_inputs():  # windows of checked ids
        for i in range(0, len(x_all), batch_size):
            # (b, T, V)
            logits = model._logits(x_all[i : i + batch_size].astype("int32"))
            total += float(
                ops.sum(
                    ops.sparse_categorical_crossentropy(
                        y_all[i : i + batch_size], logits, from_logits=True
                    )
                )
            )
    loss = total / y_all.size
    return {"loss": loss, "perplexity": math.exp(loss)}
