"""Password-reset e-mails through Amazon SES (an AWS call, so it lives in store/; the sender address must be
verified in SES)."""

from __future__ import annotations

from suite import aws


class EmailError(Exception):
    pass


def send(*, sender: str, recipient: str, subject: str, text: str) -> None:
    try:
        aws.client("ses").send_email(
            Source=sender, Destination={"ToAddresses": [recipient]},
            Message={"Subject": {"Data": subject, "Charset": "UTF-8"},
                     "Body": {"Text": {"Data": text, "Charset": "UTF-8"}}})
    except Exception as exc:
        code = getattr(exc, "response", {}).get("Error", {}).get("Code", type(exc).__name__)
        raise EmailError(code) from None
