"""The findings catalogue: docs/findings/ generated from the rule registry (`make docs`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from vpcprobe_collector.rules.base import DOCS_DIR, Rule
from vpcprobe_collector.rules.registry import ALL_RULES

LEDGER = "ids.txt"

# failure-causes.md, in short, with what vpcprobe can and cannot observe of each.
CAUSES: dict[str, tuple[str, str]] = {
    "C01": ("no route to the internet from a function subnet", ""),
    "C02": ("function placed in a public subnet", ""),
    "C03": ("NAT gateway missing, failed, deleted, or without an internet route", ""),
    "C04": ("function security group egress does not allow the destination", ""),
    "C05": (
        "target security group ingress does not allow the function",
        "only when the target's network interface is found in the account by its address",
    ),
    "C06": ("network ACL denies outbound or return traffic (partial ranges: intermittent)", ""),
    "C07": (
        "no NAT and no VPC endpoint for an AWS service",
        "judged for the services the probe calls (Logs, STS); the function's own code is not read",
    ),
    "C08": ("interface endpoint private DNS off, or VPC DNS attributes prevent it", ""),
    "C09": ("interface endpoint security group does not allow 443 from the function", ""),
    "C10": (
        "custom DHCP options DNS servers unreachable, broken or not forwarding",
        "whether a server answers is observable only with a probe report",
    ),
    "C11": ("security group or network ACL blocks DNS to a custom server", ""),
    "C12": ("VPC enableDnsSupport is false", ""),
    "C13": (
        "private hosted zone not associated, resolver rule or DNS Firewall misroutes",
        "NOT observed directly: Route 53 Resolver rules, DNS Firewall and hosted zone "
        "associations are not read; only the symptom (which server answered what) is",
    ),
    "C14": (
        "execution role lacks the ENI actions (or an SCP denies them)",
        "SCPs and permission boundaries only when iam:SimulatePrincipalPolicy is allowed",
    ),
    "C15": ("subnet has no free IP addresses", ""),
    "C16": (
        "Hyperplane ENI quota per VPC reached",
        "the ENI count depends on reading "
        "Lambda's network interfaces in the VPC and the quota from Service Quotas",
    ),
    "C17": ("subnet or security group in VpcConfig deleted or invalid", ""),
    "C18": ("function Inactive, Pending or Failed", ""),
    "C19": ("VPC with dedicated tenancy", ""),
    "C20": ("IPv6 destination unreachable", ""),
    "C21": ("target reached but nothing listens", "needs a probe report"),
    "C22": (
        "blocked outside the VPC configuration",
        "by nature the block itself is not "
        "visible: the finding lists what was verified and where the unseen part begins",
    ),
    "C23": ("code calls the Logs API with no NAT and no logs endpoint", ""),
    "C24": ("subnets differ: failures depend on the AZ", ""),
    "C26": (
        "target address in the VPC held by no network interface",
        "only addresses the snapshot looked up (targets, DNS servers)",
    ),
}


def rule_doc(rule: type[Rule]) -> str:
    """One rule's page, in the fixed template (what it checks / why / how to fix)."""
    causes = ", ".join(f"{c} ({CAUSES[c][0]})" for c in rule.causes if c in CAUSES) or "-"
    reads = ", ".join(f"`{i}`" for i in rule.inputs) or "-"
    lines = [
        f"# {rule.code} {rule.name}",
        "",
        f"**{rule.title}**",
        "",
        "| | |",
        "| --- | --- |",
        f"| Code | `{rule.code}` |",
        f"| Name | `{rule.name}` |",
        f"| Default severity | {rule.severity.value} |",
        f"| Causes | {causes} |",
        f"| Reads | {reads} |",
        "",
        "## What it checks",
        "",
        rule.summary,
        "",
        "## Why it matters",
        "",
        rule.why,
        "",
        "## How to fix",
        "",
        rule.how_to_fix,
        "",
        "Each finding carries the exact `aws` commands with the real IDs filled in.",
        "",
        "## Results",
        "",
        "- `fail`: the problem was found; the message names the resources and observed values.",
        "- `pass`: the thing was checked and is fine.",
        "- `skipped`: an input could not be read (the reason names the API and error); "
        "never reported as clean.",
        "- `error`: the check crashed; the rest of the run went on.",
        "",
    ]
    if rule.limits:
        lines += ["## Limits", "", rule.limits, ""]
    lines += ["See [the index](README.md) for every code.", ""]
    return "\n".join(lines)


def index_doc(rules: tuple[type[Rule], ...] = ALL_RULES) -> str:
    """docs/findings/README.md: every code, and which causes each covers."""
    lines = [
        "# Findings catalogue",
        "",
        "Generated from the rule registry (`collector/vpcprobe_collector/rules/registry.py`) "
        "by `make docs`; do not edit by hand. `vpcprobe rules` lists the same codes and "
        "`vpcprobe explain CODE` prints one page. Codes are never reused: see `ids.txt`.",
        "",
        "| Code | Name | Severity | Causes | Title |",
        "| --- | --- | --- | --- | --- |",
    ]
    for rule in rules:
        lines.append(
            f"| [{rule.code}]({rule.code}.md) | `{rule.name}` | {rule.severity.value} | "
            f"{', '.join(rule.causes) or '-'} | {rule.title} |"
        )
    lines += [
        "",
        "## Causes covered",
        "",
        "The causes are those of `failure-causes.md`.",
        "",
        "| Cause | What | Codes | What cannot be observed |",
        "| --- | --- | --- | --- |",
    ]
    for cause, (what, limit) in CAUSES.items():
        codes = ", ".join(f"[{r.code}]({r.code}.md)" for r in rules if cause in r.causes)
        lines.append(f"| {cause} | {what} | {codes or '-'} | {limit or '-'} |")
    lines.append("")
    return "\n".join(lines)


def read_ledger(path: Path) -> list[tuple[str, str]]:
    """(code, name) pairs from ids.txt, in order; '#' lines are comments."""
    if not path.exists():
        return []
    pairs = []
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            code, _, name = line.partition(" ")
            pairs.append((code, name.strip()))
    return pairs


def ledger_doc(existing: list[tuple[str, str]], rules: tuple[type[Rule], ...] = ALL_RULES) -> str:
    """ids.txt with every code ever issued: the old lines kept, new codes appended."""
    known = {code for code, _ in existing}
    pairs = list(existing) + [(r.code, r.name) for r in rules if r.code not in known]
    header = "# Every finding code ever issued, with its name. Append only: never reuse a code.\n"
    return header + "".join(f"{code} {name}\n" for code, name in pairs)


def render_all(docs_dir: Path) -> dict[Path, str]:
    """Every generated file and its text (the ledger keeps what is already there)."""
    files = {docs_dir / "README.md": index_doc()}
    for rule in ALL_RULES:
        files[docs_dir / f"{rule.code}.md"] = rule_doc(rule)
    files[docs_dir / LEDGER] = ledger_doc(read_ledger(docs_dir / LEDGER))
    return files


def main(argv: list[str] | None = None) -> int:
    """Write docs/findings/ (or --check: exit 1 when the committed files are stale)."""
    parser = argparse.ArgumentParser(prog="python -m vpcprobe_collector.rules.catalogue")
    parser.add_argument("--output", type=Path, default=Path(DOCS_DIR))
    parser.add_argument("--check", action="store_true", help="only say whether it is stale")
    args = parser.parse_args(argv)
    stale = []
    for path, text in render_all(args.output).items():
        if not path.exists() or path.read_text() != text:
            stale.append(path)
            if not args.check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
    if args.check and stale:
        print("stale: " + ", ".join(str(p) for p in stale), file=sys.stderr)
        return 1
    print(f"{len(stale)} file(s) {'stale' if args.check else 'written'} in {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
