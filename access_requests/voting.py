"""The committee's voting rules as pure functions (no Django): given who may vote, who
recused and the votes cast on one dataset, what may the chair record? The review page's
live tally, the decision service and the API all read `tally()`, so the rule is written
once (docs/domain.md, "Request lifecycle": "the decision follows the committee's voting rule
and quorum; recused members do not count").

- Only votes of eligible, non-recused members count; `quorum` is a number of such votes
  (abstentions count towards it: the member took part).
- majority: more approvals than rejections -> approved; more rejections -> rejected;
  a tie leaves the choice to the chair.
- unanimous: approved only when no counted vote rejects and at least one approves;
  otherwise rejected (abstentions neither block nor carry).
- chair: the votes advise; the chair records either outcome once the quorum is met.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

MAJORITY = "majority"
UNANIMOUS = "unanimous"
CHAIR = "chair"
RULES = (MAJORITY, UNANIMOUS, CHAIR)

APPROVED = "approved"
REJECTED = "rejected"


@dataclass(frozen=True)
class Tally:
    rule: str
    quorum: int
    eligible: int  # members who may vote, recused ones excluded
    recused: int
    approve: int
    reject: int
    abstain: int
    allowed: frozenset[str] = field(default_factory=frozenset)  # decisions the rule permits

    @property
    def voted(self) -> int:
        return self.approve + self.reject + self.abstain

    @property
    def quorum_met(self) -> bool:
        return self.voted >= self.quorum

    @property
    def missing(self) -> int:
        return max(0, self.quorum - self.voted)

    @property
    def outcome(self) -> str | None:
        """The single outcome the rule leads to, or None (a tie, the chair's rule, or no
        quorum yet)."""
        if not self.quorum_met or len(self.allowed) != 1:
            return None
        return next(iter(self.allowed))

    def as_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "quorum": self.quorum,
            "eligible": self.eligible,
            "recused": self.recused,
            "voted": self.voted,
            "approve": self.approve,
            "reject": self.reject,
            "abstain": self.abstain,
            "quorum_met": self.quorum_met,
            "allowed": sorted(self.allowed),
        }


def tally(
    *,
    rule: str,
    quorum: int,
    eligible: Iterable[Any],
    recused: Iterable[Any],
    votes: Mapping[Any, str],
) -> Tally:
    recused_set = set(recused)
    voters = set(eligible) - recused_set
    counted = [choice for voter, choice in votes.items() if voter in voters]
    approve = counted.count("approve")
    reject = counted.count("reject")
    abstain = counted.count("abstain")
    if rule == MAJORITY:
        if approve > reject:
            allowed = frozenset({APPROVED})
        elif reject > approve:
            allowed = frozenset({REJECTED})
        else:
            allowed = frozenset({APPROVED, REJECTED})
    elif rule == UNANIMOUS:
        allowed = frozenset({APPROVED}) if approve and not reject else frozenset({REJECTED})
    else:  # chair decides (and any rule this code does not know: the chair's judgement)
        allowed = frozenset({APPROVED, REJECTED})
    return Tally(
        rule=rule,
        quorum=max(1, int(quorum)),
        eligible=len(voters),
        recused=len(recused_set),
        approve=approve,
        reject=reject,
        abstain=abstain,
        allowed=allowed,
    )
