"""Outgoing e-mail through suite.mail: SES in AWS, the MailOutboxTable for `make dev` and tests
(MAIL_TRANSPORT, MAIL_FROM, MAIL_OUTBOX_TABLE)."""

from __future__ import annotations

from typing import Any

from ccjk import config
from suite import mail
from suite.mail import EmailMessage

__all__ = ["EmailMessage", "outbox", "send"]


def send(message: EmailMessage) -> str:
    settings = config.get()
    return mail.mailer_for(transport=settings.mail_transport, sender=settings.mail_from,
                           outbox_table=settings.mail_outbox_table).send(message)


def outbox(recipient: str, table: str | None = None) -> list[dict[str, Any]]:
    """The outbox's messages for one address, oldest first (MAIL_TRANSPORT=outbox); `table` defaults to this
    function's MAIL_OUTBOX_TABLE."""
    return mail.outbox_messages(table or config.get().require("mail_outbox_table"), recipient)
