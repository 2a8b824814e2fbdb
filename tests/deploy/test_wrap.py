"""`vpcprobe wrap/unwrap` against moto: the function's configuration round-trips exactly."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from tests.deploy.conftest import SUSPECT, Suspect, code_zip
from vpcprobe_collector.commands import wrap as wrap_command
from vpcprobe_collector.deploy import wrap as wrap_module

pytestmark = pytest.mark.moto

# Fields that record *that* an update happened rather than what the function is: Lambda
# (and moto) may move LastModified and RevisionId on every UpdateFunctionConfiguration even
# when the end state equals the start. Everything else must come back exactly.
VOLATILE = {"LastModified", "RevisionId", "ResponseMetadata"}


def configuration(suspect: Suspect, name: str = SUSPECT) -> dict[str, Any]:
    response = suspect.client("lambda").get_function_configuration(FunctionName=name)
    return {k: v for k, v in response.items() if k not in VOLATILE}


def tags(suspect: Suspect, name: str = SUSPECT) -> dict[str, str]:
    result: dict[str, str] = suspect.client("lambda").get_function(FunctionName=name)["Tags"]
    return result


def user_layers(suspect: Suspect, count: int) -> list[str]:
    lam = suspect.client("lambda")
    return [
        lam.publish_layer_version(LayerName=f"team-layer-{i}", Content={"ZipFile": code_zip()})[
            "LayerVersionArn"
        ]
        for i in range(count)
    ]


def test_wrap_then_unwrap_restores_layers_and_variables_exactly(
    suspect: Suspect, layer_zip: Path, vpcprobe: Any
) -> None:
    lam = suspect.client("lambda")
    theirs = user_layers(suspect, 2)
    lam.update_function_configuration(
        FunctionName=SUSPECT,
        Layers=theirs,
        Environment={"Variables": {"DB_HOST": "db.internal", "LOG_LEVEL": "debug"}},
    )
    before, tags_before = configuration(suspect), tags(suspect)

    wrapped = vpcprobe("wrap", SUSPECT, "--layer-zip", str(layer_zip))

    assert wrapped.code == 0, wrapped.err
    during = configuration(suspect)
    layers = [layer["Arn"] for layer in during["Layers"]]
    assert ":layer:vpcprobe-python312-arm64:" in layers[0]  # the function's runtime and arch
    assert layers[1:] == theirs  # theirs kept, after ours: theirs win on a file clash
    assert during["Environment"]["Variables"] == {
        "DB_HOST": "db.internal",
        "LOG_LEVEL": "debug",
        "AWS_LAMBDA_EXEC_WRAPPER": "/opt/vpcprobe-wrapper",
    }
    # Lambda's tag value alphabet (no JSON): letters, digits, spaces, _ . : / = + - @
    assert re.fullmatch(r"[\w .:/=+\-@]{1,256}", tags(suspect)["vpcprobe:wrapped"])
    assert "set AWS_LAMBDA_EXEC_WRAPPER=/opt/vpcprobe-wrapper" in wrapped.out

    unwrapped = vpcprobe("unwrap", SUSPECT)

    assert unwrapped.code == 0, unwrapped.err
    assert configuration(suspect) == before
    assert tags(suspect) == tags_before
    assert "removed AWS_LAMBDA_EXEC_WRAPPER" in unwrapped.out


def test_round_trip_of_a_function_without_environment_or_layers(
    suspect: Suspect, layer_zip: Path, vpcprobe: Any
) -> None:
    before = configuration(suspect)
    assert "Environment" not in before and not before.get("Layers")

    assert vpcprobe("wrap", SUSPECT, "--layer-zip", str(layer_zip)).code == 0
    assert vpcprobe("unwrap", SUSPECT).code == 0

    assert configuration(suspect) == before


def test_wrap_twice_changes_nothing_the_second_time(
    suspect: Suspect, layer_zip: Path, vpcprobe: Any
) -> None:
    assert vpcprobe("wrap", SUSPECT, "--layer-zip", str(layer_zip)).code == 0
    once = configuration(suspect)

    again = vpcprobe("wrap", SUSPECT, "--layer-zip", str(layer_zip))

    assert again.code == 0
    assert again.out.splitlines()[0] == f"{SUSPECT} is already wrapped: nothing changed"
    assert configuration(suspect) == once


def test_unwrap_of_a_function_vpcprobe_did_not_wrap_changes_nothing(
    suspect: Suspect, vpcprobe: Any
) -> None:
    before = configuration(suspect)

    result = vpcprobe("unwrap", SUSPECT)

    assert (result.code, result.out) == (
        0,
        f"{SUSPECT} was not wrapped by vpcprobe: nothing changed\n",
    )
    assert configuration(suspect) == before


def test_wrap_refuses_a_sixth_layer(suspect: Suspect, layer_zip: Path, vpcprobe: Any) -> None:
    lam = suspect.client("lambda")
    lam.update_function_configuration(FunctionName=SUSPECT, Layers=user_layers(suspect, 5))
    before = configuration(suspect)

    result = vpcprobe("wrap", SUSPECT, "--layer-zip", str(layer_zip))

    assert result.code == 2
    assert result.err == (
        f"vpcprobe: error: {SUSPECT} already has 5 layers, Lambda's maximum is 5: wrapper mode "
        "needs one more; use 'vpcprobe deploy --like' instead\n"
    )
    assert configuration(suspect) == before
    assert not [
        layer for layer in lam.list_layers()["Layers"] if layer["LayerName"].startswith("vpcprobe")
    ]


def test_wrap_refuses_another_wrapper_script(
    suspect: Suspect, layer_zip: Path, vpcprobe: Any
) -> None:
    suspect.client("lambda").update_function_configuration(
        FunctionName=SUSPECT,
        Environment={"Variables": {"AWS_LAMBDA_EXEC_WRAPPER": "/opt/otel-instrument"}},
    )
    before = configuration(suspect)

    result = vpcprobe("wrap", SUSPECT, "--layer-zip", str(layer_zip))

    assert result.code == 2
    assert "already sets AWS_LAMBDA_EXEC_WRAPPER=/opt/otel-instrument" in result.err
    assert configuration(suspect) == before


def test_wrap_refuses_when_the_unzipped_size_limit_would_be_passed(
    suspect: Suspect, layer_zip: Path, vpcprobe: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A 250 MB function cannot be made in a test; the limit is lowered to just above the
    # function's code so that the layer is what passes it.
    code_size = configuration(suspect)["CodeSize"]
    monkeypatch.setattr(wrap_module, "MAX_UNZIPPED_BYTES", code_size + 10)
    before = configuration(suspect)

    result = vpcprobe("wrap", SUSPECT, "--layer-zip", str(layer_zip))

    assert result.code == 2
    assert "unzipped, over Lambda's 0 MB limit" in result.err
    assert configuration(suspect) == before
    assert "vpcprobe:wrapped" not in tags(suspect)
    assert suspect.client("lambda").list_layers()["Layers"] == []  # checked before publishing


def test_wrap_refuses_a_function_that_does_not_run_python(
    suspect: Suspect, layer_zip: Path, vpcprobe: Any
) -> None:
    suspect.client("lambda").create_function(
        FunctionName="node-fn",
        Runtime="nodejs20.x",
        Role=suspect.role_arn,
        Handler="index.handler",
        Code={"ZipFile": code_zip()},
    )

    result = vpcprobe("wrap", "node-fn", "--layer-zip", str(layer_zip))

    assert result.code == 2
    assert "node-fn runs nodejs20.x: wrapper mode needs a Python runtime" in result.err


def test_wrap_unknown_function(aws: Any, vpcprobe: Any) -> None:
    result = vpcprobe("wrap", "ghost", "--layer-arn", "arn:aws:lambda:us-east-1:1:layer:x:1")

    assert (result.code, result.err) == (
        2,
        "vpcprobe: error: function ghost not found in us-east-1\n",
    )


def test_unwrap_refuses_a_tag_it_did_not_write(suspect: Suspect, vpcprobe: Any) -> None:
    suspect.client("lambda").tag_resource(
        Resource=suspect.arn, Tags={"vpcprobe:wrapped": "edited by hand"}
    )
    before = configuration(suspect)

    result = vpcprobe("unwrap", SUSPECT)

    assert result.code == 2
    assert "the vpcprobe:wrapped tag is not what vpcprobe wrote ('edited by hand')" in result.err
    assert configuration(suspect) == before


def test_wrap_with_a_given_layer_version_and_a_bad_arn(
    suspect: Suspect, layer_zip: Path, vpcprobe: Any
) -> None:
    bad = vpcprobe("wrap", SUSPECT, "--layer-arn", "vpcprobe-python312-arm64")
    assert bad.code == 2
    assert "--layer-arn vpcprobe-python312-arm64: expected a layer version ARN" in bad.err

    arn = suspect.client("lambda").publish_layer_version(
        LayerName="vpcprobe-shared", Content={"ZipFile": layer_zip.read_bytes()}
    )["LayerVersionArn"]
    before = configuration(suspect)

    assert vpcprobe("wrap", SUSPECT, "--layer-arn", arn).code == 0
    assert [layer["Arn"] for layer in configuration(suspect)["Layers"]] == [arn]
    assert vpcprobe("unwrap", SUSPECT).code == 0
    assert configuration(suspect) == before


def test_wrap_waits_for_an_update_in_progress(
    suspect: Suspect, layer_zip: Path, vpcprobe: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[str] = []

    def in_progress(parsed: dict[str, Any], **_: Any) -> None:
        reads.append("GetFunction")
        if len(reads) == 1:  # the first read sees someone else's update still running
            parsed["Configuration"]["LastUpdateStatus"] = "InProgress"

    session = boto3.Session(region_name="us-east-1")
    session.events.register("after-call.lambda.GetFunction", in_progress)
    monkeypatch.setattr(wrap_command, "session_for", lambda *_args: session)

    result = vpcprobe("wrap", SUSPECT, "--layer-zip", str(layer_zip))

    assert result.code == 0, result.err
    assert f"waiting for {SUSPECT} to finish updating: Active, update Successful" in result.err
    assert len(configuration(suspect)["Layers"]) == 1


def test_wrap_refuses_variables_it_cannot_read(
    suspect: Suspect, layer_zip: Path, vpcprobe: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def undecryptable(parsed: dict[str, Any], **_: Any) -> None:
        parsed["Configuration"]["Environment"] = {
            "Error": {"ErrorCode": "KMSAccessDeniedException", "Message": "no kms:Decrypt"}
        }

    session = boto3.Session(region_name="us-east-1")
    session.events.register("after-call.lambda.GetFunction", undecryptable)
    monkeypatch.setattr(wrap_command, "session_for", lambda *_args: session)
    before = configuration(suspect)

    result = vpcprobe("wrap", SUSPECT, "--layer-zip", str(layer_zip))

    assert result.code == 2
    assert result.err.startswith(
        f"vpcprobe: error: cannot read the environment variables of {SUSPECT} "
        "(KMSAccessDeniedException: no kms:Decrypt)"
    )
    assert configuration(suspect) == before
    assert "vpcprobe:wrapped" not in tags(suspect)


def vpcprobe_layer_versions(suspect: Suspect, name: str = "vpcprobe-python312-arm64") -> list[str]:
    versions = suspect.client("lambda").list_layer_versions(LayerName=name)["LayerVersions"]
    return [version["LayerVersionArn"] for version in versions]


def hooked_session(monkeypatch: pytest.MonkeyPatch, hooks: dict[str, Any]) -> None:
    """Make `vpcprobe wrap` use a session whose calls pass through `hooks` first."""
    session = boto3.Session(region_name="us-east-1")
    for event, hook in hooks.items():
        session.events.register(event, hook)
    monkeypatch.setattr(wrap_command, "session_for", lambda *_args: session)


def test_a_refused_update_leaves_no_tag_and_no_layer_so_wrap_works_afterwards(
    suspect: Suspect, layer_zip: Path, vpcprobe: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    refuse = [True]

    def denied(**_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        if not refuse:
            return None
        status = {"Error": {"Code": "AccessDenied", "Message": "not authorized"}}
        return AWSResponse("http://127.0.0.1/", 403, {}, None), status

    hooked_session(monkeypatch, {"before-call.lambda.UpdateFunctionConfiguration": denied})
    before, tags_before = configuration(suspect), tags(suspect)

    failed = vpcprobe("wrap", SUSPECT, "--layer-zip", str(layer_zip))

    assert failed.code == 3
    assert failed.err.splitlines()[-1] == (
        "vpcprobe: error: lambda:UpdateFunctionConfiguration denied: grant "
        "lambda:UpdateFunctionConfiguration to the identity running vpcprobe"
    )
    assert (configuration(suspect), tags(suspect)) == (before, tags_before)
    assert vpcprobe_layer_versions(suspect) == []  # the version published for it is gone

    refuse.clear()
    again = vpcprobe("wrap", SUSPECT, "--layer-zip", str(layer_zip))

    assert again.code == 0, again.err
    assert "already wrapped" not in again.out
    wrapped = configuration(suspect)
    assert wrapped["Environment"]["Variables"] == {
        "AWS_LAMBDA_EXEC_WRAPPER": "/opt/vpcprobe-wrapper"
    }
    assert [layer["Arn"] for layer in wrapped["Layers"]] == vpcprobe_layer_versions(suspect)


def test_a_tag_left_by_an_unfinished_wrap_is_not_taken_for_a_wrap(
    suspect: Suspect, layer_zip: Path, vpcprobe: Any
) -> None:
    # What a wrap interrupted between tagging and updating leaves: the tag and nothing else.
    stale = "arn:aws:lambda:us-east-1:123456789012:layer:vpcprobe-python312-arm64:9 variable=added"
    suspect.client("lambda").tag_resource(Resource=suspect.arn, Tags={"vpcprobe:wrapped": stale})
    before = configuration(suspect)

    result = vpcprobe("wrap", SUSPECT, "--layer-zip", str(layer_zip))

    assert result.code == 0, result.err
    assert "already wrapped" not in result.out
    assert "set AWS_LAMBDA_EXEC_WRAPPER=/opt/vpcprobe-wrapper" in result.out
    (layer,) = configuration(suspect)["Layers"]
    assert tags(suspect)["vpcprobe:wrapped"] == f"{layer['Arn']} variable=added"

    assert vpcprobe("unwrap", SUSPECT).code == 0
    assert configuration(suspect) == before
    assert "vpcprobe:wrapped" not in tags(suspect)


@pytest.mark.parametrize("readable", [True, False], ids=["readable", "get-denied"])
def test_a_layer_arn_that_does_not_exist_is_bad_input(
    suspect: Suspect, vpcprobe: Any, monkeypatch: pytest.MonkeyPatch, readable: bool
) -> None:
    if not readable:  # another account's layer: only UpdateFunctionConfiguration can tell
        status = {"Error": {"Code": "AccessDeniedException", "Message": "not authorized"}}
        hooked_session(
            monkeypatch,
            {
                "before-call.lambda.GetLayerVersion": lambda **_: (
                    AWSResponse("http://127.0.0.1/", 403, {}, None),
                    status,
                )
            },
        )
    missing = "arn:aws:lambda:us-east-1:123456789012:layer:vpcprobe-shared:7"
    before, tags_before = configuration(suspect), tags(suspect)

    result = vpcprobe("wrap", SUSPECT, "--layer-arn", missing)

    assert (result.code, result.err.splitlines()[-1]) == (
        2,
        f"vpcprobe: error: --layer-arn {missing}: no such layer version in us-east-1 "
        "(check the layer name, version number and region)",
    )
    assert (configuration(suspect), tags(suspect)) == (before, tags_before)
