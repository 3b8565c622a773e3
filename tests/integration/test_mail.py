"""suite.mail: the outbox keeps every message readable per recipient; SES receives what the interface was given."""

import boto3
import pytest
from moto import mock_aws

from suite import aws, mail


@pytest.fixture
def outbox():
    with mock_aws():
        aws.reset_clients()
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        ddb.create_table(TableName="outbox", BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                    {"AttributeName": "sk", "KeyType": "RANGE"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                               {"AttributeName": "sk", "AttributeType": "S"}])
        yield "outbox"
        # inside the session's moto stack a nested mock_aws() keeps its backend: leave nothing behind
        ddb.delete_table(TableName="outbox")
        aws.reset_clients()


def test_the_outbox_keeps_messages_per_recipient_in_order(outbox):
    ticks = iter([1000.0, 1001.0, 1002.0])
    mailer = mail.OutboxMailer("no-reply@example.com", outbox, clock=lambda: next(ticks))
    mailer.send(mail.EmailMessage(to="Alice@Example.com", subject="one", text="first", tags={"kind": "a"}))
    mailer.send(mail.EmailMessage(to="bob@example.com", subject="other", text="x"))
    mailer.send(mail.EmailMessage(to="alice@example.com", subject="two", text="second", html="<p>2</p>"))
    found = mail.outbox_messages(outbox, "ALICE@example.com")
    assert [(m["subject"], m["text"]) for m in found] == [("one", "first"), ("two", "second")]
    assert found[0]["sender"] == "no-reply@example.com"
    assert found[0]["tag_kind"] == "a"
    assert found[1]["html"] == "<p>2</p>"
    assert int(found[0]["expires_at"]) == 1000 + mail.OUTBOX_RETENTION_SECONDS


def test_ses_sends_from_the_verified_sender():
    with mock_aws():
        aws.reset_clients()
        ses = boto3.client("sesv2", region_name="us-east-1")
        ses.create_email_identity(EmailIdentity="no-reply@example.com")
        message_id = mail.SesMailer("no-reply@example.com").send(
            mail.EmailMessage(to="a@example.com", subject="Code", text="123456", tags={"kind": "activation"}))
        assert message_id
        aws.reset_clients()


def test_the_body_stays_out_of_repr():
    message = mail.EmailMessage(to="a@example.com", subject="Code", text="secret 123456")
    assert "123456" not in repr(message)


def test_a_mailer_is_kept_per_configuration_and_transports_are_checked():
    first = mail.mailer_for(transport="outbox", sender="a@example.com", outbox_table="t")
    assert mail.mailer_for(transport="outbox", sender="a@example.com", outbox_table="t") is first
    assert isinstance(mail.mailer_for(transport="ses", sender="a@example.com"), mail.SesMailer)
    with pytest.raises(ValueError, match="transport"):
        mail.mailer_for(transport="smtp", sender="a@example.com")
    with pytest.raises(ValueError, match="table"):
        mail.mailer_for(transport="outbox", sender="a@example.com")
