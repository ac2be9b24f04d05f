"""The chapter-6 audio checkers accept right answers and name the typical mistakes."""

import numpy as np
import pytest

from aigc_course.exercises import applications_audio as ex


def _only(result, fragment):
    assert not result.passed, "a wrong answer passed"
    assert any(fragment in p for p in result.problems), result.problems


# ---- tone -----------------------------------------------------------------------


def tone_right(frequency, duration, sample_rate):
    t = np.arange(round(duration * sample_rate)) / sample_rate
    return np.sin(2 * np.pi * frequency * t)


def _t(duration, rate):
    return np.arange(round(duration * rate)) / rate


@pytest.mark.parametrize(
    "wrong, fragment",
    [
        (lambda f, d, r: np.cos(2 * np.pi * f * _t(d, r)), "cosine"),
        (lambda f, d, r: np.sin(f * _t(d, r)), "2*pi times too low"),
        (
            lambda f, d, r: np.sin(2 * np.pi * f * np.arange(round(d * r))),
            "t must be in seconds",
        ),
        (
            lambda f, d, r: np.sin(2 * np.pi * f * np.linspace(0, d, round(d * r))),
            "linspace",
        ),
        (lambda f, d, r: np.sin(360 * f * _t(d, r)), "not degrees"),
        (
            lambda f, d, r: np.sin(2 * np.pi * f * np.linspace(0, d, round(d * r) + 1)),
            "one too many",
        ),
        (
            lambda f, d, r: np.sin(2 * np.pi * f * _t(d, r))[:100],
            "expected duration * sample_rate",
        ),
        (
            lambda f, d, r: 0.5 * np.sin(2 * np.pi * f * _t(d, r)),
            "peak amplitude is 0.5",
        ),
        (
            lambda f, d, r: np.sin(2 * np.pi * f * np.arange(round(d * r)) / 8000),
            "do not hard-code 8000",
        ),
        (lambda f, d, r: np.sin(2 * np.pi * f * _t(d, r))[None], "1-D array"),
        (lambda f, d, r: np.sin(2 * np.pi * f * _t(d, r) + 0.3), "values differ"),
        (lambda f, d, r: 1 / 0, "raised ZeroDivisionError"),
        ("not a function", "expected a function"),
    ],
)
def test_tone_mistakes(wrong, fragment):
    _only(ex.check_tone(wrong, show=False), fragment)


def test_tone_right_answers_pass(capsys):
    assert ex.check_tone(tone_right).passed
    assert "correct" in capsys.readouterr().out
    from aigc_course.data import audio

    assert ex.check_tone(audio.tone, show=False).passed


# ---- dominant frequency ----------------------------------------------------------


def dominant_right(x, sample_rate):
    spectrum = np.abs(np.fft.rfft(x))
    freqs = np.fft.rfftfreq(len(x), 1 / sample_rate)
    return freqs[1:][np.argmax(spectrum[1:])]


def _peak_bin(x):
    return int(np.argmax(np.abs(np.fft.rfft(x - x.mean()))))


@pytest.mark.parametrize(
    "wrong, fragment",
    [
        (lambda x, r: _peak_bin(x), "FFT bin index"),
        (lambda x, r: 2 * np.pi * _peak_bin(x) * r / len(x), "angular frequency"),
        (lambda x, r: _peak_bin(x) * r / (len(x) / 2), "N, not N / 2"),
        (
            lambda x, r: np.fft.rfftfreq(len(x), 1 / r)[
                np.argmax(np.abs(np.fft.rfft(x)))
            ],
            "DC component",
        ),
        (lambda x, r: _peak_bin(x) * 8000 / len(x), "do not hard-code 8000"),
        (lambda x, r: r - _peak_bin(x) * r / len(x), "mirror image"),
        (lambda x, r: np.array([440.0, 1.0]), "expected one number"),
        (lambda x, r: 123.0, "the same answer whatever its inputs"),
        # a reader sees the value; grading does not
        (lambda x, r: 123.0 + r / 1e6, "expected 440"),
        (lambda x, r: 1 / 0, "raised ZeroDivisionError"),
    ],
)
def test_dominant_frequency_mistakes(wrong, fragment):
    _only(ex.check_dominant_frequency(wrong, show=False), fragment)


def test_dominant_frequency_right_answers_pass():
    from aigc_course.data import audio

    assert ex.check_dominant_frequency(dominant_right, show=False).passed
    assert ex.check_dominant_frequency(audio.dominant_frequency, show=False).passed


# ---- ADSR -------------------------------------------------------------------------


def adsr_right(n, attack, decay, sustain, release, sample_rate):
    t = np.arange(n) / sample_rate
    end = (n - 1) / sample_rate
    return np.interp(
        t, [0, attack, attack + decay, end - release, end], [0, 1, sustain, sustain, 0]
    )


def adsr_segments(n, attack, decay, sustain, release, sample_rate):
    """Another right answer: the four segments built with linspace and concatenated."""
    a, d, r = (round(v * sample_rate) for v in (attack, decay, release))
    return np.concatenate(
        [
            np.linspace(0, 1, a, endpoint=False),
            np.linspace(1, sustain, d, endpoint=False),
            np.full(n - a - d - r, sustain),
            np.linspace(sustain, 0, r),
        ]
    )


def _interp(n, times, values, rate):
    return np.interp(np.arange(n) / rate, times, values)


@pytest.mark.parametrize(
    "wrong, fragment",
    [
        # the release appended after a full-length sustain
        (
            lambda n, a, d, s, r, sr: np.concatenate(
                [adsr_right(n, a, d, s, r, sr), np.zeros(10)]
            ),
            "not be appended",
        ),
        (lambda n, a, d, s, r, sr: adsr_right(n, a, d, s, r, sr)[:, None], "1-D array"),
        (
            lambda n, a, d, s, r, sr: np.maximum(adsr_right(n, a, d, s, r, sr), 0.2),
            "starts at 0.2",
        ),
        # no release: the envelope stays at the sustain level to the end
        (
            lambda n, a, d, s, r, sr: _interp(n, [0, a, a + d], [0, 1, s], sr),
            "fall to 0 on the last sample",
        ),
        # the decay falls to 0 instead of to the sustain level
        (
            lambda n, a, d, s, r, sr: _interp(n, [0, a, a + d], [0, 1, 0], sr),
            "not to 0",
        ),
        (
            lambda n, a, d, s, r, sr: 0.8 * adsr_right(n, a, d, s, r, sr) / s * s,
            "the peak is 0.8",
        ),
        # times used as sample counts
        (
            lambda n, a, d, s, r, sr: np.interp(
                np.arange(n), [0, a, a + d, n - 1 - r, n - 1], [0, 1, s, s, 0]
            ),
            "in seconds",
        ),
        # an attack twice as long
        (
            lambda n, a, d, s, r, sr: adsr_right(n, 2 * a, d, s, r, sr),
            "the attack lasts",
        ),
        # the release starts at a fixed point, not release seconds before the end
        (
            lambda n, a, d, s, r, sr: adsr_right(n, a, d, s, 1.6 * r, sr),
            "where the decay ends",
        ),
        (
            lambda n, a, d, s, r, sr: (
                adsr_right(n, a * sr / 8000, d * sr / 8000, s, r * sr / 8000, 8000)
                if sr == 8000
                else adsr_right(n, a * 2, d * 2, s, r * 2, sr)
            ),
            "do not hard-code 8000",
        ),
        (lambda *args: 1 / 0, "raised ZeroDivisionError"),
    ],
)
def test_adsr_mistakes(wrong, fragment):
    _only(ex.check_adsr(wrong, show=False), fragment)


def test_adsr_right_answers_pass():
    from aigc_course.data import audio

    assert ex.check_adsr(adsr_right, show=False).passed
    assert ex.check_adsr(adsr_segments, show=False).passed
    assert ex.check_adsr(audio.adsr, show=False).passed
