"""The declaration state machine as a table, without a database (domain.md §7)."""

import itertools

import pytest

from declarations.transitions import (
    DECLARED,
    FILLING,
    SENT,
    WITHDRAWING,
    Event,
    State,
    TransitionError,
    allowed_events,
    apply,
    can,
)

ALLOWED = [
    # state before, event, state after
    (State(FILLING), Event.DECLARE, State(DECLARED)),
    (State(DECLARED), Event.SEND, State(SENT)),
    (State(DECLARED), Event.REQUEST_WITHDRAWAL, State(WITHDRAWING, DECLARED)),
    (State(SENT), Event.REQUEST_WITHDRAWAL, State(WITHDRAWING, SENT)),
    (State(WITHDRAWING, DECLARED), Event.APPROVE_WITHDRAWAL, State(FILLING)),
    (State(WITHDRAWING, SENT), Event.APPROVE_WITHDRAWAL, State(FILLING)),
    (State(WITHDRAWING, DECLARED), Event.REJECT_WITHDRAWAL, State(DECLARED)),
    (State(WITHDRAWING, SENT), Event.REJECT_WITHDRAWAL, State(SENT)),
    # exported while the withdrawal waits: a rejection must now return to 已发送税务
    (State(WITHDRAWING, DECLARED), Event.SEND, State(WITHDRAWING, SENT)),
    (State(WITHDRAWING, SENT), Event.SEND, State(WITHDRAWING, SENT)),
]


@pytest.mark.parametrize(("before", "event", "after"), ALLOWED)
def test_allowed_transitions(before, event, after):
    assert can(before, event)
    assert apply(before, event) == after


REFUSED = [
    (State(FILLING), Event.SEND),
    (State(FILLING), Event.REQUEST_WITHDRAWAL),
    (State(FILLING), Event.APPROVE_WITHDRAWAL),
    (State(FILLING), Event.REJECT_WITHDRAWAL),
    (State(DECLARED), Event.DECLARE),
    (State(DECLARED), Event.APPROVE_WITHDRAWAL),
    (State(DECLARED), Event.REJECT_WITHDRAWAL),
    (State(SENT), Event.DECLARE),
    (State(SENT), Event.SEND),
    (State(SENT), Event.APPROVE_WITHDRAWAL),
    (State(SENT), Event.REJECT_WITHDRAWAL),
    (State(WITHDRAWING, SENT), Event.DECLARE),
    (State(WITHDRAWING, SENT), Event.REQUEST_WITHDRAWAL),
]


@pytest.mark.parametrize(("before", "event"), REFUSED)
def test_refused_transitions_raise_with_a_chinese_message(before, event):
    assert not can(before, event)
    with pytest.raises(TransitionError) as info:
        apply(before, event)
    assert before.label in info.value.message
    assert "不能" in info.value.message


def test_every_state_event_pair_is_either_allowed_or_refused_above():
    states = {State(FILLING), State(DECLARED), State(SENT), State(WITHDRAWING, DECLARED), State(WITHDRAWING, SENT)}
    covered = {(b, e) for b, e, _ in ALLOWED} | set(REFUSED)
    for state, event in itertools.product(states, Event):
        if (state, event) not in covered:
            # the remaining pairs (e.g. 撤回申请中 from 已完成申报 + DECLARE) must be refused too
            assert can(state, event) == any(b.status == state.status and e == event for b, e, _ in ALLOWED)


@pytest.mark.parametrize(
    ("state", "locked", "sent"),
    [
        (State(FILLING), False, False),
        (State(DECLARED), True, False),
        (State(SENT), True, True),
        (State(WITHDRAWING, DECLARED), True, False),
        (State(WITHDRAWING, SENT), True, True),
    ],
)
def test_locked_and_sent_flags(state, locked, sent):
    assert state.locked is locked
    assert state.sent is sent


def test_allowed_events_per_state():
    assert allowed_events(State(FILLING)) == {Event.DECLARE}
    assert allowed_events(State(DECLARED)) == {Event.SEND, Event.REQUEST_WITHDRAWAL}
    assert allowed_events(State(SENT)) == {Event.REQUEST_WITHDRAWAL}
    assert allowed_events(State(WITHDRAWING, SENT)) == {
        Event.SEND,
        Event.APPROVE_WITHDRAWAL,
        Event.REJECT_WITHDRAWAL,
    }
