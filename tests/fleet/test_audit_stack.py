"""The scheduled audit's SAM template: cfn-lint clean, and wired to handlers that exist."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

TEMPLATE = Path(__file__).parents[2] / "audit_stack" / "template.yaml"


class _Loader(yaml.SafeLoader):
    """Reads CloudFormation's short-form tags (!Ref, !Sub, ...) as plain values."""


def _tag(loader: yaml.SafeLoader, _suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)  # type: ignore[arg-type]


_Loader.add_multi_constructor("!", _tag)


def test_template_passes_cfn_lint() -> None:
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    result = subprocess.run(
        [str(cfn_lint), str(TEMPLATE)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_template_runs_the_worker_under_a_distributed_map() -> None:
    template = yaml.load(TEMPLATE.read_text(), Loader=_Loader)  # noqa: S506 - SafeLoader subclass
    resources = template["Resources"]
    for name in ("PlanFunction", "AuditWorker"):
        module, _, function = resources[name]["Properties"]["Handler"].rpartition(".")
        assert callable(getattr(importlib.import_module(module), function))
    states = resources["AuditStateMachine"]["Properties"]["Definition"]["States"]
    assert states["Audit"]["ItemProcessor"]["ProcessorConfig"]["Mode"] == "DISTRIBUTED"
    assert states["Audit"]["ItemsPath"] == "$.items"
    worker_env = resources["AuditWorker"]["Properties"]["Environment"]["Variables"]
    assert {"RESULTS_BUCKET", "ROLE_NAME", "EXTERNAL_ID"} <= set(worker_env)
