"""Translates a SAM template into CloudFormation, offline, as sam deploy
would have it done: python3 sam_translate.py template.yaml > out.json.

The functions' CodeUri is replaced by an S3 location (sam package's job),
the region is fixed, and no IAM managed policy is looked up (the template
names its roles itself)."""
import json
import os
import sys

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

from samtranslator.translator.transform import transform  # noqa: E402
from samtranslator.yaml_helper import yaml_parse  # noqa: E402


class NoManagedPolicies:
    def load(self):
        return {}


with open(sys.argv[1]) as f:
    template = yaml_parse(f.read())
for resource in template.get("Resources", {}).values():
    if resource.get("Type") == "AWS::Serverless::Function":
        resource["Properties"]["CodeUri"] = "s3://bucket/function.zip"
json.dump(transform(template, {}, NoManagedPolicies()), sys.stdout, indent=1)
