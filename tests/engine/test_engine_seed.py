"""The seed reaches torch, random and numpy before the script runs: same seed, same run."""

from __future__ import annotations

from engine_helpers import run_session, script_path


def printed(session) -> str:
    return "".join(text for stream, text in session.output if stream == "stdout")


def values_of(session) -> list:
    return [(s.phases, s.loss, {n: p.values for n, p in s.params.items()}) for s in session.history]


def test_same_seed_same_randomness_and_pauses():
    first = run_session(script_path("seeded_randomness.py"), seed=7)
    again = run_session(script_path("seeded_randomness.py"), seed=7)
    other = run_session(script_path("seeded_randomness.py"), seed=8)
    assert printed(first) and printed(first) == printed(again)
    assert values_of(first) == values_of(again)
    # each of the three generators changes with the seed
    for mine, theirs in zip(printed(first).split(), printed(other).split(), strict=True):
        assert mine != theirs
    assert values_of(first) != values_of(other)


def test_shuffled_minibatches_repeat_under_the_same_seed():
    # d2l_sgd.py shuffles with the random module and never seeds it itself
    first = run_session(script_path("d2l_sgd.py"), seed=3)
    again = run_session(script_path("d2l_sgd.py"), seed=3)
    assert values_of(first) == values_of(again)
