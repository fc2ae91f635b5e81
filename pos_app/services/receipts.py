"""Receipt jobs: every receipt document is stored with its sale, refund or void, then printed.

A printer problem (out of paper, cover open, offline) never touches the committed sale: the job is
marked failed with the printer's words, the ``device_problem`` event tells the cashier, and the job can
be printed again from the till (or skipped when the customer wants no receipt).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import Connection, select, update

from hardware.printer import PrinterError
from pos_app import config
from pos_app.db import schema
from pos_app.domain.errors import DomainError
from pos_app.domain.receipt import ReceiptDocument
from pos_app.i18n import _
from pos_app.services.context import TerminalContext


@dataclass(frozen=True, slots=True)
class PrintResult:
    job_id: int
    printed: bool
    message: str = ""  # why not, for the cashier


_INSERT_JOB = schema.receipt_job.insert()


def add_job(conn: Connection, ref: str, document: ReceiptDocument, at: str, *, skipped: bool = False) -> int:
    """Store a receipt with the transaction that made it; ``skipped`` when the customer wants none."""
    result = conn.execute(
        _INSERT_JOB,
        {
            "ref": ref,
            "receipt_no": document.receipt_no,
            "document": json.dumps(document.to_dict(), ensure_ascii=False),
            "status": "skipped" if skipped else "pending",
            "created_at": at,
        },
    )
    return int(result.inserted_primary_key[0])


class ReceiptService:
    def __init__(self, ctx: TerminalContext) -> None:
        self.ctx = ctx

    def document(self, job_id: int) -> ReceiptDocument:
        with self.ctx.db.read() as conn:
            raw = conn.execute(
                select(schema.receipt_job.c.document).where(schema.receipt_job.c.id == job_id)
            ).scalar()
        if raw is None:
            raise DomainError(_("No such receipt"), code="no_receipt")
        return ReceiptDocument.from_dict(json.loads(raw))

    def print_job(self, job_id: int, *, copy: bool = False) -> PrintResult:
        """Print a stored receipt. Runs on the caller's thread (the printer's own worker, in the till)."""
        document = self.document(job_id)
        printer = self.ctx.printer
        at = self.ctx.clock.utc_iso()
        if printer is None:
            message = _("No receipt printer is set up")
            self._mark(job_id, "failed", message, at)
            return PrintResult(job_id, False, message)
        language = self.ctx.settings.get(config.RECEIPT_LANGUAGE)
        try:
            printer.print_receipt(document, language, copy=copy)
        except PrinterError as exc:
            self._mark(job_id, "failed", exc.message, at)
            self.ctx.events.publish(
                "device_problem", device="printer", reason=exc.reason, message=exc.message
            )
            return PrintResult(job_id, False, exc.message)
        self._mark(job_id, "printed", None, at)
        self.ctx.events.publish("device_ok", device="printer")
        return PrintResult(job_id, True)

    def after_commit(
        self, job_id: int, *, cash: bool, print_receipt: bool, print_later: bool = False
    ) -> tuple[PrintResult | None, list[str]]:
        """What follows a committed sale, refund or void: open the drawer if cash moved, then print.

        Neither can undo the committed transaction: a drawer or printer problem becomes a warning for
        the cashier and a ``device_problem`` event. With ``print_later`` the job is left pending for the
        caller to print on the printer's own thread (the till does, so a printer that waits for paper
        never holds up the database worker).
        """
        warnings: list[str] = []
        printer = self.ctx.printer
        if cash and printer is not None:
            try:
                printer.open_drawer()
            except Exception as exc:  # the money is already in the books; tell the cashier
                warnings.append(_("The cash drawer did not open: {error}").format(error=exc))
                self.ctx.events.publish("device_problem", device="drawer", reason="error", message=str(exc))
        result = None
        if print_receipt and not print_later:
            result = self.print_job(job_id)
            if not result.printed:
                warnings.append(_("Receipt not printed: {error}").format(error=result.message))
        return result, warnings

    def skip(self, job_id: int) -> None:
        """The customer wanted no paper receipt; it can still be printed later."""
        self._mark(job_id, "skipped", None, self.ctx.clock.utc_iso())

    def _mark(self, job_id: int, status: str, error: str | None, at: str) -> None:
        rj = schema.receipt_job
        with self.ctx.db.write() as conn:
            conn.execute(
                update(rj)
                .where(rj.c.id == job_id)
                .values(
                    status=status,
                    attempts=rj.c.attempts + (0 if status == "skipped" else 1),
                    last_error=error,
                    printed_at=at if status == "printed" else rj.c.printed_at,
                )
            )

    def last_job(self) -> int | None:
        with self.ctx.db.read() as conn:
            return conn.execute(
                select(schema.receipt_job.c.id).order_by(schema.receipt_job.c.id.desc()).limit(1)
            ).scalar()

    def failed_jobs(self) -> list[int]:
        with self.ctx.db.read() as conn:
            return list(
                conn.execute(
                    select(schema.receipt_job.c.id)
                    .where(schema.receipt_job.c.status == "failed")
                    .order_by(schema.receipt_job.c.id)
                ).scalars()
            )

    def reprint_last(self) -> PrintResult:
        job_id = self.last_job()
        if job_id is None:
            raise DomainError(_("There is no receipt to reprint yet"), code="no_receipt")
        return self.print_job(job_id, copy=True)
