"""Documents: sniffed by content, encrypted at rest with rotatable keys, and production
refuses to run without its own keys."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from access_requests import documents
from access_requests.checks import document_encryption_keys


def _zip(members: dict[str, str], *, mimetype_first: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def test_a_pdf_is_recognised_by_its_magic_bytes():
    assert documents.sniff(b"%PDF-1.4\n...") == documents.PDF


def test_an_odt_is_recognised_by_its_declared_mimetype_member():
    content = _zip({"mimetype": documents.ODT, "content.xml": "<office/>"})
    assert documents.sniff(content) == documents.ODT


def test_a_docx_is_recognised_by_its_parts():
    content = _zip({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w/>"})
    assert documents.sniff(content) == documents.DOCX


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"<html><script>alert(1)</script></html>",
        b"MZ\x90\x00 an executable",
        b"PK\x03\x04 not really a zip",
        b" %PDF-1.4 leading space",
        _zip({"mimetype": "application/vnd.oasis.opendocument.spreadsheet"}),
        _zip({"readme.txt": "just a zip"}),
    ],
    # Stable ids: the zip archives carry timestamps, and pytest-xdist needs every worker to
    # collect the same test names.
    ids=[
        "empty",
        "html",
        "executable",
        "fake-zip",
        "leading-space-pdf",
        "ods-not-allowed",
        "plain-zip",
    ],
)
def test_anything_else_is_refused_whatever_its_name(content):
    assert documents.sniff(content) is None


def test_file_names_lose_paths_and_odd_characters_and_get_the_real_extension():
    assert documents.safe_filename("../../etc/passwd", documents.PDF) == "passwd.pdf"
    assert documents.safe_filename('ethics "v2";.exe', documents.PDF) == "ethics _v2.pdf"
    assert documents.safe_filename("Éthique approuvée.docx", documents.DOCX) == (
        "Ethique approuvee.docx"
    )
    assert documents.safe_filename("", documents.ODT) == "document.odt"


def test_encryption_round_trips_and_never_stores_the_plaintext():
    secret = b"%PDF-1.7 participant list"
    token = documents.encrypt(secret)
    assert secret not in token
    assert documents.decrypt(token) == secret


def test_a_new_key_in_front_still_reads_old_documents_and_rotate_moves_them(settings):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old_key]
    token = documents.encrypt(b"ethics approval")
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    assert documents.decrypt(token) == b"ethics approval"
    rotated = documents.rotate(token)
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    assert documents.decrypt(rotated) == b"ethics approval"
    with pytest.raises(documents.InvalidToken):
        documents.decrypt(token)


def test_without_keys_a_development_key_is_made_once_and_kept(settings, tmp_path):
    settings.FIELD_ENCRYPTION_KEYS = []
    settings.VAR_DIR = tmp_path
    token = documents.encrypt(b"x")
    key_file = tmp_path / "keys" / documents.DEV_KEY_NAME
    assert key_file.exists() and oct(key_file.stat().st_mode & 0o777) == "0o600"
    documents._fernet.cache_clear()
    assert documents.decrypt(token) == b"x"


def test_the_deploy_check_refuses_missing_or_malformed_keys(settings):
    settings.FIELD_ENCRYPTION_KEYS = []
    assert [e.id for e in document_encryption_keys()] == ["access_requests.E001"]
    settings.FIELD_ENCRYPTION_KEYS = ["not-a-key"]
    assert [e.id for e in document_encryption_keys()] == ["access_requests.E002"]
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    assert document_encryption_keys() == []


@pytest.mark.django_db
def test_rotate_document_keys_moves_every_document_to_the_newest_key(
    settings, researcher1, make_dataset
):
    from django.core.management import call_command

    from access_requests import services
    from access_requests.models import Document

    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    # The demo's documents (its ethics approvals) are under the development key: the test
    # rotates them too, so that key stays in the list as the oldest.
    development = documents._development_key(Path(settings.VAR_DIR)).decode()
    settings.FIELD_ENCRYPTION_KEYS = [old_key, development]
    draft = services.access_request_create(
        applicant=researcher1, data={"datasets": [make_dataset().accession]}, actor=researcher1
    )
    services.access_request_document_add(
        access_request=draft, filename="a.pdf", content=b"%PDF-1.7 a", actor=researcher1
    )
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key, development]
    call_command("rotate_document_keys", verbosity=0)
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    stored = Document.objects.get(access_request=draft)
    assert documents.decrypt(stored.ciphertext) == b"%PDF-1.7 a"
