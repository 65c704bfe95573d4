#!/usr/bin/env python3
"""Starts moto_server with compatibility patches for `cdk deploy` of lambdakit stacks.

moto's CloudFormation does not create AWS::Lambda::Alias, and every lambdakit
trigger names the `live` alias. References to the missing alias then reach
moto as nothing, and some of its handlers fail the whole stack (HTTP 500):
the Lambda permission handler (KeyError on FunctionName), `Fn::Split` of the
alias ARN (None has no split), and the event source mapping handler (unknown
function). AWS would create all of them. moto also resolves `Ref` of an event
bus to a Python object instead of its name, and runs custom resource handlers
(CDK's bucket-notification handler) only in Docker, leaving the stack in
CREATE_IN_PROGRESS without it; both are patched too. These patches make moto skip those
resources, as it skips the alias itself, so the rest of the stack deploys and
the deploy report lists what moto left out.

Usage: scripts/moto-compat.py -H HOST -p PORT (or python3 scripts/moto-compat.py ...)
"""
import sys
import warnings

from moto.awslambda import models as lambda_models

_original = lambda_models.Permission.create_from_cloudformation_json.__func__


def _create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    properties = cloudformation_json.get("Properties", {})
    name = properties.get("FunctionName")
    if not name:
        warnings.warn(f"lambdakit moto-compat: skipped AWS::Lambda::Permission {resource_name} (its function is not created by moto)")
        return lambda_models.Permission(region=region_name)
    try:
        return _original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
    except Exception as error:  # the named function (or alias) does not exist in moto
        warnings.warn(f"lambdakit moto-compat: skipped AWS::Lambda::Permission {resource_name}: {error}")
        return lambda_models.Permission(region=region_name)


lambda_models.Permission.create_from_cloudformation_json = classmethod(_create)


class _Skipped:
    """Stands for a resource moto could not create; references to it resolve to its logical id."""

    def __init__(self, resource_name):
        self.physical_resource_id = resource_name

    def get_cfn_attribute(self, attribute_name):
        return self.physical_resource_id

    def is_created(self):
        return True


_original_mapping = lambda_models.EventSourceMapping.create_from_cloudformation_json.__func__


def _create_mapping(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    try:
        return _original_mapping(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
    except Exception as error:
        warnings.warn(f"lambdakit moto-compat: skipped AWS::Lambda::EventSourceMapping {resource_name}: {error}")
        return _Skipped(resource_name)


lambda_models.EventSourceMapping.create_from_cloudformation_json = classmethod(_create_mapping)

from moto.events import models as events_models  # noqa: E402

# moto's EventBus has no physical id, so `Ref` of a bus (its name, in AWS) yields the Python object.
if "physical_resource_id" not in events_models.EventBus.__dict__:
    events_models.EventBus.physical_resource_id = property(lambda self: self.name)

from moto.cloudformation import parsing  # noqa: E402

_original_clean = parsing.clean_json


def _clean_json(resource_json, resources_map):
    # Fn::Split of a reference moto could not resolve (the alias ARN) splits an empty string.
    if isinstance(resource_json, dict) and "Fn::Split" in resource_json:
        value = _original_clean(resource_json["Fn::Split"][1], resources_map)
        if value is None:
            return [""] * 8
    result = _original_clean(resource_json, resources_map)
    if result is None and isinstance(resource_json, dict) and isinstance(resource_json.get("Ref"), str):
        # A Ref to an alias (moto skips AWS::Lambda::Alias): a placeholder ARN keeps IAM statements
        # valid; resources that need the real alias (permissions, mappings) are skipped above.
        # Refs to other skipped types stay unresolved, as moto leaves them.
        target = resources_map._resource_json_map.get(resource_json["Ref"], {})
        if target.get("Type") == "AWS::Lambda::Alias":
            return f"arn:aws:lambda:us-east-1:123456789012:function:moto-skipped-{resource_json['Ref']}"
    return result


parsing.clean_json = _clean_json

from moto.cloudformation import custom_model  # noqa: E402


def _create_custom(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    # moto runs a custom resource's handler in Docker and waits for its response, which without
    # Docker never comes, so the stack would stay CREATE_IN_PROGRESS for ever. The resource is
    # recorded as done with no data instead; the deploy report lists it as not run.
    warnings.warn(f"lambdakit moto-compat: custom resource {kwargs.get('LogicalId')} ({kwargs.get('ResourceType')}) not run: moto needs Docker for its handler")
    resource = custom_model.CustomModel(region_name, "moto-compat", kwargs["LogicalId"], resource_name)
    resource.set_data({})
    return resource


custom_model.CustomModel.create_from_cloudformation_json = classmethod(_create_custom)

from moto.server import main  # noqa: E402  (after the patch)

sys.exit(main(sys.argv[1:]))
