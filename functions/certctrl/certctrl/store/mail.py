"""Outgoing e-mail through suite.mail: SES in AWS, the MailOutboxTable for make dev and tests."""

from __future__ import annotations

from certctrl import config
from suite import mail
from suite.mail import EmailMessage

__all__ = ["EmailMessage", "send"]


def send(message: EmailMessage) -> str:
    settings = config.get()
    return mail.mailer_for(transport=settings.mail_transport, sender=settings.mail_from,
                           outbox_table=settings.mail_outbox_table).send(message)


def outbox(recipient: str) -> list[dict]:
    """The local outbox's messages for one address, oldest first (MAIL_TRANSPORT=outbox)."""
    return mail.outbox_messages(config.get().require("mail_outbox_table"), recipient)
