"""boto3 sessions and clients for the collector, honouring the standard AWS environment."""

from __future__ import annotations

import os
from typing import Any

import boto3
import botocore.config
import botocore.exceptions

from vpcprobe_collector.errors import AwsAccessError

# Retries are botocore's own (standard mode), never a hand-written loop.
CLIENT_CONFIG = botocore.config.Config(
    retries={"mode": "standard", "max_attempts": 5},
    connect_timeout=5,
    read_timeout=30,
    user_agent_extra="vpcprobe",
)


def make_session(profile: str | None = None, region: str | None = None) -> Any:
    """A boto3 session from AWS_PROFILE/AWS_REGION/shared config, or the given overrides.

    botocore reads AWS_DEFAULT_REGION and the profile's region but not AWS_REGION, which the
    AWS CLI v2, the other SDKs and Lambda itself use; it is honoured here after those two.
    """
    try:
        session = boto3.Session(profile_name=profile, region_name=region)
        if not session.region_name and os.environ.get("AWS_REGION"):
            session = boto3.Session(profile_name=profile, region_name=os.environ["AWS_REGION"])
    except botocore.exceptions.ProfileNotFound as error:
        raise AwsAccessError(f"AWS profile not found: {error}") from error
    if not session.region_name:
        raise AwsAccessError(
            "no AWS region set: pass --region or set AWS_REGION (or a region in your profile)"
        )
    return session


def client(session: Any, service: str) -> Any:
    """A client for `service`; AWS_ENDPOINT_URL(_<SERVICE>) is honoured by botocore itself."""
    return session.client(service, config=CLIENT_CONFIG)
