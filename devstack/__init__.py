"""The local stack: the suite's templates run on localhost with no Docker and no AWS account.

`python -m devstack up` (what `make dev` runs) reads template.yaml, starts moto in-process, creates the
declared resources, serves each service's HTTP API on its port, delivers SQS messages to their consumers and
fires schedules. See devstack/__main__.py for the commands and docs/ARCHITECTURE.md for the design.
"""
