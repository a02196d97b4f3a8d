"""Uploaded documents: what a file really is (sniffed from its bytes, never from its name)
and its encryption at rest with Fernet.

Keys come from settings.FIELD_ENCRYPTION_KEYS (comma-separated Fernet keys, newest first):
MultiFernet encrypts with the first and decrypts with any, so a new key is put in front
and the old ones stay until `rotate` has re-encrypted the rows. When the list is empty
(development and tests; the deploy check refuses it in production) a key is generated
once under VAR_DIR/keys/ and reused, so it never lands in the repository.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import re
import tempfile
import unicodedata
import zipfile
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

DEV_KEY_NAME = "documents.fernet"

PDF = "application/pdf"
ODT = "application/vnd.oasis.opendocument.text"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EXTENSIONS = {PDF: ".pdf", ODT: ".odt", DOCX: ".docx"}

# Reading a ZIP's directory is cheap; reading a member could expand without bound, so the
# one member read (ODT's "mimetype") is capped.
_MAX_MIMETYPE_BYTES = 100


def sniff(content: bytes) -> str | None:
    """The content type of a PDF, ODT or DOCX file, judged by its bytes; None otherwise."""
    if content.startswith(b"%PDF-"):
        return PDF
    if not content.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                info = archive.getinfo("mimetype")
                if info.file_size <= _MAX_MIMETYPE_BYTES:
                    with archive.open(info) as member:
                        declared = member.read(_MAX_MIMETYPE_BYTES).strip()
                    if declared == ODT.encode():
                        return ODT
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                return DOCX
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, ValueError):
        return None
    return None


def safe_filename(name: str, content_type: str) -> str:
    """A file name fit for a Content-Disposition header: no path, no control characters,
    ASCII only, and the extension of what the file really is."""
    base = Path(str(name).replace("\\", "/")).name
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    stem = re.sub(r"[^A-Za-z0-9._ -]+", "_", Path(base).stem).strip(" ._") or "document"
    return stem[:120] + EXTENSIONS.get(content_type, "")


def _development_key(var_dir: Path) -> bytes:
    folder = var_dir / "keys"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / DEV_KEY_NAME
    if path.exists():
        return path.read_bytes().strip()
    # Written to a private temporary file, then linked into place: link() fails when the
    # key exists, so two processes starting at once agree on one key and neither ever
    # reads a half-written file.
    fd, tmp = tempfile.mkstemp(dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(Fernet.generate_key())
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        os.unlink(tmp)
    return path.read_bytes().strip()


@functools.cache
def _fernet(keys: tuple[str, ...], var_dir: str) -> MultiFernet:
    raw = [k.encode() for k in keys if k.strip()] or [_development_key(Path(var_dir))]
    return MultiFernet([Fernet(k) for k in raw])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS), str(settings.VAR_DIR))


def encrypt(plaintext: bytes) -> bytes:
    return fernet().encrypt(plaintext)


def decrypt(ciphertext: bytes) -> bytes:
    return fernet().decrypt(bytes(ciphertext))


def rotate(ciphertext: bytes) -> bytes:
    """Re-encrypt under the newest key (for a key rotation sweep)."""
    return fernet().rotate(bytes(ciphertext))


__all__ = ["DOCX", "ODT", "PDF", "InvalidToken", "decrypt", "encrypt", "rotate", "sniff"]
