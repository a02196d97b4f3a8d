"""The voting rules as pure functions: quorum over non-recused members, and each rule
(majority, unanimous, chair decides) with recusals."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from access_requests import voting

MEMBERS = {"chair", "m1", "m2", "m3"}


def tally(rule: str, votes: dict[str, str], recused: set[str] = frozenset(), quorum: int = 2):  # type: ignore[assignment]
    return voting.tally(rule=rule, quorum=quorum, eligible=MEMBERS, recused=recused, votes=votes)


def test_quorum_counts_votes_of_eligible_members_only():
    result = tally("majority", {"m1": "approve", "outsider": "approve"})
    assert (result.voted, result.quorum_met, result.missing) == (1, False, 1)


def test_a_recused_members_vote_does_not_count_nor_do_they():
    result = tally("majority", {"m1": "approve", "m3": "approve"}, recused={"m3"})
    assert (result.voted, result.eligible, result.recused, result.quorum_met) == (1, 3, 1, False)


def test_abstentions_count_towards_the_quorum():
    result = tally("majority", {"m1": "abstain", "m2": "approve"})
    assert result.quorum_met and result.outcome == "approved"


def test_majority_follows_the_larger_side_and_a_tie_is_the_chairs():
    assert tally("majority", {"m1": "reject", "m2": "reject", "m3": "approve"}).outcome == (
        "rejected"
    )
    tie = tally("majority", {"m1": "reject", "m2": "approve"})
    assert tie.outcome is None and tie.allowed == {"approved", "rejected"}


def test_majority_with_a_recusal_changes_the_outcome():
    votes = {"m1": "reject", "m2": "approve", "m3": "approve"}
    assert tally("majority", votes).outcome == "approved"
    assert tally("majority", votes, recused={"m3"}).allowed == {"approved", "rejected"}


def test_unanimous_needs_no_rejection_and_one_approval():
    assert tally("unanimous", {"m1": "approve", "m2": "approve"}).outcome == "approved"
    assert tally("unanimous", {"m1": "approve", "m2": "reject"}).outcome == "rejected"
    assert tally("unanimous", {"m1": "abstain", "m2": "abstain"}).outcome == "rejected"
    recused = tally("unanimous", {"m1": "approve", "m2": "reject"}, recused={"m2"}, quorum=1)
    assert recused.outcome == "approved"


def test_chair_rule_leaves_both_outcomes_once_quorate():
    result = tally("chair", {"m1": "reject", "m2": "reject"})
    assert result.quorum_met and result.allowed == {"approved", "rejected"}
    assert not tally("chair", {"m1": "reject"}).quorum_met


@given(
    votes=st.dictionaries(
        st.sampled_from(sorted(MEMBERS | {"x"})), st.sampled_from(["approve", "reject", "abstain"])
    ),
    recused=st.sets(st.sampled_from(sorted(MEMBERS))),
    rule=st.sampled_from(voting.RULES),
    quorum=st.integers(min_value=1, max_value=5),
)
def test_the_tally_never_counts_recused_or_outside_votes(votes, recused, rule, quorum):
    result = tally(rule, votes, recused=recused, quorum=quorum)
    counted = [v for k, v in votes.items() if k in MEMBERS and k not in recused]
    assert result.voted == len(counted) <= result.eligible == len(MEMBERS - recused)
    assert result.allowed and result.allowed <= {"approved", "rejected"}
    assert result.quorum_met == (len(counted) >= quorum)
