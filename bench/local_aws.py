"""Benchmarks talk to AWS stand-ins only: fake credentials, no shared config, loopback endpoints."""

from __future__ import annotations

import os

SAFE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_ENDPOINT_URL": "http://127.0.0.1:9",  # until a script points it at its moto server
}


def isolate_from_aws() -> None:
    """Set the safe environment; call it before boto3 is imported."""
    os.environ.pop("AWS_PROFILE", None)
    os.environ.update(SAFE_AWS_ENV)
