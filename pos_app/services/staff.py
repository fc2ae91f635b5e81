"""Staff: PINs (hashed with scrypt from the standard library), sign-in with lock-out, approvals.

Sign-in takes the staff number and the PIN; five wrong PINs in a row lock the number for five minutes.
An approval (a supervisor entering their number and PIN at the till) is verified here, never in the UI.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from datetime import datetime, timedelta

from sqlalchemy import select, update

from pos_app.db import schema
from pos_app.domain.errors import DomainError, PermissionDeniedError
from pos_app.domain.permissions import Approval, Permission, Role, StaffMember
from pos_app.i18n import _
from pos_app.services.context import TerminalContext

MAX_ATTEMPTS = 5
LOCKOUT = timedelta(minutes=5)
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_pin(pin: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


def verify_pin(pin: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(pin.encode(), salt=bytes.fromhex(salt), dklen=32, n=int(n), r=int(r), p=int(p))
    return hmac.compare_digest(candidate.hex(), digest)


def check_pin_format(pin: str) -> None:
    if not (pin.isdigit() and 4 <= len(pin) <= 8):
        raise DomainError(_("A PIN has 4 to 8 digits"), code="pin_format")


class StaffService:
    def __init__(self, ctx: TerminalContext) -> None:
        self.ctx = ctx

    def add(self, name: str, role: Role, pin: str, staff_id: int | None = None) -> StaffMember:
        check_pin_format(pin)
        if not name.strip():
            raise DomainError(_("Enter a name"), code="name")
        with self.ctx.db.write() as conn:
            values = {"name": name.strip(), "role": role.value, "pin_hash": hash_pin(pin)}
            if staff_id is not None:
                values["id"] = staff_id
            result = conn.execute(schema.staff.insert().values(**values))
            new_id = staff_id if staff_id is not None else result.inserted_primary_key[0]
        return StaffMember(new_id, name.strip(), role)

    def list_staff(self, active_only: bool = True) -> list[StaffMember]:
        with self.ctx.db.read() as conn:
            query = select(schema.staff).order_by(schema.staff.c.id)
            if active_only:
                query = query.where(schema.staff.c.active)
            return [StaffMember(r.id, r.name, Role(r.role)) for r in conn.execute(query)]

    def get(self, staff_id: int) -> StaffMember | None:
        with self.ctx.db.read() as conn:
            r = conn.execute(select(schema.staff).where(schema.staff.c.id == staff_id)).first()
        return None if r is None else StaffMember(r.id, r.name, Role(r.role))

    def sign_in(self, staff_id: int, pin: str) -> StaffMember:
        """The staff member if the PIN is right; otherwise a clear refusal (and a counted attempt)."""
        now = self.ctx.clock.now()
        refusal: str | None = None
        with self.ctx.db.write() as conn:
            row = conn.execute(select(schema.staff).where(schema.staff.c.id == staff_id)).first()
            if row is None or not row.active:
                refusal = _("Wrong staff number or PIN")
            elif row.locked_until and datetime.fromisoformat(row.locked_until) > now:
                refusal = _("Too many wrong PINs. Try again after {time}.").format(
                    time=datetime.fromisoformat(row.locked_until).astimezone(now.tzinfo).strftime("%H:%M")
                )
            elif not verify_pin(pin, row.pin_hash):
                # the attempt is counted in this transaction, which commits; the refusal comes after
                attempts = row.failed_attempts + 1
                locked = (now + LOCKOUT).isoformat() if attempts >= MAX_ATTEMPTS else None
                conn.execute(
                    update(schema.staff)
                    .where(schema.staff.c.id == staff_id)
                    .values(failed_attempts=0 if locked else attempts, locked_until=locked)
                )
                refusal = (
                    _("Too many wrong PINs. This number is locked for 5 minutes.")
                    if locked
                    else _("Wrong staff number or PIN")
                )
            elif row.failed_attempts or row.locked_until:
                conn.execute(
                    update(schema.staff)
                    .where(schema.staff.c.id == staff_id)
                    .values(failed_attempts=0, locked_until=None)
                )
        if refusal is not None:
            raise PermissionDeniedError(refusal)
        return StaffMember(row.id, row.name, Role(row.role))

    def approve(self, staff_id: int, pin: str, permission: Permission) -> Approval:
        """A supervisor's approval for ``permission``, after checking their PIN and role."""
        member = self.sign_in(staff_id, pin)
        member.require(permission)
        return Approval(member)
