import itertools

import pytest

from recordings.sessions.lifecycle import (
    TERMINAL_STATES,
    TRANSITIONS,
    InvalidTransition,
    SessionState,
    can_transition,
    check_transition,
)
from recordings.sessions.models.sessions import car_user_id_for, session_pk_from_user_id

S = SessionState


def test_happy_path_is_allowed_in_order() -> None:
    path = [S.SCHEDULED, S.STARTING, S.RECORDING, S.STOPPING, S.FINALIZING, S.COMPLETED]
    for source, target in itertools.pairwise(path):
        check_transition(source, target)


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (S.RECORDING, S.STARTING),
        (S.COMPLETED, S.STOPPING),
        (S.SCHEDULED, S.RECORDING),
        (S.FAILED, S.STARTING),
    ],
)
def test_backward_or_skipping_transitions_are_refused(source: S, target: S) -> None:
    assert not can_transition(source, target)
    with pytest.raises(InvalidTransition, match=f"from {source.value} to {target.value}"):
        check_transition(source, target)


def test_terminal_states_have_no_way_out_and_every_open_state_can_end() -> None:
    for state in TERMINAL_STATES:
        assert TRANSITIONS[state] == frozenset()
    for state in set(S) - TERMINAL_STATES:
        assert TRANSITIONS[state], state


def test_failed_start_can_undo_through_stopping() -> None:
    assert can_transition(S.STARTING, S.STOPPING)
    assert can_transition(S.STOPPING, S.FAILED)


def test_car_user_id_is_stable_unique_and_css_safe() -> None:
    assert car_user_id_for("lobby", 42) == "lobby-r42"
    long_id = car_user_id_for("x" * 64, 123456)
    assert len(long_id) == 64 and long_id.endswith("-r123456")
    assert session_pk_from_user_id(long_id) == 123456
    assert session_pk_from_user_id("someone-elses-stream") is None
