"""What every checker of a function guarantees, whatever its chapter
(``_checking.judge``).

For each checker: the package's reference passes; several inputs are tried, at least one
of them new on every call; a function that returns a stored answer fails; ``None`` is
called a forgotten ``return``; PyTorch tensors that require grad and TensorFlow tensors
are accepted; in grading mode the expected value is not printed.
"""

import json

import numpy as np
import pytest

from aigc_course.data import audio
from aigc_course.exercises import (
    applications_analysis,
    applications_audio,
    applications_images,
    applications_text,
    concepts,
    diffusion,
    finetuning_hf,
    finetuning_images,
    finetuning_text,
    gan,
    math,
    vae,
)
from aigc_course.exercises._checking import NONE_PROBLEM, fmt
from aigc_course.exercises._feedback import RECORD_MIME
from aigc_course.maths import theory


def lora_init(n_in, n_out, r, seed):
    rng = np.random.default_rng(seed)
    return rng.uniform(-1 / np.sqrt(n_in), 1 / np.sqrt(n_in), (r, n_in)), np.zeros(
        (n_out, r)
    )


# checker -> a right answer (the package's reference where there is one)
RIGHT = {
    concepts.check_bayes_posterior: concepts._reference_posterior,
    gan.check_discriminator_loss: gan.reference_discriminator_loss,
    gan.check_generator_loss: gan.reference_generator_loss,
    gan.check_high_quality_fraction: gan.reference_high_quality_fraction,
    gan.check_conv_transpose_size: gan.conv_transpose_output_size,
    gan.check_label_maps: gan.label_maps,
    gan.check_condition: gan.condition,
    vae.check_reparameterize: vae.reparameterize,
    vae.check_kl_loss: vae.kl_loss,
    vae.check_reconstruction_loss: vae.reconstruction_loss,
    math.check_gaussian_kl: theory.gaussian_kl,
    math.check_bce: theory.binary_cross_entropy,
    math.check_optimal_discriminator: theory.optimal_discriminator,
    math.check_js_divergence: theory.js_divergence,
    math.check_generator_gradient: lambda d: d - 1,
    math.check_linear_gaussian_posterior: theory.linear_gaussian_posterior,
    finetuning_text.check_lora_forward: finetuning_text.lora_forward,
    finetuning_text.check_lora_init: lora_init,
    finetuning_text.check_perplexity: finetuning_text.perplexity,
    finetuning_text.check_trainable_count: finetuning_text.lora_trainable_count,
    finetuning_images.check_patch_mask: finetuning_images.patch_mask,
    finetuning_images.check_masked_loss: finetuning_images.masked_loss,
    finetuning_images.check_few_shot_split: finetuning_images.few_shot_split,
    finetuning_hf.check_lora_param_count: finetuning_hf.lora_param_count,
    finetuning_hf.check_memory_estimate: finetuning_hf.training_memory_bytes,
    finetuning_hf.check_causal_lm_labels: finetuning_hf.causal_lm_labels,
    finetuning_hf.check_merge_conv1d: finetuning_hf.merge_conv1d,
    applications_text.check_temperature_softmax: (
        applications_text.softmax_with_temperature
    ),
    applications_text.check_top_k_filter: applications_text.top_k_probs,
    applications_text.check_top_p_filter: applications_text.top_p_probs,
    applications_text.check_distinct_n: applications_text.distinct_n,
    applications_images.check_gram_matrix: applications_images.gram_matrix,
    applications_images.check_psnr: applications_images.psnr,
    applications_images.check_centre_mask: applications_images.centre_mask,
    applications_audio.check_tone: audio.tone,
    applications_audio.check_dominant_frequency: audio.dominant_frequency,
    applications_audio.check_adsr: audio.adsr,
    applications_analysis.check_roc_auc: applications_analysis.roc_auc,
    applications_analysis.check_reconstruction_error: (
        applications_analysis.reconstruction_error
    ),
    applications_analysis.check_nearest_neighbour_distance: (
        applications_analysis.nearest_neighbour_distance
    ),
    diffusion.check_q_sample: diffusion.q_sample,
    diffusion.check_ddim_step: diffusion.ddim_step,
    diffusion.check_flow_matching_loss: diffusion.flow_matching_loss,
    diffusion.check_cfg_mix: diffusion.cfg_mix,
}
CHECKERS = pytest.mark.parametrize("check", list(RIGHT), ids=lambda c: c.__name__)


def test_every_checker_of_a_function_is_in_the_table():
    modules = [
        applications_analysis,
        applications_audio,
        applications_images,
        applications_text,
        concepts,
        diffusion,
        finetuning_hf,
        finetuning_images,
        finetuning_text,
        gan,
        math,
        vae,
    ]
    found = {
        getattr(m, n) for m in modules for n in m.__all__ if n.startswith("check_")
    }
    answers_that_are_data = {concepts.check_task_types, concepts.check_pipeline_order}
    assert found - answers_that_are_data == set(RIGHT)


def spy(check):
    """Run ``check`` on the right answer; return the argument tuples it was called
    with."""
    calls = []

    def right(*args):
        calls.append(args)
        return RIGHT[check](*args)

    assert check(right, show=False).passed
    return calls


def _differ(a, b) -> bool:
    return len(a) != len(b) or any(
        np.shape(x) != np.shape(y)
        or not np.array_equal(np.asarray(x, object), np.asarray(y, object))
        for x, y in zip(a, b)
    )


@CHECKERS
def test_several_inputs_one_of_them_new_on_every_call(check):
    first, second = spy(check), spy(check)
    assert len(first) >= 3
    assert any(_differ(a, b) for a, b in zip(first, second)), (
        "no input changed between two calls"
    )


@CHECKERS
def test_a_stored_answer_fails(check):
    stored = RIGHT[check](*spy(check)[0])
    result = check(lambda *args: stored, show=False)
    assert not result.passed, "a function returning the first input's answer passed"


@CHECKERS
def test_none_is_a_forgotten_return(check):
    result = check(lambda *args: None, show=False)
    assert len(result.problems) == 1 and result.problems[0].endswith(NONE_PROBLEM)
    assert "did you forget to return" in NONE_PROBLEM


def _as_tensors(value, to_tensor):
    if isinstance(value, tuple):
        return tuple(_as_tensors(v, to_tensor) for v in value)
    return to_tensor(np.asarray(value))


@CHECKERS
def test_torch_tensors_that_require_grad_are_accepted(check):
    torch = pytest.importorskip("torch")

    def to_tensor(a):
        floating = a.dtype.kind == "f"
        return torch.tensor(
            a, dtype=torch.float64 if floating else None, requires_grad=floating
        )

    assert check(
        lambda *args: _as_tensors(RIGHT[check](*args), to_tensor), show=False
    ).passed


@CHECKERS
def test_tensorflow_tensors_are_accepted(check):
    import aigc_course  # noqa: F401  (sets TensorFlow's logging before its import)

    tf = pytest.importorskip("tensorflow")
    assert check(
        lambda *args: _as_tensors(RIGHT[check](*args), tf.constant), show=False
    ).passed


def _nudged(value):
    """A slightly wrong answer: numbers moved by a little, so only the values are
    wrong."""
    if isinstance(value, tuple):
        return tuple(_nudged(v) for v in value)
    a = np.asarray(value)
    return a + 7 if a.dtype.kind in "iu" else a * 1.013 + 0.0123


@CHECKERS
def test_grading_mode_prints_no_expected_value(check, monkeypatch, capsys):
    args = spy(check)[0]
    right = RIGHT[check](*args)
    monkeypatch.setenv("AIGC_COURSE_GRADING", "1")
    result = check(lambda *a: _nudged(RIGHT[check](*a)), show=True)
    out = capsys.readouterr().out
    assert not result.passed and result.hints == []
    record = json.loads(
        next(line for line in out.splitlines() if line.startswith(RECORD_MIME)).split(
            " ", 1
        )[1]
    )
    assert record["checker"] == check.__name__ and record["passed"] is False
    shown = out.replace(RECORD_MIME, "")
    for value in right if isinstance(right, tuple) else (right,):
        if np.size(value) > 1 or np.asarray(value).dtype.kind in "f":
            assert fmt(value) not in shown, (fmt(value), shown)
