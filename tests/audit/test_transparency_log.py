"""The transparency log over the audit events: the tree the portal keeps is the RFC 9162
tree of the events' chain hashes, its signed heads verify with the audit key, and the
public proofs verify against them; bad questions get 400 or 404 and change nothing."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from audit import keys, merkle, transparency_log
from audit.models import AuditEvent, MerkleNode, TreeHead
from audit.services import audit_record
from dac_portal import jobs
from tests.audit.tampering import links_lifted
from tests.audit.test_merkle import reference
from tests.support import roles

pytestmark = pytest.mark.django_db
PROOF = "/api/v1/transparency/proof"
VERIFIER = Path(__file__).resolve().parents[2] / "audit" / "offline_verifier.py"


def event_leaves() -> list[bytes]:
    return [
        bytes.fromhex(h) for h in AuditEvent.objects.order_by("seq").values_list("hash", flat=True)
    ]


def more_events(n: int) -> None:
    for i in range(n):
        audit_record(actor=None, system="test", action="audit.verified", data={"i": i})


def test_the_tree_is_the_rfc_tree_of_the_events_chain_hashes():
    size = transparency_log.log_extend_all()
    data = event_leaves()
    assert size == len(data) > 10
    mth, _, _ = reference(data)
    assert transparency_log.root_hash(size) == mth(0, size)
    for seq, digest in AuditEvent.objects.values_list("seq", "hash")[:5]:
        leaf = MerkleNode.objects.get(level=0, index=seq - 1)
        assert bytes(leaf.hash) == merkle.leaf_hash(bytes.fromhex(digest))


def test_extending_in_small_batches_gives_the_same_tree_with_two_nodes_per_event():
    transparency_log.log_extend_all()
    grown_at_once = transparency_log.root_hash(transparency_log.tree_size())
    with roles.as_owner(connection):  # the portal's role may only add nodes
        MerkleNode.objects.all().delete()
    while transparency_log.log_extend(batch=7) != len(event_leaves()):
        pass
    size = transparency_log.tree_size()
    assert transparency_log.root_hash(size) == grown_at_once
    assert MerkleNode.objects.count() < 2 * size


def test_a_signed_tree_head_verifies_with_the_audit_key_and_is_itself_audited():
    head = transparency_log.tree_head_sign(now=timezone.now())
    message = transparency_log.tree_head_message(
        tree_size=head.tree_size,
        root_hash=head.root_hash,
        timestamp=transparency_log.tree_head_json(head)["timestamp"],
    )
    assert (
        keys.verify(
            message,
            signature_b64=head.signature,
            claimed_key_id=head.key_id,
            keys=keys.trusted_public_keys(),
        )
        is None
    )
    signed = AuditEvent.objects.order_by("-seq").first()
    assert signed.action == "audit.tree_head_signed"
    assert signed.data["tree_size"] == head.tree_size == signed.seq - 1
    forged = base64.b64encode(b"\0" * 64).decode()
    assert keys.verify(
        message, signature_b64=forged, claimed_key_id=head.key_id, keys=keys.trusted_public_keys()
    )


def test_the_signed_tree_head_is_public_json(client):
    head = transparency_log.tree_head_sign(now=timezone.now() + timedelta(seconds=1))
    body = client.get("/transparency/sth").json()
    assert body == transparency_log.tree_head_json(head)
    assert set(body) == {"tree_size", "root_hash", "timestamp", "signature", "key_id"}


def test_without_a_tree_head_the_page_is_a_404(client):
    with roles.as_owner(connection):  # the portal's role may only add tree heads
        TreeHead.objects.all().delete()
    response = client.get("/transparency/sth")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_an_inclusion_proof_of_any_event_verifies_against_the_published_head(client):
    more_events(5)
    head = transparency_log.tree_head_sign(now=timezone.now())
    for seq in (1, head.tree_size // 2, head.tree_size):
        body = client.get(f"{PROOF}/inclusion?event={seq}&size={head.tree_size}").json()
        event = AuditEvent.objects.get(seq=seq)
        assert body["leaf_index"] == seq - 1 and body["tree_size"] == head.tree_size
        assert body["leaf_hash"] == merkle.leaf_hash(bytes.fromhex(event.hash)).hex()
        assert body["root_hash"] == head.root_hash
        assert merkle.verify_inclusion(
            seq - 1,
            head.tree_size,
            bytes.fromhex(body["leaf_hash"]),
            [bytes.fromhex(h) for h in body["audit_path"]],
            bytes.fromhex(head.root_hash),
        )


def test_a_consistency_proof_between_two_published_heads_verifies(client):
    first = transparency_log.tree_head_sign(now=timezone.now())
    more_events(9)
    second = transparency_log.tree_head_sign(now=timezone.now() + timedelta(seconds=1))
    body = client.get(f"{PROOF}/consistency?from={first.tree_size}&to={second.tree_size}").json()
    assert (body["first_root"], body["second_root"]) == (first.root_hash, second.root_hash)
    assert merkle.verify_consistency(
        first.tree_size,
        second.tree_size,
        bytes.fromhex(first.root_hash),
        bytes.fromhex(second.root_hash),
        [bytes.fromhex(h) for h in body["proof"]],
    )


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("inclusion?event=0&size=3", 400),
        ("inclusion?event=4&size=3", 400),
        ("inclusion?event=1", 400),
        ("inclusion?event=1&size=abc", 400),
        ("inclusion?event=1&size=1&extra=1", 400),
        ("inclusion?event=1&size=99999999", 404),
        ("consistency?from=3&to=2", 400),
        ("consistency?from=0&to=2", 400),
        ("consistency?to=2", 400),
        ("consistency?from=1&to=99999999", 404),
    ],
)
def test_a_bad_question_is_refused_and_changes_nothing(client, query, status):
    """The matrix checks the same for every role; here, also that nothing was written."""
    transparency_log.log_extend_all()
    nodes, heads = MerkleNode.objects.count(), TreeHead.objects.count()
    response = client.get(f"{PROOF}/{query}")
    assert response.status_code == status, response.content
    assert "error" in response.json()
    assert (MerkleNode.objects.count(), TreeHead.objects.count()) == (nodes, heads)


def test_the_hourly_job_signs_a_head_over_every_event():
    more_events(3)
    result = jobs.run("audit.sign_tree_head")
    assert result["tree_size"] == AuditEvent.objects.count() - 1
    assert TreeHead.objects.order_by("-timestamp", "-pk").first().root_hash == result["root_hash"]


def test_an_untouched_log_verifies_against_every_published_head(command):
    transparency_log.tree_head_sign(now=timezone.now())
    more_events(4)
    transparency_log.tree_head_sign(now=timezone.now() + timedelta(seconds=1))
    code, _out, err = command("verify_audit_log")
    assert code == 0, err


def rewrite_chain_from(seq: int, **changes: str) -> None:
    """What someone with the owner's rights could do: change an event and recompute its
    hash and every later link and hash, and the chain head, so the chain verifies again."""
    from audit.chain import canonical_bytes, event_fields
    from audit.models import ChainHead

    previous = AuditEvent.objects.get(seq=seq - 1).hash
    for event in AuditEvent.objects.filter(seq__gte=seq).order_by("seq"):
        for name, value in (changes if event.seq == seq else {}).items():
            setattr(event, name, value)
        event.prev_hash = previous
        # The stored preimage too, so that the row satisfies the database's seal.
        image = canonical_bytes(event_fields(event))
        event.hash = hashlib.sha256(image).hexdigest()
        AuditEvent.objects.filter(pk=event.pk).update(
            prev_hash=event.prev_hash,
            hash=event.hash,
            preimage=image,
            **(changes if event.seq == seq else {}),
        )
        previous = event.hash
    ChainHead.objects.filter(pk=1).update(hash=previous)


def test_an_event_changed_behind_the_guard_disagrees_with_the_published_heads(
    command, guard_lifted
):
    head = transparency_log.tree_head_sign(now=timezone.now())
    # Each rewritten hash breaks the next link until that event is rewritten too: the
    # links come off meanwhile, and go back on over the rewritten chain.
    with links_lifted():
        rewrite_chain_from(head.tree_size - 1, actor_label="someone-else")
    code, _out, err = command("verify_audit_log")
    assert code == 1
    assert "disagrees with a published tree head" in err
    assert f"tree of {head.tree_size} events" in err


def test_a_tree_head_with_a_forged_signature_is_reported(command, guard_lifted):
    head = transparency_log.tree_head_sign(now=timezone.now())
    forged = base64.b64encode(b"\1" * 64).decode()
    TreeHead.objects.filter(pk=head.pk).update(signature=forged)
    code, _out, err = command("verify_audit_log")
    assert code == 1
    assert "tree head" in err and "does not verify" in err


def offline(tmp_path, *args: str) -> subprocess.CompletedProcess[str]:
    """The single-file verifier, run as someone outside would: its own process, files."""
    return subprocess.run(
        [sys.executable, str(VERIFIER), "--key", str(tmp_path / "key.pem"), *args],
        capture_output=True,
        text=True,
        check=False,
    )


def save(tmp_path, name: str, body: object) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(body) if not isinstance(body, bytes) else body.decode())
    return str(path)


def test_the_offline_verifier_checks_heads_and_proofs_from_files_alone(client, tmp_path):
    save(tmp_path, "key.pem", client.get("/transparency/key.pem").content)
    first = transparency_log.tree_head_sign(now=timezone.now())
    old = save(tmp_path, "old.json", client.get("/transparency/sth").json())
    more_events(6)
    second = transparency_log.tree_head_sign(now=timezone.now() + timedelta(seconds=1))
    new = save(tmp_path, "new.json", client.get("/transparency/sth").json())
    query = f"from={first.tree_size}&to={second.tree_size}"
    proof = save(tmp_path, "c.json", client.get(f"{PROOF}/consistency?{query}").json())
    event = AuditEvent.objects.get(seq=3)
    inclusion = client.get(f"{PROOF}/inclusion?event=3&size={second.tree_size}").json()
    included = save(tmp_path, "i.json", inclusion)

    assert offline(tmp_path, "head", new).returncode == 0
    assert offline(tmp_path, "consistency", old, new, proof).returncode == 0
    checked = offline(tmp_path, "inclusion", new, included, "--event-hash", event.hash)
    assert checked.returncode == 0, checked.stderr

    other = AuditEvent.objects.get(seq=4).hash
    wrong_event = offline(tmp_path, "inclusion", new, included, "--event-hash", other)
    assert wrong_event.returncode == 1 and "not the event" in wrong_event.stderr
    forged = save(tmp_path, "forged.json", {**json.loads(Path(new).read_text()), "tree_size": 1})
    assert "signature does not verify" in offline(tmp_path, "head", forged).stderr
    swapped = offline(tmp_path, "consistency", new, old, proof)
    assert swapped.returncode == 1


def test_the_log_publishes_the_key_its_heads_verify_with(client):
    response = client.get("/transparency/key.pem")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-pem-file"
    assert response.content.startswith(b"-----BEGIN PUBLIC KEY-----")


def test_every_published_head_stays_listed_newest_first(client):
    first = transparency_log.tree_head_sign(now=timezone.now() + timedelta(seconds=1))
    second = transparency_log.tree_head_sign(now=timezone.now() + timedelta(seconds=2))
    body = client.get("/api/v1/transparency/tree-heads/?page_size=2").json()
    assert body["results"] == [
        transparency_log.tree_head_json(second),
        transparency_log.tree_head_json(first),
    ]
    assert body["count"] == TreeHead.objects.count() >= 3  # the demo's head too
    assert client.get("/api/v1/transparency/tree-heads/?page=999").status_code == 404
