"""Create log groups in the lab's moto Logs endpoint with plain HTTP (no boto3 start-up)."""

from __future__ import annotations

import json
import sys
import urllib.request


def create_log_group(endpoint: str, region: str, name: str) -> None:
    """CreateLogGroup against moto; moto reads the region from the credential scope."""
    request = urllib.request.Request(  # noqa: S310 - the lab's own endpoint
        f"{endpoint}/",
        data=json.dumps({"logGroupName": name}).encode(),
        method="POST",
        headers={
            "X-Amz-Target": "Logs_20140328.CreateLogGroup",
            "Content-Type": "application/x-amz-json-1.1",
            "Host": f"logs.{region}.amazonaws.com",
            "Authorization": (
                f"AWS4-HMAC-SHA256 Credential=testing/20260101/{region}/logs/aws4_request, "
                "SignedHeaders=host, Signature=0"
            ),
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        response.read()


if __name__ == "__main__":
    endpoint, region, *groups = sys.argv[1:]
    for group in groups:
        create_log_group(endpoint, region, group)
