"""Enrolling a terminal with the central platform, and the identity it signs with afterwards.

The terminal makes its own Ed25519 key pair; only the public key leaves the machine. The private key
is kept in a file of the data folder readable by its owner only (``sync.device_key_file``). Enrolment
stores what the platform answers in the settings: its address, its public keys (to check member and
coupon codes offline), the member lookup salt, and the store and terminal codes it assigned.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from pos_app import __version__, config
from pos_app.config import Settings
from pos_app.db import schema
from pos_app.db.database import Database
from pos_app.i18n import _
from sync.client import CentralClient, Refused, SyncError
from sync.protocol import tokens
from sync.protocol.wire import EnrolRequest, EnrolResponse


class EnrolmentError(RuntimeError):
    """Enrolment did not happen; the message (translated) says why and what to do."""


@dataclass(frozen=True)
class Identity:
    device_id: str
    key: tokens.Ed25519PrivateKey
    central_url: str


def key_file(settings: Settings) -> Path:
    return settings.home / settings.get(config.SYNC_DEVICE_KEY_FILE)


def device_id_of(db: Database) -> str:
    """The terminal's device id (made once, kept in the database; the same one its events carry)."""
    device_id = db.get_meta("device_id")
    if device_id is None:
        device_id = str(uuid.uuid4())
        db.set_meta("device_id", device_id)
    return device_id


def load_identity(settings: Settings, db: Database) -> Identity | None:
    """The enrolled identity, or None if this terminal is not enrolled (or its key file is gone)."""
    url = settings.get(config.CENTRAL_URL)
    path = key_file(settings)
    if not url or not path.exists() or db.get_meta("sync.enrolled_at") is None:
        return None
    try:
        key = tokens.private_key_from_bytes(bytes.fromhex(path.read_text("ascii").strip()))
    except (OSError, ValueError) as exc:
        raise EnrolmentError(
            _("The terminal's signing key {path} cannot be read ({error}). Enrol the terminal again.").format(
                path=path, error=exc
            )
        ) from exc
    return Identity(device_id_of(db), key, url)


def _write_key(path: Path, key: tokens.Ed25519PrivateKey) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(tokens.private_key_bytes(key).hex())
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def enrol(
    settings: Settings, db: Database, central_url: str, code: str, *, timeout: float = 15.0
) -> EnrolResponse:
    """Enrol this terminal with ``code`` (from the platform's manager); raises :class:`EnrolmentError`."""
    central_url = central_url.strip().rstrip("/")
    try:
        client = CentralClient(central_url, timeout=timeout)
    except ValueError as exc:
        raise EnrolmentError(_("The platform's address must start with http:// or https://")) from exc
    if db.get_meta("sync.enrolled_at") is not None and key_file(settings).exists():
        raise EnrolmentError(
            _("This terminal is already enrolled with {url}.").format(url=settings.get(config.CENTRAL_URL))
        )
    _check_till_closed(db)
    device_id = device_id_of(db)
    key = tokens.new_private_key()
    path = key_file(settings)
    # kept before asking, so a lost answer never leaves the platform with a key we no longer have
    pending = path.with_suffix(path.suffix + ".pending")
    _write_key(pending, key)
    try:
        answer = client.enrol(
            EnrolRequest(
                code=code.strip(),
                device_id=device_id,
                public_key=tokens.public_key_hex(key),
                app_version=__version__,
            )
        )
    except Refused as exc:
        with contextlib.suppress(OSError):
            pending.unlink()
        messages = {
            "bad_enrolment_code": _("The platform refused the enrolment code: {detail}"),
            "already_enrolled": _("The platform says this terminal is already enrolled: {detail}"),
            "device_revoked": _("The platform revoked this terminal: {detail}"),
        }
        template = messages.get(exc.code, _("The platform refused the enrolment: {detail}"))
        raise EnrolmentError(template.format(detail=exc.detail or exc.code)) from exc
    except SyncError as exc:
        raise EnrolmentError(
            _("The platform at {url} cannot be reached ({error}). Check the address and the network.").format(
                url=central_url, error=exc
            )
        ) from exc
    finally:
        client.close()
    if answer.device_id != device_id:
        raise EnrolmentError(_("The platform answered for another terminal; nothing was changed."))
    os.replace(pending, path)
    settings.set(config.CENTRAL_URL, central_url)
    settings.set(config.PLATFORM_KEYS, dict(answer.platform_keys))
    settings.set(config.MEMBER_LOOKUP_SALT, answer.member_lookup_salt)
    settings.set(config.STORE_CODE, answer.store_code)
    settings.set(config.STORE_ID, answer.store_id)
    settings.set(config.TERMINAL_CODE, answer.terminal_code)
    db.set_meta("sync.enrolled_at", str(answer.server_time))
    return answer


def _check_till_closed(db: Database) -> None:
    # the platform may name this terminal differently: a till open under the old name would be lost
    t = schema.till_session
    with db.read() as conn:
        open_session = conn.execute(select(t.c.id).where(t.c.status == "open")).first()
    if open_session is not None:
        raise EnrolmentError(_("Close the till before enrolling this terminal."))
