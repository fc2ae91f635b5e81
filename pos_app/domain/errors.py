"""Errors a person in front of the screen can read. Messages are already translated."""

from __future__ import annotations


class DomainError(Exception):
    """A business rule refused an action. ``code`` is stable for programs; ``message`` is for people."""

    code = "domain_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message


class PermissionDeniedError(DomainError):
    code = "permission_denied"


class PaymentError(DomainError):
    code = "payment_error"


class ReturnError(DomainError):
    code = "return_error"


class CouponError(DomainError):
    code = "coupon_error"
