"""The --config file: a team's connectivity contract (targets and expectations), TOML or YAML."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from vpcprobe.facts import url_label, url_target
from vpcprobe.models import NotBoolean, parse_host_port, validate_hostname
from vpcprobe_collector.errors import BadInputError
from vpcprobe_collector.findings.model import Severity, TargetSpec
from vpcprobe_collector.validation_text import describe


def parse_target(text: str) -> TargetSpec:
    """`HOST:PORT[=LABEL]` (IPv6 as `[ADDR]:PORT`) as a TargetSpec; ValueError saying why not
    (never repeating a URL's password).
    An http(s) URL is read as its host and port (443 or 80 unless it names one)."""
    url, url_label_text = url_label(text)
    from_url = url_target(url)
    if from_url is not None:
        if url_label_text == "":
            raise ValueError(f"{from_url[0]!r}: the label after '=' is empty")
        host, port = parse_host_port(from_url[0])
        return TargetSpec(host=host, port=port, label=url_label_text)
    address, _, label = text.partition("=")
    host, port = parse_host_port(address)
    if "=" in text and not label.strip():
        raise ValueError(f"{text!r}: the label after '=' is empty")
    return TargetSpec(host=host, port=port, label=label.strip() or None)


class ContractTarget(BaseModel):
    """One target in the contract file."""

    model_config = ConfigDict(extra="forbid")

    host: str
    port: Annotated[int, NotBoolean, Field(ge=1, le=65535)]
    label: Annotated[str | None, Field(max_length=64)] = None
    protocol: Literal["tcp", "udp"] = "tcp"
    expect: Literal["reachable", "blocked"] | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, value: Any) -> Any:
        if isinstance(value, str):
            spec = parse_target(value)
            return {"host": spec.host, "port": spec.port, "label": spec.label}
        return value

    @field_validator("host")
    @classmethod
    def _host(cls, value: str) -> str:
        return validate_hostname(value)

    def spec(self) -> TargetSpec:
        """As the TargetSpec the rules read."""
        return TargetSpec(
            host=self.host,
            port=self.port,
            label=self.label,
            protocol=self.protocol,
            expect=self.expect,
        )


class Contract(BaseModel):
    """The whole file: targets, plus optional defaults the command line overrides."""

    model_config = ConfigDict(extra="forbid")

    function: str | None = None
    invocations: Annotated[int, NotBoolean, Field(ge=1, le=50)] | None = None
    fail_on: Severity | None = None
    targets: list[ContractTarget] = Field(default_factory=list)
    # Account ID -> the role that reads a peer or TGW destination VPC in that account.
    peers: dict[str, str] = Field(default_factory=dict)

    @field_validator("peers")
    @classmethod
    def _peers(cls, value: dict[str, str]) -> dict[str, str]:
        from vpcprobe_collector.peers import ACCOUNT_ID, role_account

        for account, arn in value.items():
            if not ACCOUNT_ID.match(account):
                raise ValueError(f"peers: {account!r} is not a 12-digit account ID")
            if role_account(arn) != account:
                raise ValueError(f"peers: {arn} is not a role in account {account}")
        return value

    def target_specs(self) -> list[TargetSpec]:
        """Every target as a TargetSpec, in file order."""
        return [t.spec() for t in self.targets]


def _parse_text(path: Path, text: str) -> Any:
    suffix = path.suffix.lower()
    if suffix == ".toml":
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise BadInputError(f"{path}: not valid TOML: {error}") from error
    if suffix in (".yaml", ".yml", ".json"):
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as error:
            where = getattr(error, "problem_mark", None)
            at = f" (line {where.line + 1})" if where is not None else ""
            problem = getattr(error, "problem", None) or type(error).__name__
            raise BadInputError(f"{path}: not valid YAML{at}: {problem}") from error
    raise BadInputError(f"{path}: unknown config format: name it .toml, .yaml or .yml")


def load_contract(path: Path) -> Contract:
    """Read and validate the contract; BadInputError names the file and the problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise BadInputError(f"{path}: cannot read the config file: {error.strerror}") from error
    except UnicodeDecodeError as error:
        raise BadInputError(f"{path}: the config file is not UTF-8 text") from error
    data = _parse_text(path, text)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise BadInputError(f"{path}: expected a table of settings with a `targets` list")
    try:
        return Contract.model_validate(data)
    except ValidationError as error:
        raise BadInputError(f"{path}: {describe(error)}") from error
