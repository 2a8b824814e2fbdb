"""Fixtures for deploy/wrap tests: a suspect function in a moto VPC and a tiny layer zip."""

from __future__ import annotations

import io
import json
import re
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.moto_server import MotoServer
from vpcprobe_collector.cli import main

SUSPECT = "orders-api"
LAYER_ROOT = Path(__file__).resolve().parents[2] / "layer"


def code_zip(text: str = "def handler(event, context):\n    return event\n") -> bytes:
    """A function's code: one module."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", text)
    return buffer.getvalue()


@dataclass
class Suspect:
    """A VPC-attached function the user owns, and the IDs around it."""

    server: MotoServer
    name: str
    arn: str
    role_arn: str
    subnet_ids: list[str]
    group_ids: list[str]
    other_group_id: str

    def client(self, service: str) -> Any:
        return self.server.client(service)


@pytest.fixture
def suspect(aws: MotoServer) -> Suspect:
    """orders-api in two subnets with one security group, arm64, dual-stack allowed."""
    ec2, iam, lam = aws.client("ec2"), aws.client("iam"), aws.client("lambda")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24")["Subnet"]["SubnetId"]
        for i in (1, 2)
    ]
    groups = [
        ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"]
        for name in ("orders-api", "orders-extra")
    ]
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role = iam.create_role(RoleName="orders-api-role", AssumeRolePolicyDocument=json.dumps(trust))
    function = lam.create_function(
        FunctionName=SUSPECT,
        Runtime="python3.12",
        Role=role["Role"]["Arn"],
        Handler="app.handler",
        Code={"ZipFile": code_zip()},
        VpcConfig={
            "SubnetIds": subnets,
            "SecurityGroupIds": groups[:1],
            "Ipv6AllowedForDualStack": True,
        },
        Architectures=["arm64"],
        Tags={"team": "orders"},
    )
    return Suspect(
        aws, SUSPECT, function["FunctionArn"], role["Role"]["Arn"], subnets, groups[:1], groups[1]
    )


def write_layer_zip(path: Path) -> Path:
    """A stand-in for the built layer, a few KiB: the package marker, the handler, the wrapper
    script and (empty) pydantic_core extensions for the Python and architecture its name
    gives, or for every one when the name gives none."""
    named = re.fullmatch(r"vpcprobe-layer-python3\.(\d+)-(x86_64|arm64)\.zip", path.name)
    pairs = (
        [(named[1], named[2])]
        if named
        else [(minor, arch) for minor in ("11", "12", "13", "14") for arch in ("x86_64", "arm64")]
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("python/vpcprobe/__init__.py", '__version__ = "0.1.0"\n')
        archive.writestr("python/vpcprobe/handler.py", "def handler(event, context): ...\n")
        for minor, arch in pairs:
            machine = "aarch64" if arch == "arm64" else arch
            name = f"_pydantic_core.cpython-3{minor}-{machine}-linux-gnu.so"
            archive.writestr(f"python/pydantic_core/{name}", b"")
        info = zipfile.ZipInfo("vpcprobe-wrapper", date_time=(2020, 1, 1, 0, 0, 0))
        info.external_attr = (stat.S_IFREG | 0o755) << 16
        archive.writestr(info, (LAYER_ROOT / "vpcprobe-wrapper").read_text())
    return path


@pytest.fixture
def layer_zip(tmp_path: Path) -> Path:
    """A tiny layer zip (the real build downloads wheels)."""
    return write_layer_zip(tmp_path / "probe-layer.zip")


@dataclass
class Run:
    """The outcome of one `vpcprobe` command, as the user sees it."""

    code: int
    out: str
    err: str


@pytest.fixture
def vpcprobe(capsys: pytest.CaptureFixture[str]) -> Any:
    """Run `vpcprobe ARGS...` in-process; return exit code, stdout and stderr."""

    def run(*argv: str) -> Run:
        capsys.readouterr()
        try:
            code = main(list(argv))
        except SystemExit as exit_:  # argparse errors
            code = int(exit_.code or 0)
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run
