"""Every stack, after the SAM transform, stays under CloudFormation's 500-resource limit.

The transform runs offline with aws-sam-translator (what `sam deploy` runs in the cloud) on the template as
CloudFormation hands it over: `Fn::ForEach` already expanded (AWS::LanguageExtensions runs first; devstack.template
expands it the same way), local paths replaced by S3 locations, as `sam package` would.
"""

import copy
from collections import Counter

import pytest
from samtranslator.translator.transform import transform

from devstack.template import Stack, open_suite
from tests.support.lambda_events import REPO_ROOT

LIMIT = 500
SUITE = open_suite(REPO_ROOT / "template.yaml")


class _NoManagedPolicies:
    def load(self):
        return {}


def packaged(template: dict) -> dict:
    template = copy.deepcopy(template)
    function_globals = (template.get("Globals") or {}).get("Function") or {}
    if "CodeUri" in function_globals:
        function_globals["CodeUri"] = "s3://bucket/code.zip"
    for resource in template["Resources"].values():
        props = resource.get("Properties") or {}
        kind = resource["Type"]
        if kind == "AWS::Serverless::Function" and "CodeUri" in props:
            props["CodeUri"] = "s3://bucket/code.zip"
        elif kind == "AWS::Serverless::LayerVersion":
            props["ContentUri"] = "s3://bucket/layer.zip"
        elif kind == "AWS::Serverless::Application":
            props["Location"] = "https://s3.amazonaws.com/bucket/nested.yaml"
    return template


def transformed_resources(stack: Stack) -> Counter:
    assert "Fn::ForEach" not in str(stack.template)  # the stack reads its template with the loops expanded
    output = transform(packaged(stack.template), {}, _NoManagedPolicies())
    return Counter(resource["Type"] for resource in output["Resources"].values())


@pytest.mark.parametrize("stack", SUITE.stacks, ids=lambda s: s.key)
def test_stack_stays_under_the_resource_limit(stack):
    counts = transformed_resources(stack)
    total = sum(counts.values())
    assert total < LIMIT, f"{stack.key}: {total} resources after transform: {counts.most_common(8)}"
    if stack.parent is None:
        assert counts["AWS::CloudFormation::Stack"] == 5  # one nested stack per service
    else:
        routes = sum(len(fn.routes) for fn in stack.functions())
        declared = len(stack.resources_of("AWS::Lambda::Permission"))  # e.g. a WebSocket API's integrations
        # A public Function URL (AuthType NONE) brings two: lambda:InvokeFunctionUrl and lambda:InvokeFunction.
        public_urls = sum(2 for fn in stack.functions() if fn.function_url)
        assert counts["AWS::Lambda::Permission"] == routes + declared + public_urls  # one per HttpApi route

