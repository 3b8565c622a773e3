"""Which AWS a service's operator command (`python -m <service>.seed ...`) talks to, the same way in every service.

    --local               `make dev`'s embedded moto: its endpoint, dummy credentials, and the local stack's resource
                          names (`suite-local-<nested app>-<logical id>`)
    --endpoint-url URL    another endpoint (LocalStack, moto server); resource names from the options or environment
    (neither)             your AWS credentials; resource names from the options or the environment
    --<resource> NAME     one resource's name or ARN, over everything else
    --region REGION       over $AWS_REGION (default us-east-1)

A service lists its resources once (`Resource`) and calls `add_target_arguments` while building its parser and
`use_target` before importing anything that reads its config.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from dataclasses import dataclass

LOCAL_ENDPOINT = "http://127.0.0.1:4566"
LOCAL_STACK = "suite-local"  # the stack name `make dev` gives the root template


@dataclass(frozen=True)
class Resource:
    variable: str  # the environment variable the service's config reads, e.g. CCJK_TABLE
    option: str  # the command-line option, e.g. --ccjk-table
    logical_id: str  # the template's logical id, e.g. CcjkTable

    @property
    def dest(self) -> str:
        return self.option.lstrip("-").replace("-", "_")


def add_target_arguments(parser: argparse.ArgumentParser, resources: Sequence[Resource]) -> None:
    parser.add_argument("--local", action="store_true", help=f"use the local stack ({LOCAL_ENDPOINT})")
    parser.add_argument("--endpoint-url", help="AWS endpoint (moto, LocalStack)")
    for resource in resources:
        parser.add_argument(resource.option, dest=resource.dest,
                            help=f"the {resource.logical_id} name (default: ${resource.variable})")
    parser.add_argument("--region", help="AWS region (default: $AWS_REGION or us-east-1)")


def use_target(args: argparse.Namespace, *, app: str, resources: Sequence[Resource],
               required: Sequence[str] = ()) -> None:
    """Point this process's AWS clients and the service's config at the chosen target. `app` is the service's
    nested application in the root template (CcjkApp); `required` names variables the command cannot run without."""
    if args.local:
        os.environ["AWS_ENDPOINT_URL"] = args.endpoint_url or LOCAL_ENDPOINT
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
        for resource in resources:
            os.environ.setdefault(resource.variable, f"{LOCAL_STACK}-{app}-{resource.logical_id}")
    elif args.endpoint_url:
        os.environ["AWS_ENDPOINT_URL"] = args.endpoint_url
    for resource in resources:
        given = getattr(args, resource.dest, None)
        if given:
            os.environ[resource.variable] = given
    for variable in required:
        if not os.environ.get(variable):
            option = next((r.option for r in resources if r.variable == variable), None)
            raise SystemExit(f"no {variable}: pass {option + ', ' if option else ''}--local, or set {variable}")
    region = args.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    os.environ["AWS_REGION"] = os.environ["AWS_DEFAULT_REGION"] = region
