"""The Step Functions worker against moto: JSON Lines in S3 where Athena looks, and metrics."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from tests.fleet.test_accounts import ROLE, seed_account
from tests.support.counting_proxy import CountingProxy, run_counting_proxy
from tests.support.moto_server import MotoServer
from vpcprobe_collector.fleet import worker

BUCKET = "audit-results"
DATE = "2026-12-01"


@pytest.fixture
def env(aws: MotoServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[CountingProxy]:
    boto3.client("s3").create_bucket(Bucket=BUCKET)
    monkeypatch.setenv("RESULTS_BUCKET", BUCKET)
    monkeypatch.setenv("ROLE_NAME", ROLE)
    monkeypatch.setenv("EXTERNAL_ID", "ext-9")
    with run_counting_proxy(aws.url) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        yield proxy


def read_lines(key: str) -> list[dict[str, object]]:
    body = boto3.client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read().decode()
    return [json.loads(line) for line in body.splitlines()]


def metric_sum(name: str, dimensions: list[dict[str, str]] | None = None) -> float:
    now = datetime.now(UTC)
    stats = boto3.client("cloudwatch").get_metric_statistics(
        Namespace="vpcprobe/audit",
        MetricName=name,
        Dimensions=dimensions or [],
        StartTime=now - timedelta(hours=1),
        EndTime=now + timedelta(minutes=5),
        Period=3600,
        Statistics=["Sum"],
    )
    return float(sum(p["Sum"] for p in stats["Datapoints"]))


def test_worker_writes_one_partition_per_account_and_region(env: CountingProxy) -> None:
    seed_account("111111111111", "alpha")
    env.reset()
    result = worker.handler({"account": "111111111111", "region": "us-east-1", "date": DATE})
    key = "vpcprobe-audit/dt=2026-12-01/account=111111111111/region=us-east-1/part.jsonl"
    assert result["status"] == "ok"
    assert result["key"] == key
    lines = read_lines(key)
    rows = {line["function"]: line for line in lines}
    assert set(rows) == {"alpha-ok", "alpha-no-eni"}
    assert rows["alpha-no-eni"]["worst_code"] == "IAM001"
    assert rows["alpha-no-eni"]["problem_codes"] == ["IAM001"]
    assert rows["alpha-ok"]["worst_code"] is None and rows["alpha-ok"]["complete"] is True
    assert all(line["dt"] == DATE and line["account"] == "111111111111" for line in lines)
    assert metric_sum("FunctionsAudited") == 2
    assert metric_sum("FunctionsWithProblems") == 1
    assert metric_sum("Problems", [{"Name": "Severity", "Value": "critical"}]) == 1
    assume = [s for s in env.requests if s.service == "sts"]
    assert len(assume) == 1 and b"ExternalId=ext-9" in assume[0].body


def test_worker_records_an_account_it_cannot_enter(env: CountingProxy) -> None:
    env.refuse = lambda seen: (
        (403, "AccessDenied", "not allowed") if seen.service == "sts" else None
    )
    result = worker.handler({"account": "555555555555", "region": "eu-west-1", "date": DATE})
    assert result["status"] == "ok" and result["scopes_unread"] == 1
    (line,) = read_lines(result["key"])
    assert line["record"] == "scope_unread"
    assert (line["api"], line["error_code"], line["complete"]) == (
        "sts:AssumeRole",
        "AccessDenied",
        False,
    )
    assert metric_sum("ScopesUnread") == 1


def test_worker_refuses_a_bad_item_without_raising(env: CountingProxy) -> None:
    assert worker.handler({"account": "12", "region": "us-east-1"})["status"] == "invalid_request"
    assert worker.handler({"region": "../../etc"})["status"] == "invalid_request"
    assert env.total == 0


def test_plan_lists_organisation_accounts_times_regions(
    env: CountingProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = boto3.client("organizations")
    org.create_organization(FeatureSet="ALL")
    org.create_account(AccountName="gamma", Email="gamma@example.com")
    monkeypatch.setenv("REGIONS", "us-east-1, eu-west-1")
    planned = worker.plan({"date": DATE})
    accounts = {a["Id"] for a in org.list_accounts()["Accounts"]}
    assert planned["status"] == "ok"
    assert {(i["account"], i["region"]) for i in planned["items"]} == {
        (a, r) for a in accounts for r in ("us-east-1", "eu-west-1")
    }
    assert all(i["date"] == DATE for i in planned["items"])
