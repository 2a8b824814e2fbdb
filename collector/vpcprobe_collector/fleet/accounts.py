"""The accounts an audit covers: this one, one assumed role, a list file, or the organisation."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions
import botocore.session

from vpcprobe_collector.aws import CLIENT_CONFIG, Session
from vpcprobe_collector.errors import AwsAccessError, BadInputError
from vpcprobe_collector.fleet.model import ScopeUnread
from vpcprobe_collector.snapshot.readers.calls import CallRecorder, ReadFailedError

SESSION_NAME = "vpcprobe-audit"
_ACCOUNT = re.compile(r"\d{12}")
_ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::(\d{12}):role/[\w+=,.@/-]{1,512}")
MAX_ACCOUNTS = 10_000


@dataclass
class AccountSession:
    """A session in one account, or why there is none."""

    account: str | None
    session: Any | None
    failure: ScopeUnread | None = None


def partition_of(region: str | None) -> str:
    """The ARN partition of a region."""
    if region and region.startswith("cn-"):
        return "aws-cn"
    if region and region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def read_accounts_file(path: Path) -> list[str]:
    """Account IDs, one a line (`#` starts a comment; blank lines are ignored)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise BadInputError(f"{path}: cannot read: {error.strerror}") from error
    except UnicodeDecodeError as error:
        raise BadInputError(f"{path}: not UTF-8 text") from error
    accounts: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        value = line.split("#", 1)[0].strip()
        if not value:
            continue
        if not _ACCOUNT.fullmatch(value):
            raise BadInputError(f"{path}:{number}: {value[:40]!r} is not a 12-digit account ID")
        accounts.append(value)
    if not accounts:
        raise BadInputError(f"{path}: no account IDs")
    if len(accounts) > MAX_ACCOUNTS:
        raise BadInputError(f"{path}: more than {MAX_ACCOUNTS} accounts")
    return list(dict.fromkeys(accounts))


def check_role_arn(arn: str) -> str:
    """--assume-role must be an IAM role ARN."""
    match = _ROLE_ARN.fullmatch(arn)
    if not match:
        raise BadInputError(f"--assume-role {arn[:80]!r}: expected arn:aws:iam::ACCOUNT:role/NAME")
    return match.group(1)


def organization_accounts(session: Any) -> list[str]:
    """Active accounts of the organisation (organizations:ListAccounts, paginated)."""
    recorder = CallRecorder()
    client = session.client("organizations", config=CLIENT_CONFIG)
    try:
        pages = recorder.pages_or_raise(client, "list_accounts", "organizations:ListAccounts")
    except ReadFailedError as failure:
        raise AwsAccessError(
            f"cannot list the organisation's accounts ({failure.code}): {failure.message}"
        ) from failure
    return [
        str(a["Id"])
        for page in pages
        for a in page.get("Accounts") or []
        if a.get("Status", "ACTIVE") == "ACTIVE" and a.get("Id")
    ]


def assume(
    session: Any,
    role_arn: str,
    *,
    external_id: str | None,
    region: str | None,
    sts: Any | None = None,
) -> AccountSession:
    """A session in the role's account through sts:AssumeRole; the failure when denied."""
    account = role_arn.split(":")[4]
    sts = sts or session.client("sts", config=CLIENT_CONFIG)
    params: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": SESSION_NAME}
    if external_id:
        params["ExternalId"] = external_id
    try:
        credentials = sts.assume_role(**params)["Credentials"]
    except botocore.exceptions.ClientError as error:
        detail = error.response.get("Error", {})
        return AccountSession(
            account=account,
            session=None,
            failure=ScopeUnread(
                account=account,
                api="sts:AssumeRole",
                error_code=str(detail.get("Code") or "ClientError"),
                message=f"{role_arn}: {detail.get('Message') or error}",
            ),
        )
    except botocore.exceptions.NoCredentialsError as error:
        raise AwsAccessError("no AWS credentials found to assume roles with") from error
    except botocore.exceptions.BotoCoreError as error:
        return AccountSession(
            account=account,
            session=None,
            failure=ScopeUnread(
                account=account,
                api="sts:AssumeRole",
                error_code=type(error).__name__,
                message=str(error).splitlines()[0][:300],
            ),
        )
    assumed = _assumed_session(session, credentials, region)
    return AccountSession(account=account, session=assumed)


def _assumed_session(session: Any, credentials: dict[str, Any], region: str | None) -> Any:
    """The role's session: through aws.Session.assumed when the caller has one, so every
    client keeps --endpoint-url, TLS, timeouts, retries and progress."""
    if isinstance(session, Session):
        return session.assumed(credentials, region=region)
    # A plain boto3 session (the Lambda worker): share its loader all the same, so service
    # models are parsed once, not once per account.
    core = botocore.session.get_session()
    loader = getattr(session, "_session", None)
    if loader is not None:
        core.register_component("data_loader", loader.get_component("data_loader"))
    return boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=region,
        botocore_session=core,
    )


def account_sessions(
    session: Any,
    *,
    assume_role: str | None = None,
    accounts: list[str] | None = None,
    role_name: str | None = None,
    external_id: str | None = None,
    max_concurrency: int = 8,
) -> list[AccountSession]:
    """The sessions to audit with: `session` itself, one assumed role, or `role_name` assumed
    in each of `accounts` (at most `max_concurrency` AssumeRole calls at once)."""
    region = session.region_name
    if assume_role:
        return [assume(session, assume_role, external_id=external_id, region=region)]
    if accounts is None:
        return [AccountSession(account=None, session=session)]
    if not role_name:
        raise BadInputError("--accounts and --organization need --role-name NAME")
    partition = partition_of(region)
    sts = session.client("sts", config=CLIENT_CONFIG)  # one client, shared by the threads

    def one(account: str) -> AccountSession:
        role_arn = f"arn:{partition}:iam::{account}:role/{role_name}"
        return assume(session, role_arn, external_id=external_id, region=region, sts=sts)

    if len(accounts) <= 1 or max_concurrency <= 1:
        return [one(account) for account in accounts]
    with ThreadPoolExecutor(max_workers=min(max_concurrency, len(accounts))) as pool:
        return list(pool.map(one, accounts))
