"""The mixed load of `make loadtest` (docs/loadtest.md): the portal's people at once.

- Anonymous visitors read the public register (searching, following its pages), the
  statistics, the committee's policy, the catalogue and the home page.
- Researchers (each their own account: one open request per applicant and dataset) read
  their requests and the catalogue, poll their requests' status, and submit new requests
  (create the draft, then submit) through the API.
- The signing official of their institution endorses what they submitted (the demo
  committee asks for endorsement); the request then goes to review.
- Members read the review queue and requests in it, and vote: on the requests the
  researchers submitted in this run (two of them each), and otherwise on bench requests
  under review (a second vote on one of those changes the first, as the portal allows).
- Chairs read the queue (1M requests behind it) and decide the requests that have their
  quorum, as the votes cast allow.
- A data host polls entitlements (by person, by dataset) and follows the change feed.

The chain (submit, endorse, vote, decide) is passed between simulated users in this
process: Locust runs every user on gevent in one thread, so plain deques are safe. Every
answer is checked: a status other than the expected one is a failure, with its body.
"""

from __future__ import annotations

import itertools
import os
import random
import re
from collections import deque
from typing import Any

from locust import FastHttpUser, between, task

from tests.load.plan import PLAN

PURPOSE = {"hmb": True}
ATTESTATIONS = {
    "no_reidentification": True,
    "no_stigmatisation": True,
    "security_measures": True,
    "publication_and_benefit_sharing": True,
}
REGISTER_SEARCHES = ["genome", "cancer", "diabetes", "ancestry", "bench request 12", "cohort"]
QUORUM = 2  # the demo committee's (accounts/demo.py)
# Seconds a person spends on a page before the next action ("3-10"): people read the
# register, a request or the queue before they click. The data host's gateway asks
# more often (LOADTEST_POLL, "1-3"), as access attempts come in.
_LOW, _HIGH = (float(x) for x in os.environ.get("LOADTEST_THINK", "3-10").split("-"))
THINK = between(_LOW, _HIGH)
_POLL_LOW, _POLL_HIGH = (float(x) for x in os.environ.get("LOADTEST_POLL", "1-3").split("-"))
NEXT_PAGE = re.compile(r'href="([^"]*)" rel="next"')


class Chain:
    """Requests on their way from submission to decision, and which datasets each
    researcher has open (a second open request for one would be refused, rightly)."""

    def __init__(self) -> None:
        self.to_endorse: deque[str] = deque()
        self.to_vote: deque[str] = deque()
        self.to_decide: deque[str] = deque()
        self.votes: dict[str, dict[str, str]] = {}
        self.owner: dict[str, tuple[str, str]] = {}
        self.open: dict[str, set[str]] = {}

    def free_dataset(self, researcher: str) -> str | None:
        taken = self.open.setdefault(researcher, set())
        free = [a for a in PLAN["datasets"] if a not in taken]
        return random.choice(free) if free else None

    def submitted(self, reference: str, researcher: str, accession: str) -> None:
        self.owner[reference] = (researcher, accession)
        self.open.setdefault(researcher, set()).add(accession)
        self.to_endorse.append(reference)

    def withdrawn_or_decided(self, reference: str) -> None:
        researcher, accession = self.owner.pop(reference, ("", ""))
        self.open.get(researcher, set()).discard(accession)
        self.votes.pop(reference, None)


CHAIN = Chain()
_researcher_accounts = itertools.cycle(PLAN["researchers"])
_member_accounts = itertools.cycle(PLAN["members"])


def expect(response: Any, *statuses: int) -> Any:
    """Mark the answer a failure unless its status is one of `statuses`; the JSON body
    of a good answer (or None)."""
    if response.status_code not in statuses:
        body = (response.text or "")[:300]
        response.failure(f"{response.status_code}: {body}")
        return None
    response.success()
    try:
        return response.json() if "json" in response.headers.get("Content-Type", "") else None
    except ValueError:
        response.failure("not JSON")
        return None


class Person(FastHttpUser):
    """A signed-in person: a session cookie for the pages, a Bearer token for the API."""

    abstract = True
    wait_time = THINK
    account: dict[str, str]

    def page(self, path: str, name: str | None = None) -> Any:
        with self.client.get(
            path,
            name=name or path,
            headers={"Cookie": f"sessionid={self.account['session']}"},
            catch_response=True,
        ) as response:
            expect(response, 200)
            return response

    def api(self, method: str, path: str, name: str, body: Any = None, ok: int = 200) -> Any:
        with self.client.request(
            method,
            path,
            name=name,
            headers={"Authorization": f"Bearer {self.account['token']}"},
            json=body,
            catch_response=True,
        ) as response:
            return expect(response, ok)


class Visitor(FastHttpUser):
    """Someone not signed in, reading what the portal publishes."""

    weight = 40
    wait_time = THINK

    def get(self, path: str, name: str) -> Any:
        with self.client.get(path, name=name, catch_response=True) as response:
            expect(response, 200)
            return response

    @task(4)
    def register(self) -> None:
        response = self.get("/register/", "/register/")
        found = NEXT_PAGE.search(response.text or "")
        if found and random.random() < 0.5:
            # The page links its next page with a path of its own ("/register/?cursor=…").
            self.get(found.group(1).replace("&amp;", "&"), "/register/?cursor=")

    @task(2)
    def register_search(self) -> None:
        self.get(f"/register/?q={random.choice(REGISTER_SEARCHES)}", "/register/?q=")

    @task(1)
    def statistics(self) -> None:
        self.get("/stats/", "/stats/")

    @task(1)
    def committee(self) -> None:
        self.get("/committees/genomics-dac/", "/committees/[slug]/")

    @task(2)
    def catalogue(self) -> None:
        self.get("/datasets/", "/datasets/")

    @task(1)
    def home(self) -> None:
        self.get("/", "/")


class Researcher(Person):
    weight = 30

    def on_start(self) -> None:
        self.account = next(_researcher_accounts)
        self.mine: list[str] = []

    @task(3)
    def my_requests(self) -> None:
        self.page("/requests/")

    @task(3)
    def my_request(self) -> None:
        if not self.mine:
            self.page("/datasets/")
            return
        reference = random.choice(self.mine)
        self.page(f"/requests/{reference}/", "/requests/[ref]/")
        self.api("GET", f"/api/v1/requests/{reference}/status/", "/api/v1/requests/[ref]/status/")

    @task(2)
    def catalogue(self) -> None:
        self.page(f"/datasets/{random.choice(PLAN['datasets'])}/", "/datasets/[accession]/")

    @task(2)
    def submit(self) -> None:
        """A new request (a draft through the API, then submitted), for a dataset this
        researcher has no open request for."""
        accession = CHAIN.free_dataset(self.account["username"])
        if accession is None:
            self.page("/requests/")
            return
        draft = {
            "title": f"Load test study of {accession}",
            "lay_summary": "Whether common variants explain part of the risk of disease.",
            "research_use_statement": "Association analysis on the genotypes, in our enclave.",
            "purpose": PURPOSE,
            "datasets": [accession],
            "attestations": ATTESTATIONS,
        }
        made = self.api("POST", "/api/v1/requests/", "/api/v1/requests/", draft, ok=201)
        if not made:
            return
        reference = made["reference"]
        path = f"/api/v1/requests/{reference}/submit/"
        if self.api("POST", path, "/api/v1/requests/[ref]/submit/"):
            self.mine.append(reference)
            CHAIN.submitted(reference, self.account["username"], accession)


class SigningOfficial(Person):
    """Endorses what the researchers of the institution submitted."""

    weight = 3

    def on_start(self) -> None:
        self.account = PLAN["official"]

    @task
    def endorse(self) -> None:
        if not CHAIN.to_endorse:
            self.api("GET", "/api/v1/requests/?status=submitted", "/api/v1/requests/?status=")
            return
        reference = CHAIN.to_endorse.popleft()
        path = f"/api/v1/requests/{reference}/endorse/"
        if self.api("POST", path, "/api/v1/requests/[ref]/endorse/"):
            CHAIN.votes[reference] = {}
            CHAIN.to_vote.append(reference)


class Member(Person):
    weight = 14

    def on_start(self) -> None:
        self.account = next(_member_accounts)

    @task(2)
    def queue(self) -> None:
        self.page("/review/")

    @task(2)
    def read_request(self) -> None:
        reference = random.choice(PLAN["bench_under_review"])
        self.page(f"/review/{reference}/", "/review/[ref]/")

    @task(3)
    def vote(self) -> None:
        """On a request of this run still short of its quorum, when there is one this
        member has not voted on; otherwise on a bench request under review."""
        me = self.account["username"]
        reference = CHAIN.to_vote.popleft() if CHAIN.to_vote else None
        if reference is not None and me in CHAIN.votes.get(reference, {}):
            CHAIN.to_vote.appendleft(reference)  # for another member
            reference = None
        chain = reference is not None
        reference = reference or random.choice(PLAN["bench_under_review"])
        choice = "approve" if random.random() < 0.8 else "reject"
        body = {"vote": choice, "rationale": "Fits the consent; the plan is sound."}
        path = f"/api/v1/requests/{reference}/votes/"
        answered = self.api("POST", path, "/api/v1/requests/[ref]/votes/", body)
        if not chain:
            return
        if answered:
            CHAIN.votes.setdefault(reference, {})[me] = choice
        cast = CHAIN.votes.get(reference, {})
        (CHAIN.to_decide if len(cast) >= QUORUM else CHAIN.to_vote).append(reference)


class Chair(Person):
    weight = 4

    def on_start(self) -> None:
        self.account = PLAN["chair"]

    @task(3)
    def queue(self) -> None:
        if random.random() < 0.5:
            self.page("/review/")
        else:
            self.page("/review/?consent=needs_review&sort=due", "/review/?consent=&sort=")

    @task(1)
    def read_request(self) -> None:
        reference = random.choice(PLAN["bench_under_review"])
        self.page(f"/review/{reference}/", "/review/[ref]/")

    @task(3)
    def decide(self) -> None:
        """A request with its quorum, decided as the majority of the votes allows (a tie
        leaves the chair free: approve)."""
        if not CHAIN.to_decide:
            self.page("/review/?mine=1", "/review/?mine=")
            return
        reference = CHAIN.to_decide.popleft()
        cast = list(CHAIN.votes.get(reference, {}).values())
        _researcher, accession = CHAIN.owner[reference]
        if cast.count("reject") > cast.count("approve"):
            entry = {"dataset": accession, "decision": "rejected", "reason": "Votes against."}
        else:
            entry = {"dataset": accession, "decision": "approved"}
        path = f"/api/v1/requests/{reference}/decision/"
        if self.api("POST", path, "/api/v1/requests/[ref]/decision/", {"decisions": [entry]}):
            CHAIN.withdrawn_or_decided(reference)


class DataHost(FastHttpUser):
    """A data host's service account checking whom to let in, as its gateway would."""

    weight = 9
    wait_time = between(_POLL_LOW, _POLL_HIGH)

    def on_start(self) -> None:
        self.headers = {"Authorization": f"Bearer {PLAN['data_host']['token']}"}
        self.cursor = 0

    def get(self, path: str, name: str) -> Any:
        with self.client.get(path, name=name, headers=self.headers, catch_response=True) as r:
            return expect(r, 200)

    @task(3)
    def by_person(self) -> None:
        user = random.choice(PLAN["entitlements"]["users"])
        self.get(f"/api/v1/entitlements/?user={user}", "/api/v1/entitlements/?user=")

    @task(2)
    def by_dataset(self) -> None:
        dataset = random.choice(PLAN["entitlements"]["datasets"])
        self.get(f"/api/v1/entitlements/?dataset={dataset}", "/api/v1/entitlements/?dataset=")

    @task(2)
    def changes(self) -> None:
        page = self.get(
            f"/api/v1/entitlements/changes/?after={self.cursor}",
            "/api/v1/entitlements/changes/?after=",
        )
        if page:
            self.cursor = page["next_cursor"]
