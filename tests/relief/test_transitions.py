"""The 缓减免申请 state machine as a table (no database)."""

import pytest

from relief import transitions as t
from relief.constants import ReliefState
from relief.transitions import Action, TransitionError, allowed_actions, can_delete, can_edit, next_state

STATES = [t.DRAFT, t.SUBMITTED, t.APPROVED, t.REJECTED, t.RETURNED]
ALLOWED = {
    (t.DRAFT, Action.SUBMIT): t.SUBMITTED,
    (t.RETURNED, Action.SUBMIT): t.SUBMITTED,
    (t.SUBMITTED, Action.APPROVE): t.APPROVED,
    (t.SUBMITTED, Action.REJECT): t.REJECTED,
    (t.SUBMITTED, Action.RETURN): t.RETURNED,
}


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", list(Action))
def test_every_state_and_action(state, action):
    if (state, action) in ALLOWED:
        assert next_state(state, action) == ALLOWED[state, action]
    else:
        with pytest.raises(TransitionError) as info:
            next_state(state, action)
        assert t.STATE_LABELS[state] in str(info.value)


def test_unknown_action_is_a_domain_error():
    with pytest.raises(TransitionError):
        next_state(t.DRAFT, "publish")


@pytest.mark.parametrize(
    ("state", "actions", "editable", "deletable"),
    [
        (t.DRAFT, {Action.SUBMIT}, True, True),
        (t.SUBMITTED, {Action.APPROVE, Action.REJECT, Action.RETURN}, False, False),
        (t.RETURNED, {Action.SUBMIT}, True, False),
        (t.APPROVED, set(), False, False),
        (t.REJECTED, set(), False, False),
    ],
)
def test_what_each_state_allows(state, actions, editable, deletable):
    assert allowed_actions(state) == actions
    assert can_edit(state) is editable
    assert can_delete(state) is deletable


def test_final_states_have_no_way_out():
    for state in t.FINAL_STATES:
        assert allowed_actions(state) == set()


def test_model_choices_use_the_same_values_and_labels():
    assert {c.value: c.label for c in ReliefState} == t.STATE_LABELS
