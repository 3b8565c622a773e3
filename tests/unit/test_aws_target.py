"""suite.aws_target: the operator commands' --local / --endpoint-url / resource options, alike in every service."""

import argparse
import os

import pytest

from suite import aws_target
from suite.aws_target import Resource

RESOURCES = (Resource("DEMO_TABLE", "--table", "DemoTable"), Resource("DEMO_SECRET_ARN", "--secret", "DemoSecret"))
TOUCHED = ("AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
           "DEMO_TABLE", "DEMO_SECRET_ARN")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    # use_target writes os.environ (it is what the command's process runs on): a private copy, nothing leaks
    monkeypatch.setattr(os, "environ", {k: v for k, v in os.environ.items() if k not in TOUCHED})


def parse(*argv):
    parser = argparse.ArgumentParser()
    aws_target.add_target_arguments(parser, RESOURCES)
    return parser.parse_args(argv)


def test_local_is_the_embedded_moto_with_the_local_stacks_names(monkeypatch):
    aws_target.use_target(parse("--local"), app="DemoApp", resources=RESOURCES)
    assert os.environ["AWS_ENDPOINT_URL"] == "http://127.0.0.1:4566"
    assert os.environ["DEMO_TABLE"] == "suite-local-DemoApp-DemoTable"
    assert os.environ["DEMO_SECRET_ARN"] == "suite-local-DemoApp-DemoSecret"
    assert os.environ["AWS_REGION"] == os.environ["AWS_DEFAULT_REGION"] == "us-east-1"


def test_an_option_wins_over_the_local_name_and_the_environment(monkeypatch):
    monkeypatch.setenv("DEMO_TABLE", "from-env")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    aws_target.use_target(parse("--endpoint-url", "http://127.0.0.1:9", "--table", "mine", "--region", "ap-east-1"),
                          app="DemoApp", resources=RESOURCES)
    assert (os.environ["AWS_ENDPOINT_URL"], os.environ["DEMO_TABLE"]) == ("http://127.0.0.1:9", "mine")
    assert os.environ["AWS_REGION"] == "ap-east-1"
    assert "DEMO_SECRET_ARN" not in os.environ  # not local: nothing is made up


def test_a_required_resource_missing_names_its_option():
    with pytest.raises(SystemExit, match="no DEMO_TABLE: pass --table, --local, or set DEMO_TABLE"):
        aws_target.use_target(parse(), app="DemoApp", resources=RESOURCES, required=("DEMO_TABLE",))
