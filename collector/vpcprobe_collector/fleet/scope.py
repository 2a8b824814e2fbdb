"""What an audit covers: function names, tags and per-function targets (tag or --config file)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from vpcprobe_collector.contract import parse_target
from vpcprobe_collector.errors import BadInputError
from vpcprobe_collector.findings.model import TargetSpec

TARGETS_TAG = "vpcprobe:targets"
MAX_TARGETS = 64


@dataclass(frozen=True)
class Scope:
    """--function names (or ARNs), --tag KEY=VALUE pairs and --config targets by function."""

    names: frozenset[str] = frozenset()
    tags: tuple[tuple[str, str], ...] = ()
    targets: dict[str, list[TargetSpec]] = field(default_factory=dict)

    def wants_name(self, name: str, arn: str) -> bool:
        """True when no --function was given, or this function was named (by name or ARN)."""
        return not self.names or name in self.names or arn in self.names

    def wants_tags(self, tags: dict[str, str]) -> bool:
        """Every --tag must match."""
        return all(tags.get(key) == value for key, value in self.tags)


def parse_tag_filter(text: str) -> tuple[str, str]:
    """`KEY=VALUE` for --tag; BadInputError saying why not."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise BadInputError(f"--tag {text!r}: expected KEY=VALUE")
    return key.strip(), value.strip()


def targets_from_tag(value: str) -> tuple[list[TargetSpec], list[str]]:
    """The targets a `vpcprobe:targets` tag names (`host:port,host:port`), and the parts that
    could not be used (a tag is someone else's input: never fatal)."""
    specs: list[TargetSpec] = []
    bad: list[str] = []
    for part in (p.strip() for p in value.split(",")):
        if not part:
            continue
        if len(specs) >= MAX_TARGETS:
            bad.append(f"{part!r} (more than {MAX_TARGETS} targets)")
            continue
        try:
            specs.append(parse_target(part))
        except ValueError as error:
            bad.append(str(error)[:200])
    return specs, bad


def load_targets_file(path: Path) -> dict[str, list[TargetSpec]]:
    """A --config file mapping functions to targets, TOML or YAML:

    [functions.orders-api]
    targets = ["10.0.10.20:5432=orders-db", "10.0.10.21:5432"]
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise BadInputError(f"{path}: cannot read: {error.strerror}") from error
    except UnicodeDecodeError as error:
        raise BadInputError(f"{path}: not UTF-8 text") from error
    try:
        data: Any = (
            yaml.safe_load(text) if path.suffix in (".yaml", ".yml") else tomllib.loads(text)
        )
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as error:
        raise BadInputError(
            f"{path}: not valid TOML or YAML: {str(error).splitlines()[0]}"
        ) from error
    functions = (data or {}).get("functions") if isinstance(data, dict) else None
    if not isinstance(functions, dict):
        raise BadInputError(f"{path}: expected a [functions.NAME] table with targets = [...]")
    found: dict[str, list[TargetSpec]] = {}
    for name, entry in functions.items():
        raw = entry.get("targets") if isinstance(entry, dict) else None
        if not isinstance(raw, list) or not all(isinstance(t, str) for t in raw):
            raise BadInputError(f"{path}: functions.{name}.targets must be a list of HOST:PORT")
        specs: list[TargetSpec] = []
        for text_target in raw:
            try:
                specs.append(parse_target(text_target))
            except ValueError as error:
                raise BadInputError(f"{path}: functions.{name}: {error}") from error
        found[str(name)] = specs
    return found
