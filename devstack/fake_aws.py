"""The fake AWS credentials and region of everything that runs on moto: the local stack, the tests and the
benchmarks. Requests signed with them can never reach a real account."""

from __future__ import annotations

from devstack.template import REGION

FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}
