"""The AWS CLI's habits work: global options anywhere, ARN regions, retries, timeouts, --debug."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import aws_scenarios
from tests.support.moto_server import REGION, MotoServer
from tests.support.odd_endpoint import odd_endpoint
from vpcprobe_collector import cli

pytestmark = pytest.mark.moto


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def scenario(moto_server: MotoServer) -> Iterator[aws_scenarios.Scenario]:
    """One healthy function for the module (tests only read it)."""
    with pytest.MonkeyPatch.context() as patch:
        moto_server.reset()
        patch.setenv("AWS_ENDPOINT_URL", moto_server.url)
        yield aws_scenarios.build_healthy(moto_server.session())


@pytest.fixture
def no_region(monkeypatch: pytest.MonkeyPatch, moto_server: MotoServer) -> MotoServer:
    """No region anywhere in the environment; AWS_ENDPOINT_URL still names moto."""
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server.url)
    return moto_server


@pytest.mark.parametrize("before", [True, False], ids=["before", "after"])
def test_region_and_endpoint_url_before_or_after_the_command(
    scenario: aws_scenarios.Scenario,
    moto_server: MotoServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    before: bool,
) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing answers there
    options = ["--region", REGION, "--endpoint-url", moto_server.url]
    command = ["snapshot", scenario.function_name]
    code, out, err = run(capsys, *(options + command if before else command + options))
    assert code == 0, err
    assert json.loads(out)["region"] == REGION


def test_without_a_region_it_says_how_to_give_one(
    scenario: aws_scenarios.Scenario, no_region: MotoServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "snapshot", scenario.function_name)
    assert code == 3
    assert err.startswith("vpcprobe: error: no AWS region set: pass --region")


@pytest.mark.parametrize("command", ["snapshot", "diagnose", "path"])
def test_a_function_arn_supplies_the_region_to_every_command(
    scenario: aws_scenarios.Scenario,
    no_region: MotoServer,
    capsys: pytest.CaptureFixture[str],
    command: str,
) -> None:
    extra = {
        "snapshot": [],
        "diagnose": ["--no-probe", "--format", "json"],
        "path": ["--to", "10.0.10.25:5432"],
    }[command]
    code, out, err = run(capsys, command, scenario.function_arn, *extra)
    assert "no AWS region" not in err
    assert code in (0, 1, 4), err  # healthy, findings or incomplete: judged, not refused
    assert scenario.function_name in out


def test_region_contradicting_the_arn_is_bad_input(
    scenario: aws_scenarios.Scenario, no_region: MotoServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "--region", "eu-west-1", "snapshot", scenario.function_arn)
    assert code == 2
    assert f"--region eu-west-1 contradicts {scenario.function_arn}, which is in {REGION}" in err


@pytest.mark.parametrize(
    "region", [[], ["--region", REGION]], ids=["no-region", "the-arn's-region"]
)
def test_audit_function_arn_supplies_the_region_and_the_name(
    scenario: aws_scenarios.Scenario,
    no_region: MotoServer,
    capsys: pytest.CaptureFixture[str],
    region: list[str],
) -> None:
    """It used to say "no AWS region set" (exit 3), or with --region "no VPC-attached function
    of that name" (exit 4): the ARN was matched as a name."""
    code, out, err = run(
        capsys, "audit", "--function", scenario.function_arn, *region, "--format", "json"
    )
    assert code in (0, 1), err  # judged: healthy or findings, neither refused nor incomplete
    report = json.loads(out)
    assert [f["function"] for f in report["functions"]] == [scenario.function_name]
    assert [s["region"] for s in report["scopes_read"]] == [REGION]
    assert report["scopes_unread"] == []


def test_audit_all_regions_with_a_function_arn_and_no_region_set(
    scenario: aws_scenarios.Scenario, no_region: MotoServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """--all-regions lists the regions from somewhere: with no region set, the ARN's (it was
    exit 3, "no AWS region set"); a malformed ARN is bad input, not an AWS failure."""
    code, out, err = run(
        capsys, "audit", "--function", scenario.function_arn, "--all-regions", "--format", "json"
    )
    assert code in (0, 1), err
    report = json.loads(out)
    assert [f["function"] for f in report["functions"]] == [scenario.function_name]
    assert REGION in [s["region"] for s in report["scopes_read"]]
    code, out, err = run(capsys, "audit", "--function", "arn:aws:lambda:bogus", "--all-regions")
    assert code == 2 and out == ""
    assert "--function arn:aws:lambda:bogus: not a Lambda function ARN" in err


def test_audit_region_contradicting_a_function_arn_is_bad_input(
    scenario: aws_scenarios.Scenario, no_region: MotoServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys, "audit", "--function", scenario.function_arn, "--region", "eu-west-1"
    )
    assert code == 2
    assert out == ""
    assert f"--region eu-west-1 contradicts {scenario.function_arn}, which is in {REGION}" in err


def test_output_before_the_command_is_read_as_after_it(
    scenario: aws_scenarios.Scenario,
    moto_server: MotoServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`vpcprobe --output json diagnose …`, the AWS CLI's place for it: the same advice as
    after the command (it was argparse's "invalid choice: 'json'"), and a real file name
    there is written."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server.url)
    code, out, err = run(capsys, "--output", "json", "diagnose", scenario.function_name)
    assert code == 2 and out == ""
    assert "did you mean --format json?" in err and err.count("\n") == 1
    code, out, err = run(
        capsys, "-o", "report.json", "--region", REGION, "diagnose", scenario.function_name,
        "--no-probe", "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["targets"] == []


@pytest.mark.parametrize("word", ["json", "markdown", "html", "sarif", "junit", "text"])
def test_output_naming_a_format_asks_for_format(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], word: str
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "diagnose", "fn", "--no-probe", "--output", word)
    assert code == 2
    assert out == ""
    assert f"did you mean --format {word}?" in err
    assert err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []  # nothing written


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["snapshot", "fn"], "snapshot has no --format (it writes JSON); name the file, "
         "e.g. --output snapshot.json"),
        (["probe", "--target", "127.0.0.1:9"], "probe has no --format (it writes JSON)"),
        (["layer", "build"], "layer build has no --format (it writes a .zip file); name the "
         "file, e.g. --output probe-layer.zip"),
    ],
    ids=["snapshot", "probe", "layer-build"],
)  # fmt: skip
def test_output_naming_a_format_on_a_command_without_format(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    says: str,
) -> None:
    """No "did you mean --format json" where the command has no --format (it advised one)."""
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, *argv, "--output", "json")
    assert code == 2
    assert out == ""
    assert "--format json" not in err
    assert says in err
    assert err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []  # nothing written, nothing probed


def test_version_names_the_probe_schema(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == "vpcprobe 0.1.0 (probe report schema 1)\n"


def test_debug_logs_the_wire_with_credentials_masked(
    scenario: aws_scenarios.Scenario,
    moto_server: MotoServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    secrets = {
        "AWS_ACCESS_KEY_ID": "AKIAVPCPROBETEST0042",
        "AWS_SECRET_ACCESS_KEY": "vpcprobe-secret-key-do-not-print",
        "AWS_SESSION_TOKEN": "vpcprobe-session-token-do-not-print",
    }
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server.url)
    code, out, err = run(capsys, "snapshot", scenario.function_name, "--debug")
    assert code == 0
    assert "Sending http request" in err and "GetFunction" in err
    assert "Credential=****" in err
    for value in secrets.values():
        assert value not in err and value not in out
    # The function's environment (GetFunction's answer) is its own secrets: masked too.
    assert '"Variables": {****}' in err
    assert "s3cret" not in err and "DB_PASSWORD" not in err


def test_debug_log_is_masked_like_the_report_under_redact_addresses(
    scenario: aws_scenarios.Scenario,
    moto_server: MotoServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A debug log attached to a ticket beside a redacted report leaks neither addresses nor
    the account: the wire log goes through the same masking as the report."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server.url)
    command = ["diagnose", scenario.function_name, "--no-probe", "--debug"]
    _, _, plain = run(capsys, *command)
    private = re.compile(r"\b10\.\d{1,3}\.\d{1,3}\.\d{1,3}\b")
    account = re.compile(r"\b\d{12}\b")
    assert private.search(plain) and account.search(plain)  # the wire log carries both
    code, _out, err = run(capsys, *command, "--redact-addresses")
    assert code == 0, err
    assert "DescribeSubnets" in err and "10.x." in err
    assert private.search(err) is None, private.search(err)
    assert account.search(err) is None, account.search(err)
    _, _, redacted = run(capsys, *command, "--redact")  # accounts only
    assert account.search(redacted) is None and private.search(redacted)


# ---------------------------------------------------------------------------- odd endpoints


def _snapshot(capsys: pytest.CaptureFixture[str], url: str, *options: str) -> tuple[int, str, str]:
    return run(capsys, "snapshot", "orders-api", "--endpoint-url", url, *options)


@pytest.mark.parametrize(
    ("attempts", "expected"), [(None, 3), ("1", 1), ("2", 2)], ids=["default", "1", "2"]
)
def test_a_silent_endpoint_is_tried_as_often_as_configured_then_named(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    attempts: str | None,
    expected: int,
) -> None:
    """Standard retries by default (3 attempts; it used to be 6), AWS_MAX_ATTEMPTS honoured."""
    if attempts is None:
        monkeypatch.delenv("AWS_MAX_ATTEMPTS", raising=False)
    else:
        monkeypatch.setenv("AWS_MAX_ATTEMPTS", attempts)
    with odd_endpoint("silent") as endpoint:
        code, out, err = _snapshot(capsys, endpoint.url, "--cli-read-timeout", "0.3")
        seen = endpoint.requests
    assert code == 3
    assert out == ""
    assert seen == expected
    assert err.count("\n") == 1, err
    assert f"vpcprobe: error: {endpoint.url} sent no answer in time (lambda:GetFunction)" in err
    assert "/2015-03-31" not in err  # the endpoint, not the request's path


def test_retry_mode_and_attempts_from_the_profile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config"
    config.write_text(
        "[profile probe]\nregion = us-east-1\nmax_attempts = 2\nretry_mode = standard\n"
        "aws_access_key_id = testing\naws_secret_access_key = testing\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.delenv("AWS_MAX_ATTEMPTS", raising=False)
    with odd_endpoint("silent") as endpoint:
        code, _, err = _snapshot(
            capsys, endpoint.url, "--profile", "probe", "--cli-read-timeout", "0.3"
        )
        seen = endpoint.requests
    assert code == 3, err
    assert seen == 2


def test_a_body_cut_short_is_retried_like_a_5xx(
    scenario: aws_scenarios.Scenario,
    moto_server: MotoServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """EC2 answers 200 with half an XML document: each read is tried 3 times, then skipped."""
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "3")
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server.url)
    with odd_endpoint("cut") as endpoint:
        monkeypatch.setenv("AWS_ENDPOINT_URL_EC2", endpoint.url)
        code, out, err = run(capsys, "snapshot", scenario.function_name)
        seen = endpoint.requests
    assert code == 0, err
    failed = [c for c in json.loads(out)["api_calls"] if c["api"].startswith("ec2:")]
    assert failed and all(not c["ok"] for c in failed)
    assert {c["error_code"] for c in failed} == {
        "MalformedResponse"
    }  # after the retries, a failed read
    assert seen == 3 * len(failed)  # botocore alone gives up on the first unparseable answer
    assert "Traceback" not in err


def test_an_html_error_page_is_cut_to_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    with odd_endpoint("html") as endpoint:
        code, _, err = _snapshot(capsys, endpoint.url)
    assert code == 3
    assert err.count("\n") == 1, err
    assert "502 Bad Gateway" in err
    assert "<" not in err and "padding" not in err
    assert len(err) < 400


def test_a_missing_ca_bundle_is_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "snapshot", "fn", "--ca-bundle", "/nonexistent/ca.pem")
    assert code == 2
    assert "--ca-bundle /nonexistent/ca.pem: no such file" in err


def test_completion_scripts_name_the_commands_and_their_options(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import shutil
    import subprocess

    code, script, _ = run(capsys, "completion", "bash")
    assert code == 0
    assert "complete -o default -F _vpcprobe vpcprobe" in script
    assert "--probe-result" in script and "--cli-read-timeout" in script
    code, zsh, _ = run(capsys, "completion", "zsh")
    assert code == 0 and zsh.startswith("#compdef vpcprobe")
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("no bash to run the script in")
    # Complete `vpcprobe diag<TAB>` and `vpcprobe diagnose --fo<TAB>` with the real script.
    check = (
        script
        + 'COMP_WORDS=(vpcprobe diag); COMP_CWORD=1; _vpcprobe; echo "${COMPREPLY[@]}"\n'
        + 'COMP_WORDS=(vpcprobe diagnose --fo); COMP_CWORD=2; _vpcprobe; echo "${COMPREPLY[@]}"\n'
        + 'COMP_WORDS=(vpcprobe diagnose --format ""); COMP_CWORD=3; _vpcprobe; '
        + 'echo "${COMPREPLY[@]}"\n'
    )
    done = subprocess.run([bash, "-c", check], capture_output=True, text=True, check=True)
    lines = done.stdout.splitlines()
    assert lines[0] == "diagnose"
    assert lines[1] == "--format"
    assert "json" in lines[2].split() and "markdown" in lines[2].split()


def _complete(script: str, cwd: Path, *lines: tuple[str, ...]) -> list[list[str]]:
    """What the generated bash function offers for each command line (the last word is the
    one being completed), run by a real bash with COMP_WORDS / COMP_CWORD set as bash does."""
    import shlex
    import shutil
    import subprocess

    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("no bash to run the script in")
    check = script
    for words in lines:
        quoted = " ".join(shlex.quote(w) for w in words)
        check += f"COMP_WORDS=({quoted}); COMP_CWORD={len(words) - 1}; COMPREPLY=(); _vpcprobe; "
        check += 'echo "${COMPREPLY[*]}"\n'
    done = subprocess.run([bash, "-c", check], capture_output=True, text=True, check=True, cwd=cwd)
    return [line.split() for line in done.stdout.splitlines()]


def test_bash_completion_walks_nested_commands_and_each_commands_choices(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`layer <TAB>` → build, `layer build --py<TAB>` → --python, `completion <TAB>` → bash
    zsh, and `path --format <TAB>` only path's formats (the script had one `--format)` case for
    every command, so the first command's won). zsh has no shell here: its script's text is
    checked in the test above (it is this bash function through bashcompinit)."""
    code, script, _ = run(capsys, "completion", "bash")
    assert code == 0
    offered = _complete(
        script,
        tmp_path,  # an empty directory: no file names among the words offered
        ("vpcprobe", "layer", ""),
        ("vpcprobe", "layer", "build", "--py"),
        ("vpcprobe", "layer", "build", "--python", ""),
        ("vpcprobe", "completion", ""),
        ("vpcprobe", "path", "--format", ""),
        ("vpcprobe", "diagnose", "--format", ""),
        ("vpcprobe", "--region", "eu-west-1", "layer", "build", "--a"),
    )
    assert [w for w in offered[0] if not w.startswith("-")] == ["build"]
    assert offered[1] == ["--python"]
    assert offered[2] == ["3.11", "3.12", "3.13", "3.14"]
    assert [w for w in offered[3] if not w.startswith("-")] == ["bash", "zsh"]
    assert offered[4] == ["text", "json"]
    assert offered[5] == ["text", "json", "markdown", "html", "sarif", "junit"]
    assert offered[6] == ["--arch"]


@pytest.mark.parametrize(
    "argv",
    [
        ["layer", "build", "--color", "never", "--output", "probe.txt"],
        ["layer", "build", "--output", "probe.txt", "--cli-read-timeout", "5", "--debug"],
        ["--color", "never", "layer", "build", "--output", "probe.txt"],
    ],
    ids=["color-after", "timeouts-after", "color-before"],
)
def test_layer_build_takes_the_global_options_after_it(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
) -> None:
    """The nested `build` parser has the global options (it said "unrecognized arguments");
    the run then stops at its own check of --output, before building anything."""
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert "unrecognized arguments" not in err
    assert out == ""
    assert err == "vpcprobe: error: --output probe.txt: name a .zip file\n"


@pytest.mark.parametrize(("choice", "coloured"), [("always", True), ("never", False)])
def test_color_always_or_never(
    scenario: aws_scenarios.Scenario,
    moto_server: MotoServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    choice: str,
    coloured: bool,
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server.url)
    _, out, err = run(capsys, "--color", choice, "diagnose", scenario.function_name, "--no-probe")
    assert out, err
    assert ("\x1b[" in out) is coloured


def test_progress_hears_which_call_is_waited_for(
    scenario: aws_scenarios.Scenario, moto_server: MotoServer
) -> None:
    """The terminal spinner's source: each call, named, with its endpoint, as it starts."""
    from vpcprobe_collector.aws import AwsOptions, client, make_session

    session = make_session(region=REGION, options=AwsOptions(endpoint_url=moto_server.url))
    heard: list[tuple[str, str]] = []
    session.on_call = lambda api, endpoint: heard.append((api, endpoint))
    client(session, "lambda").get_function(FunctionName=scenario.function_name)
    assert heard == [("lambda:GetFunction", moto_server.url)]


def test_diagnose_gives_up_on_a_silent_endpoint_once_naming_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The probe lookup does not read an endpoint that never answers as "no probe deployed"
    and wait out a second retry budget: three attempts in all (the default), exit 3."""
    monkeypatch.delenv("AWS_MAX_ATTEMPTS", raising=False)
    with odd_endpoint("silent") as endpoint:
        code, out, err = run(
            capsys, "diagnose", "orders-api", "--endpoint-url", endpoint.url,
            "--target", "10.0.0.1:80", "--cli-read-timeout", "0.3",
        )  # fmt: skip
        seen = endpoint.requests
    assert code == 3, err
    assert out == ""
    assert seen == 3
    assert f"vpcprobe: error: {endpoint.url} sent no answer in time (lambda:" in err
    assert err.count("\n") == 1, err
