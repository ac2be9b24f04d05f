"""A tiny character-level GPT in PyTorch: a decoder-only transformer (Radford et al.,
2018/2019).

* token + learned position embeddings, ``n_layer`` pre-LayerNorm blocks of
  causal self-attention and an MLP, a final LayerNorm and a linear head;
* ``forward(idx, targets=None) -> (logits, loss)``; ``generate(prompt, n, ...)``;
* :func:`train_lm` / :func:`evaluate_lm`: next-character training on a stream
  of ids, and held-out loss and perplexity.

GPT-2's initialisation: weights N(0, 0.02), residual projections N(0, 0.02 /
sqrt(2 n_layer)), zero biases.  The head is not tied to the token embedding
(simpler to copy and to adapt with LoRA).  The Keras twin,
:mod:`aigc_course.keras.gpt`, has the same names and arguments.
"""

from __future__ import annotations

import math
import os
import pathlib

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from aigc_course.core import training as common
from aigc_course.core.checks import trusted_inputs
from aigc_course.core.gpt import GPTConfig
from aigc_course.data import text
from aigc_course.torch._core import get_device, nudge_weights
from aigc_course.torch._layers import device_of, ids_in
from aigc_course.torch.training import _read, _write


class CausalSelfAttention(nn.Module):
    """Multi-head self-attention in which position t attends to positions <= t only."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        self.n_head, self.n_embd = config.n_head, config.n_embd
        # queries, keys, values at once
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd)
        self.attn_dropout, self.resid_dropout = (
            nn.Dropout(config.dropout),
            nn.Dropout(config.dropout),
        )
        mask = torch.tril(
            torch.ones(config.block_size, config.block_size, dtype=torch.bool)
        )
        # (block_size, block_size), True = may attend
        self.register_buffer("mask", mask, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T, C = x.shape  # batch, time, channels
        hs = C // self.n_head
        q, k, v = self.c_attn(x).split(C, dim=2)  # each (B, T, C)
        q = q.view(B, T, self.n_head, hs).transpose(1, 2)  # (B, nh, T, hs)
        k = k.view(B, T, self.n_head, hs).transpose(1, 2)  # (B, nh, T, hs)
        v = v.view(B, T, self.n_head, hs).transpose(1, 2)  # (B, nh, T, hs)
        # (B, nh, T, T): scaled dot products
        att = (q @ k.transpose(-2, -1)) / math.sqrt(hs)
        # no peeking at the future
        att = att.masked_fill(~self.mask[:T, :T], float("-inf"))
        att = self.attn_dropout(F.softmax(att, dim=-1))
        # (B, nh, T, hs) -> (B, T, C): heads side by side
        y = (att @ v).transpose(1, 2).reshape(B, T, C)
        return self.resid_dropout(self.c_proj(y))


class MLP(nn.Module):
    """Position-wise feed-forward: C -> 4C -> GELU -> C."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd)
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # tanh approximation of GELU, as in GPT-2 (Keras' approximate=True)
        return self.dropout(self.c_proj(F.gelu(self.c_fc(x), approximate="tanh")))


class Block(nn.Module):
    """Pre-LayerNorm transformer block: x + attn(ln(x)), then x + mlp(ln(x))."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        self.ln_1, self.attn = nn.LayerNorm(config.n_embd), CausalSelfAttention(config)
        self.ln_2, self.mlp = nn.LayerNorm(config.n_embd), MLP(config)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class TinyGPT(nn.Module):
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
        self.wte = nn.Embedding(config.vocab_size, config.n_embd)  # token embeddings
        # learned position embeddings
        self.wpe = nn.Embedding(config.block_size, config.n_embd)
        self.drop = nn.Dropout(config.dropout)
        self.blocks = nn.ModuleList([Block(config) for _ in range(config.n_layer)])
        self.ln_f = nn.LayerNorm(config.n_embd)
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.apply(self._init_weights)
        for name, p in self.named_parameters():
            # GPT-2: scale residual projections by 1/sqrt(2 n_layer)
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * config.n_layer))
        self.optimizer = make_optimizer(self)

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def forward(self, idx: torch.Tensor, targets: torch.Tensor | None = None):
        """Logits ``(B, T, vocab_size)`` for ids ``(B, T)``; with ``targets`` ``(B, T)``
        also the mean cross-entropy."""
        cfg, device = self.config, device_of(self)
        idx = ids_in(idx, cfg.vocab_size, cfg.block_size, device)  # (B, T)
        T = idx.shape[1]
        pos = torch.arange(T, device=device)  # (T,)
        x = self.drop(self.wte(idx) + self.wpe(pos))  # (B, T, C) + (T, C) -> (B, T, C)
        for block in self.blocks:
            x = block(x)  # (B, T, C)
        logits = self.lm_head(self.ln_f(x))  # (B, T, V)
        if targets is None:
            return logits, None
        targets = _targets_in(targets, idx, cfg, device)
        # (B*T, V) vs (B*T,)
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1))
        return logits, loss

    def fit(self, token_ids, **kwargs) -> dict[str, list[float]]:
        """Train on ``token_ids``; see :func:`train_lm` for the keyword arguments (as in
        the Keras twin)."""
        return train_lm(self, token_ids, **kwargs)

    @torch.no_grad()
    def logits(self, idx) -> np.ndarray:
        """Next-character logits ``(B, T, vocab_size)`` as NumPy for ids ``(B, T)``,
        dropout off."""
        was_training = self.training
        self.eval()
        try:
            return self(idx)[0].cpu().numpy()
        finally:
            self.train(was_training)

    @torch.no_grad()
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
        ``seed``: the Keras twin with the same weights writes the same text.
        The context is cropped to the last ``block_size`` characters.
        """
        text.check_generate_args(n, temperature, top_k, self.config.vocab_size)
        ids = list(self.tokenizer.encode(prompt, name="prompt"))
        if not ids:
            raise ValueError("prompt must contain at least one character")
        rng = np.random.default_rng(common.check_int("seed", seed, minimum=0))
        device, was_training = next(self.parameters()).device, self.training
        self.eval()
        with trusted_inputs():  # the tokenizer's ids, checked by encode
            for _ in range(n):
                # (1, T)
                context = torch.tensor([ids[-self.config.block_size :]], device=device)
                logits, _ = self(context)  # (1, T, V)
                ids.append(
                    text.sample_next(
                        logits[0, -1].cpu().numpy(), temperature, top_k, rng
                    )
                )
        self.train(was_training)
        return self.tokenizer.decode(ids)

    def optimizers(self) -> dict:
        """The optimizers by name; checkpoints save and restore their state."""
        return {"optimizer": self.optimizer}


def _targets_in(targets, idx: torch.Tensor, config: GPTConfig, device) -> torch.Tensor:
    """Next-token ids with the shape of ``idx`` ``(B, T)``."""
    targets = ids_in(targets, config.vocab_size, config.block_size, device, "targets")
    if targets.shape != idx.shape:
        raise ValueError(
            f"targets must have the shape of idx {tuple(idx.shape)}, got "
            f"{tuple(targets.shape)}"
        )
    return targets


def make_optimizer(
    model: nn.Module, learning_rate: float = 1e-3, weight_decay: float = 0.0
) -> torch.optim.Optimizer:
    """AdamW over the parameters that are trainable now (call again after freezing or
    adding LoRA)."""
    lr = common.check_nonnegative("learning_rate", learning_rate)
    wd = common.check_nonnegative("weight_decay", weight_decay)
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("the model has no trainable parameters")
    return torch.optim.AdamW(
        params, lr=lr, betas=(0.9, 0.99), eps=1e-8, weight_decay=wd
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
    """Next-character training of ``model`` on ``token_ids`` (1-D ids); returns the
    history.

    Each step trains on ``batch_size`` random windows of ``block_size``
    characters; the windows depend only on ``(seed, step)`` (the Keras twin
    uses the same).  A fresh AdamW optimizer covers the parameters that are
    trainable when training starts (frozen ones and LoRA are respected).

    Args:
        valid_ids: held-out ids; when given, ``val_loss`` is recorded.
        eval_every: record the mean training loss (and ``val_loss``) every
            ``eval_every`` steps (and at the last step).
        checkpoint: a file saved at every record (weights, optimizer, step, history,
            and the state of dropout's random numbers).
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
    device = get_device(device)
    model.to(device)
    nudge_weights(model)  # a no-op unless AIGC_COURSE_PERTURB is set (tests)
    model.optimizer = make_optimizer(model, learning_rate, weight_decay)
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
            torch.set_rng_state(state["rng"]["cpu"])
            if "cuda" in state["rng"] and device.type == "cuda":
                torch.cuda.set_rng_state(state["rng"]["cuda"], device)
        if done > steps:
            return history  # the checkpoint is already past this budget
    # (steps, B)
    starts = text.batch_starts(len(ids), steps, batch_size, cfg.block_size, seed)
    # The loss summed since the last record; a resumed run continues the sum the
    # checkpoint kept.
    total, count = (
        (torch.tensor(partial["loss"][0], device=device), int(partial["loss"][1]))
        if partial
        else (0.0, 0)
    )
    means = {}  # since the last record
    # the ids were checked once above: no per-step checks in the model
    with trusted_inputs():
        for step in range(done, steps):
            model.train()
            # (B, T)
            x, y = (
                torch.as_tensor(a, device=device)
                for a in text.windows(ids, starts[step], cfg.block_size)
            )
            _, loss = model(x, y)
            model.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            model.optimizer.step()
            # stays on the device: no sync per step
            total, count = total + loss.detach(), count + 1
            done = step + 1
            if done % eval_every == 0 or done == steps:
                # mean training loss since the last record
                means = {"loss": float(total) / count}
                if valid is not None:
                    means["val_loss"] = evaluate_lm(model, valid)["loss"]
                common.check_finite(means, step, checkpoint)
                # else a last record between two multiples of eval_every
                complete = done % eval_every == 0
                if complete:
                    common.record(history, done, means)
                if checkpoint is not None:
                    rng = {"cpu": torch.get_rng_state()}
                    if device.type == "cuda":
                        rng["cuda"] = torch.cuda.get_rng_state(device)
                    resume_state = {
                        "run": run,
                        "partial": {} if complete else {"loss": [float(total), count]},
                        "rng": rng,
                    }
                    _write(
                        model,
                        checkpoint,
                        epoch=None,
                        step=done,
                        history=history,
                        resume=resume_state,
                    )
                total, count = 0.0, 0
                if verbose:
                    print(
                        f"step {done}, "
                        + ", ".join(f"{k} {v:.4g}" for k, v in means.items())
                    )
    if means and done % eval_every:
        return common.with_record(history, done, means)
    return history


@torch.no_grad()
def evaluate_lm(model: TinyGPT, token_ids, *, batch_size: int = 64) -> dict[str, float]:
    """Mean next-character cross-entropy (nats) on ``token_ids`` and ``perplexity =
    exp(loss)``.

    The ids are cut into consecutive windows of ``block_size``, so every
    character after the first is predicted once (within its window).
    """
    cfg = model.config
    ids = text.check_token_ids(token_ids, cfg.vocab_size, cfg.block_size)
    batch_size = common.check_int("batch_size", batch_size)
    device = next(model.parameters()).device
    x_all, y_all = text.eval_windows(ids, cfg.block_size)  # (W, T) each
    was_training = model.training
    model.eval()
    total = 0.0
    with trusted_inputs():  # windows of checked ids
        for i in range(0, len(x_all), batch_size):
            x, y = (
                torch.as_tensor(a[i : i + batch_size], device=device)
                for a in (x_all, y_all)
            )
            logits, _ = model(x)  # (b, T, V)
            total += float(
                F.cross_entropy(
                    logits.reshape(-1, cfg.vocab_size), y.reshape(-1), reduction="sum"
                )
            )
    model.train(was_training)
    loss = total / y_all.size
    return {"loss": loss, "perplexity": math.exp(loss)}
