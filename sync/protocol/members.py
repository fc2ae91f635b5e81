"""Member lookup keys shared by the platform and its terminals.

Terminals never store a member's phone number: they keep a salted SHA-256 of its digits, made the same
way on both sides, and find the member by hashing what the cashier types.
"""

from __future__ import annotations

import hashlib


def phone_digits(phone: str) -> str:
    return "".join(ch for ch in phone if ch.isdigit())


def phone_lookup_key(phone: str, salt: str) -> str:
    """``salt`` is the chain's member-lookup salt, handed to terminals at enrolment."""
    return hashlib.sha256(f"{salt}:{phone_digits(phone)}".encode()).hexdigest()


def mask_phone(phone: str) -> str:
    """``13812345678`` -> ``138****5678``; shorter numbers keep only their last 4 digits."""
    digits = phone_digits(phone)
    if len(digits) >= 11:
        return digits[:3] + "****" + digits[-4:]
    if len(digits) > 4:
        return "*" * (len(digits) - 4) + digits[-4:]
    return "*" * len(digits)
