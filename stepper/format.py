"""Short text for numbers and tensors, shared by every front end (plain transcript, TUI, exports)."""

from __future__ import annotations

import math

from .engine.snapshot import TensorStats


def num(value: float | None, digits: int = 4) -> str:
    """A float in at most ~9 characters: 0.5123, -1.2e-05, nan, inf."""
    if value is None:
        return "-"
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value == 0:
        return "0"
    magnitude = abs(value)
    if 1e-3 <= magnitude < 1e5:
        text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
        return text if text not in ("-0", "") else "0"
    return f"{value:.{max(1, digits - 2)}e}"


def phases_text(phases: tuple[str, ...], mode: str | None = None) -> str:
    """`forward + loss`, with the forward's mode beside it when it was not plain training:
    `forward (eval, no_grad) + loss`."""
    return " + ".join(f"{p} ({mode})" if mode and p == "forward" else p for p in phases)


def shape_text(shape: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(d) for d in shape) + "]"


def values_text(stats: TensorStats, limit: int = 8) -> str:
    """The values of a small tensor, `[0.5, -1.2, …]`, or None when not kept."""
    if stats.values is None:
        return ""
    shown = [num(v) for v in stats.values[:limit]]
    more = len(stats.values) - limit
    return "[" + ", ".join(shown) + (f", … +{more}" if more > 0 else "") + "]"


def flags_text(stats: TensorStats) -> str:
    flags = []
    if stats.nan:
        flags.append(f"NaN×{stats.nan}")
    if stats.inf:
        flags.append(f"Inf×{stats.inf}")
    if stats.zeros and stats.numel:
        flags.append("all zeros")
    return " ".join(flags)


def summary_text(stats: TensorStats) -> str:
    """One line in the spirit of lovely-tensors: shape n=… x∈[min, max] μ=… σ=… ‖·‖=… plus flags."""
    parts = [
        f"{shape_text(stats.shape)} n={stats.numel}",
        f"x∈[{num(stats.min)}, {num(stats.max)}]",
        f"μ={num(stats.mean)} σ={num(stats.std)}",
        f"norm={num(stats.norm)}",
    ]
    if stats.dtype != "float32":
        parts.append(stats.dtype)
    if stats.device != "cpu":
        parts.append(stats.device)
    flags = flags_text(stats)
    if flags:
        parts.append(flags)
    if stats.approx:
        parts.append("(≈ from a sample of the values)")
    return " ".join(parts)


def tensor_text(stats: TensorStats | None) -> str:
    """Values for a small tensor, the summary line for a big one, `None` for a missing .grad."""
    if stats is None:
        return "None"
    if stats.values is not None and stats.numel <= 8:
        flags = flags_text(stats)
        return values_text(stats) + (f"  {flags}" if flags else "")
    return summary_text(stats)


# What a transcript writes for its few non-ASCII characters on a stream that cannot encode them (a
# Latin-1 or ASCII locale); anything else becomes `?`.
ASCII_FALLBACK = {
    "·": ".", "→": "->", "←": "<-", "∈": " in ", "×": "x", "÷": "/", "−": "-", "≈": "~", "…": "...",
    "μ": "mean ", "σ": "std ", "‖": "|", "▁": "_", "▂": "_", "▃": "-", "▄": "-", "▅": "=", "▆": "=",
    "▇": "#", "█": "#", "≤": "<=", "≥": ">=", "—": "-", "–": "-", "✓": "ok", "✗": "x", "⚠": "!",
}  # fmt: skip


def _fallback(error: UnicodeError) -> tuple[str, int]:
    text = error.object[error.start : error.end]  # type: ignore[attr-defined]
    return "".join(ASCII_FALLBACK.get(char, "?") for char in text), error.end  # type: ignore[attr-defined]


def write_anywhere(*streams) -> None:
    """Let text streams whose encoding lacks a character write a stand-in for it, not raise
    UnicodeEncodeError (`stepper run --plain` in a Latin-1 or ASCII locale)."""
    import codecs

    try:
        codecs.lookup_error("stepper-fallback")
    except LookupError:
        codecs.register_error("stepper-fallback", _fallback)
    for stream in streams:
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        if encoding not in ("utf8", "") and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="stepper-fallback")
