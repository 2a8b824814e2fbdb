"""Deploy errors as the user sees them: one clear line and the documented exit code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from tests.deploy.conftest import SUSPECT, Suspect, code_zip, write_layer_zip
from vpcprobe_collector.commands import deploy as deploy_command
from vpcprobe_collector.deploy import layer_publish, probe_function
from vpcprobe_collector.deploy.names import check_function_name
from vpcprobe_collector.errors import BadInputError

pytestmark = pytest.mark.moto
PROBE = f"vpcprobe-probe-{SUSPECT}"


def _respond(status: int, parsed: dict[str, Any]) -> tuple[AWSResponse, dict[str, Any]]:
    # A response returned from a before-call hook short-circuits the HTTP request: botocore
    # then raises (or returns) exactly as it would for a real answer, like Stubber does.
    return AWSResponse("http://127.0.0.1/", status, {}, None), parsed


def session_with(monkeypatch: pytest.MonkeyPatch, hooks: dict[str, Any]) -> Any:
    """Make `vpcprobe deploy` use a session whose calls pass through `hooks` first."""
    session = boto3.Session(region_name="us-east-1")
    for event, hook in hooks.items():
        session.events.register(event, hook)
    monkeypatch.setattr(deploy_command, "session_for", lambda *_args: session)
    return session


def denied(**_: Any) -> tuple[AWSResponse, dict[str, Any]]:
    return _respond(403, {"Error": {"Code": "AccessDenied", "Message": "not authorized"}})


def function_names(suspect: Suspect) -> list[str]:
    return sorted(f["FunctionName"] for f in suspect.client("lambda").list_functions()["Functions"])


def test_suspect_not_found(aws: Any, vpcprobe: Any) -> None:
    result = vpcprobe("deploy", "--like", "no-such-function", "--print-sam-parameters")

    assert result.code == 2
    assert result.err == "vpcprobe: error: function no-such-function not found in us-east-1\n"


def test_suspect_not_in_a_vpc(suspect: Suspect, layer_zip: Path, vpcprobe: Any) -> None:
    suspect.client("lambda").create_function(
        FunctionName="public-fn",
        Runtime="python3.12",
        Role=suspect.role_arn,
        Handler="app.handler",
        Code={"ZipFile": code_zip()},
    )

    result = vpcprobe("deploy", "--like", "public-fn", "--layer-zip", str(layer_zip))

    assert result.code == 2
    assert result.err.startswith("vpcprobe: error: public-fn is not attached to a VPC")
    assert function_names(suspect) == ["orders-api", "public-fn"]


def test_create_role_denied_names_the_permission_and_the_way_out(
    suspect: Suspect, layer_zip: Path, vpcprobe: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    session_with(monkeypatch, {"before-call.iam.CreateRole": denied})

    result = vpcprobe("deploy", "--like", SUSPECT, "--layer-zip", str(layer_zip))

    assert result.code == 3
    assert result.err.splitlines()[-1] == (
        "vpcprobe: error: iam:CreateRole denied: pass --role ARN of an existing role "
        "or grant iam:CreateRole"
    )
    # Refused before anything was created.
    assert function_names(suspect) == [SUSPECT]
    assert suspect.client("lambda").list_layers()["Layers"] == []
    assert suspect.client("logs").describe_log_groups()["logGroups"] == []


def test_create_function_denied(
    suspect: Suspect, layer_zip: Path, vpcprobe: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    session_with(monkeypatch, {"before-call.lambda.CreateFunction": denied})

    result = vpcprobe("deploy", "--like", SUSPECT, "--layer-zip", str(layer_zip))

    assert result.code == 3
    assert result.err.splitlines()[-1] == (
        "vpcprobe: error: lambda:CreateFunction denied: grant lambda:CreateFunction "
        "and iam:PassRole on the probe's role"
    )
    # The layer version published for the probe is taken back; the role and log group
    # are vpcprobe's (tagged), and destroy finds and removes them.
    assert suspect.client("lambda").list_layers()["Layers"] == []
    destroyed = vpcprobe("destroy", "--like", SUSPECT)
    assert destroyed.out.splitlines() == [
        f"removed inline policy vpcprobe-probe of IAM role {PROBE}",
        f"removed IAM role {PROBE}",
        f"removed log group /aws/lambda/{PROBE}",
    ]
    assert suspect.client("logs").describe_log_groups()["logGroups"] == []


def test_failed_state_is_reported_with_its_reason_code(
    suspect: Suspect, layer_zip: Path, vpcprobe: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    created: list[str] = []

    def remember(**_: Any) -> None:
        created.append(PROBE)

    def failed(params: dict[str, Any], **_: Any) -> Any:
        # `params` is the serialised request: the function name is in the URL path.
        if not created or PROBE not in params.get("url_path", ""):
            return None  # the real call
        configuration = {
            "FunctionName": PROBE,
            "State": "Failed",
            "StateReasonCode": "SubnetOutOfIPAddresses",
            "StateReason": "All subnets have no free IP addresses.",
        }
        return _respond(200, {"Configuration": configuration})

    session_with(
        monkeypatch,
        {"after-call.lambda.CreateFunction": remember, "before-call.lambda.GetFunction": failed},
    )

    result = vpcprobe("deploy", "--like", SUSPECT, "--layer-zip", str(layer_zip))

    assert result.code == 1
    assert result.err.splitlines()[-1] == (
        f"vpcprobe: error: the probe function {PROBE} failed to become ready: "
        "SubnetOutOfIPAddresses: All subnets have no free IP addresses. (SUB001 "
        "subnet-out-of-ips: 'vpcprobe explain SUB001' says how to fix it)"
    )
    assert "Failed (SubnetOutOfIPAddresses)" in result.err  # the progress line


def test_no_layer_zip_builds_one_from_the_installation_once(
    suspect: Suspect,
    vpcprobe: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """No checkout, no dist/: the layer is built from the installed package into the user
    cache (per version, Python and architecture) and reused by the next deploy. The build
    itself (pip downloads) is tests/probe/test_layer_build.py's; here it is a stand-in."""
    from vpcprobe_collector import layer_build

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(layer_publish, "_source_root", lambda: tmp_path)
    monkeypatch.setenv("VPCPROBE_CACHE_DIR", str(tmp_path / "cache"))
    builds: list[tuple[str, str, bool]] = []

    def build_zip(archive: Path, arch: str, python: str, **options: Any) -> tuple[int, int, int]:
        builds.append((arch, python, options["compile_pyc"]))
        archive.parent.mkdir(parents=True, exist_ok=True)
        write_layer_zip(archive)
        return 1, 1, 1

    monkeypatch.setattr(layer_build, "build_zip", build_zip)
    # A python3.13 to compile with (this machine may have none: then sources only, with a note)
    monkeypatch.setattr(layer_build, "find_interpreter", lambda _python: "/usr/bin/python3")

    first = vpcprobe("deploy", "--like", SUSPECT)
    again = vpcprobe("deploy", "--like", SUSPECT)

    assert (first.code, again.code) == (0, 0), first.err + again.err
    assert builds == [("arm64", "3.13", True)]  # bytecode by default; built once
    (cached,) = (tmp_path / "cache" / "layers").glob("*/vpcprobe-layer-python3.13-arm64.zip")
    assert f"building the probe layer for python3.13 arm64 into {cached}" in first.err
    assert f"using the cached probe layer {cached}" in again.err


def test_a_stale_dist_zip_is_skipped_with_a_note_and_a_current_one_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """./dist from an older checkout would otherwise ship an old probe without a word."""
    import zipfile

    import vpcprobe
    from vpcprobe_collector import layer_build

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(layer_publish, "_source_root", lambda: tmp_path / "elsewhere")
    monkeypatch.setenv("VPCPROBE_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "dist").mkdir()
    stale = tmp_path / "dist" / "vpcprobe-layer-python3.13-arm64.zip"
    fresh_zip = write_layer_zip(tmp_path / "fresh.zip")
    with zipfile.ZipFile(fresh_zip) as fresh, zipfile.ZipFile(stale, "w") as archive:
        for entry in fresh.infolist():  # the same layer, an older version
            old = entry.filename == "python/vpcprobe/__init__.py"
            archive.writestr(entry, '__version__ = "0.0.1"\n' if old else fresh.read(entry))
    built: list[Path] = []

    def build_zip(archive: Path, arch: str, python: str, **_: Any) -> tuple[int, int, int]:
        built.append(archive)
        archive.parent.mkdir(parents=True, exist_ok=True)
        write_layer_zip(archive)
        return 1, 1, 1

    monkeypatch.setattr(layer_build, "build_zip", build_zip)
    heard: list[str] = []
    layer = layer_publish.locate_layer_zip("3.13", "arm64", progress=heard.append)
    assert layer.path != stale and built == [layer.path]
    assert heard[0] == (
        f"skipping the stale probe layer {stale}: it holds vpcprobe 0.0.1, "
        f"this is vpcprobe {vpcprobe.__version__}"
    )

    current = tmp_path / "dist" / "vpcprobe-layer-python3.12-x86_64.zip"
    write_layer_zip(current)  # holds the installed version (0.1.0)
    heard.clear()
    assert layer_publish.locate_layer_zip("3.12", "x86_64", progress=heard.append).path == current
    assert heard == [f"using the probe layer {current}"]


def test_missing_layer_zip_file(suspect: Suspect, vpcprobe: Any, tmp_path: Path) -> None:
    missing = tmp_path / "nope.zip"

    result = vpcprobe("deploy", "--like", SUSPECT, "--layer-zip", str(missing))

    assert (result.code, result.err) == (
        2,
        f"vpcprobe: error: --layer-zip {missing}: no such file\n",
    )


def test_a_zip_that_is_no_probe_layer_is_refused_before_any_aws_call(
    vpcprobe: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import zipfile

    other = tmp_path / "other-layer.zip"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("python/requests/__init__.py", "")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # a call would fail otherwise
    for command in (["deploy", "--like", SUSPECT], ["wrap", SUSPECT]):
        result = vpcprobe(*command, "--layer-zip", str(other))
        assert (result.code, result.err) == (
            2,
            f"vpcprobe: error: --layer-zip {other} is not a vpcprobe layer: it holds no "
            "python/vpcprobe/handler.py\n",
        )


def test_a_layer_for_another_architecture_is_refused(
    suspect: Suspect, vpcprobe: Any, tmp_path: Path
) -> None:
    """The suspect is arm64; pydantic's core in this zip is x86_64 (the name is no guide)."""
    x86 = write_layer_zip(tmp_path / "vpcprobe-layer-python3.13-x86_64.zip")
    renamed = x86.rename(tmp_path / "probe.zip")

    result = vpcprobe("deploy", "--like", SUSPECT, "--layer-zip", str(renamed))

    assert result.code == 2
    assert result.err == (
        "vpcprobe: error: probe.zip is built for python3.13 x86_64, and this function needs "
        "python3.13 arm64: pass vpcprobe-layer-python3.13-arm64.zip (vpcprobe layer build "
        "--python 3.13 --arch arm64)\n"
    )
    assert function_names(suspect) == [SUSPECT]


def test_a_new_role_not_yet_assumable_is_retried(
    suspect: Suspect, layer_zip: Path, vpcprobe: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(probe_function, "ROLE_RETRY_DELAY_S", 0.0)
    refusals = [
        "The provided execution role does not have permissions to call "
        "CreateNetworkInterface on EC2",
        "The role defined for the function cannot be assumed by Lambda.",
    ]

    def not_yet(**_: Any) -> Any:
        if not refusals:
            return None  # the real call
        message = refusals.pop()
        error = {"Code": "InvalidParameterValueException", "Message": message}
        return _respond(400, {"Error": error})

    session_with(monkeypatch, {"before-call.lambda.CreateFunction": not_yet})

    result = vpcprobe("deploy", "--like", SUSPECT, "--layer-zip", str(layer_zip))

    assert result.code == 0, result.err
    assert refusals == []
    assert function_names(suspect) == [SUSPECT, PROBE]


def test_a_role_that_is_never_assumable_is_reported(
    suspect: Suspect, layer_zip: Path, vpcprobe: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def bad_role(**_: Any) -> Any:
        message = "The role defined for the function cannot be assumed by Lambda."
        return _respond(
            400, {"Error": {"Code": "InvalidParameterValueException", "Message": message}}
        )

    session_with(monkeypatch, {"before-call.lambda.CreateFunction": bad_role})

    result = vpcprobe(
        "deploy", "--like", SUSPECT, "--layer-zip", str(layer_zip), "--role", suspect.role_arn
    )

    assert result.code == 3
    assert result.err.splitlines()[-1] == (
        "vpcprobe: error: lambda:CreateFunction failed: InvalidParameterValueException: "
        "The role defined for the function cannot be assumed by Lambda."
    )


def test_redeploy_reports_a_probe_that_is_failed(
    suspect: Suspect, layer_zip: Path, vpcprobe: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert vpcprobe("deploy", "--like", SUSPECT, "--layer-zip", str(layer_zip)).code == 0

    def failed(parsed: dict[str, Any], **_: Any) -> None:
        configuration = parsed.get("Configuration", {})
        if configuration.get("FunctionName") == PROBE:
            configuration.update(
                State="Failed",
                StateReasonCode="InvalidSecurityGroup",
                StateReason="One or more security groups do not exist.",
            )

    session_with(monkeypatch, {"after-call.lambda.GetFunction": failed})

    result = vpcprobe("deploy", "--like", SUSPECT, "--layer-zip", str(layer_zip))

    assert result.code == 1
    assert result.err.splitlines()[-1] == (
        f"vpcprobe: error: the probe function {PROBE} failed to become ready: "
        "InvalidSecurityGroup: One or more security groups do not exist. (CFG001 "
        "vpc-config-references-missing-resource: 'vpcprobe explain CFG001' says how to fix it)"
    )


def test_a_failed_update_is_reported_with_its_reason_code(
    suspect: Suspect, layer_zip: Path, vpcprobe: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert vpcprobe("deploy", "--like", SUSPECT, "--layer-zip", str(layer_zip)).code == 0
    suspect.client("lambda").update_function_configuration(
        FunctionName=SUSPECT,
        VpcConfig={"SubnetIds": suspect.subnet_ids, "SecurityGroupIds": [suspect.other_group_id]},
    )
    updated: list[bool] = []

    def failed_update(parsed: dict[str, Any], **_: Any) -> None:
        configuration = parsed.get("Configuration", {})
        if updated and configuration.get("FunctionName") == PROBE:
            configuration.update(
                State="Active",
                LastUpdateStatus="Failed",
                LastUpdateStatusReasonCode="SubnetOutOfIPAddresses",
                LastUpdateStatusReason="No free IP addresses in subnet.",
            )

    session_with(
        monkeypatch,
        {
            "after-call.lambda.UpdateFunctionConfiguration": lambda **_: updated.append(True),
            "after-call.lambda.GetFunction": failed_update,
        },
    )

    result = vpcprobe("deploy", "--like", SUSPECT, "--layer-zip", str(layer_zip))

    assert result.code == 1
    assert result.err.splitlines()[-1] == (
        f"vpcprobe: error: the probe function {PROBE} failed to become ready: "
        "SubnetOutOfIPAddresses: No free IP addresses in subnet. (SUB001 "
        "subnet-out-of-ips: 'vpcprobe explain SUB001' says how to fix it)"
    )


def test_publish_layer_denied_names_the_permission(
    suspect: Suspect, layer_zip: Path, vpcprobe: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    session_with(
        monkeypatch,
        {
            # Not allowed to look for a version to reuse: vpcprobe goes on and publishes...
            "before-call.lambda.ListLayerVersions": denied,
            # ...which is denied too: that is the permission to name.
            "before-call.lambda.PublishLayerVersion": denied,
        },
    )

    result = vpcprobe("deploy", "--like", SUSPECT, "--layer-zip", str(layer_zip))

    assert result.code == 3
    assert result.err.splitlines()[-1] == (
        "vpcprobe: error: lambda:PublishLayerVersion denied: grant lambda:PublishLayerVersion "
        "to the identity running vpcprobe"
    )


def test_a_layer_zip_built_for_another_architecture_is_refused(
    suspect: Suspect, vpcprobe: Any, tmp_path: Path
) -> None:
    x86 = write_layer_zip(tmp_path / "vpcprobe-layer-python3.13-x86_64.zip")

    result = vpcprobe("deploy", "--like", SUSPECT, "--layer-zip", str(x86))

    assert result.code == 2
    assert result.err == (
        "vpcprobe: error: vpcprobe-layer-python3.13-x86_64.zip is built for python3.13 x86_64, "
        "and this function needs python3.13 arm64: pass vpcprobe-layer-python3.13-arm64.zip "
        "(vpcprobe layer build --python 3.13 --arch arm64)\n"
    )
    assert function_names(suspect) == [SUSPECT]


@pytest.mark.parametrize("name", ["", "orders api"])
def test_an_empty_or_invalid_function_name_is_bad_input(
    suspect: Suspect, vpcprobe: Any, name: str
) -> None:
    before = function_names(suspect)
    commands = [
        (["deploy", "--like"], "--like"),
        (["deploy", "--print-sam-parameters", "--like"], "--like"),
        (["destroy", "--like"], "--like"),
        (["wrap"], "FUNCTION"),
        (["unwrap"], "FUNCTION"),
    ]
    for command, given_as in commands:
        result = vpcprobe(*command, name)  # refused before any AWS call

        assert (result.code, result.out) == (2, ""), command
        assert result.err == (
            f"vpcprobe: error: {given_as} {name!r} is not a Lambda function name or ARN: "
            "expected NAME (1 to 64 letters, digits, '-' or '_'), NAME:QUALIFIER or "
            "arn:aws:lambda:REGION:ACCOUNT:function:NAME\n"
        ), command
    assert function_names(suspect) == before


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("orders-api", True),
        ("orders_api:live", True),
        ("orders-api:$LATEST", True),
        ("123456789012:function:orders-api", True),
        ("arn:aws:lambda:us-east-1:123456789012:function:orders-api:7", True),
        ("arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:orders-api", True),
        ("a" * 64, True),
        ("a" * 65, False),
        ("arn:aws:lambda:us-east-1:orders-api", False),
        ("orders-api:", False),
        (" orders-api", False),
    ],
)
def test_function_names_lambda_accepts_pass_the_check(name: str, valid: bool) -> None:
    if valid:
        assert check_function_name(name, "--like") == name
    else:
        with pytest.raises(BadInputError, match="is not a Lambda function name or ARN"):
            check_function_name(name, "--like")


def test_a_layer_built_without_bytecode_is_cached_as_such(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """With no interpreter of the target Python the layer ships sources only: its cache
    entry says so (`-nopyc`), so it never stands in for a compiled layer later."""
    from vpcprobe_collector import layer_build

    monkeypatch.setenv("VPCPROBE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("COMPILE", raising=False)
    compiles: list[bool] = []

    def build_zip(archive: Path, *_a: Any, compile_pyc: bool, **_k: Any) -> tuple[int, int, int]:
        compiles.append(compile_pyc)
        return 1, 1, 1

    monkeypatch.setattr(layer_build, "build_zip", build_zip)
    said: list[str] = []
    monkeypatch.setattr(layer_build, "find_interpreter", lambda _python: None)
    without = layer_build.cached_layer("arm64", "3.13", said.append)
    assert without.parent.name.endswith("-nopyc")
    # One line, naming what to install to get bytecode (the build itself says nothing more).
    notes = [line for line in said if "ships sources only" in line]
    assert notes == [
        "no python3.13 here, so the probe layer ships sources only (each cold start compiles "
        "them): install Python 3.13 with python3.13 on PATH (e.g. `uv python install 3.13` or "
        "your OS's python3.13 package) to ship bytecode, or COMPILE=0 to ship sources on purpose"
    ]
    assert compiles == [False]
    monkeypatch.setattr(layer_build, "find_interpreter", lambda _python: "/usr/bin/python3")
    compiled = layer_build.cached_layer("arm64", "3.13", said.append)
    assert not compiled.parent.name.endswith("-nopyc")
