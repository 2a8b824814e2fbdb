"""The Rule base class: identity, documentation and the helpers every rule uses to report."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, ClassVar, TypedDict, Unpack

from vpcprobe_collector.findings.model import (
    Evidence,
    Finding,
    FindingStatus,
    Remediation,
    ResourceRef,
    Severity,
    fingerprint,
)

if TYPE_CHECKING:
    from vpcprobe_collector.rules.context import RuleContext

DOCS_DIR = "docs/findings"


class FindingArgs(TypedDict, total=False):
    """The optional parts of a finding, as the rules pass them."""

    resources: Sequence[ResourceRef | str]
    evidence: Sequence[Evidence]
    remediation: Remediation | None
    target: str | None
    subnet_id: str | None
    severity: Severity | None
    key: Sequence[str]


class Rule:
    """One check: a code, a problem-naming `name`, documentation, and `check(ctx)`.

    `check` yields `fail` and `pass` findings, `skipped` when its input could not be read
    (never a pass), and nothing when the rule does not apply (no targets, no probe, ...).
    """

    code: ClassVar[str]  # "DNS002": area prefix + number, never reused (docs/findings/ids.txt)
    name: ClassVar[str]  # "custom-dhcp-dns-unreachable": names the problem, not the fix
    title: ClassVar[str]  # one line for people
    severity: ClassVar[Severity]  # the default; a finding may say otherwise with a reason
    causes: ClassVar[tuple[str, ...]] = ()  # "C10", ... from failure-causes.md
    summary: ClassVar[str]  # what it checks
    why: ClassVar[str]  # why it matters
    how_to_fix: ClassVar[str]  # how to fix it
    # Every fact it reads: each AWS read ("ec2:DescribeRouteTables"), each probe field
    # ("probe.tcp"), "path" (every read the path evaluator uses). The engine turns the rule's
    # `pass` results into `skipped` when one of them could not be read; `fail` results stay.
    inputs: ClassVar[tuple[str, ...]] = ()
    # Inputs with a documented fallback, as (input, what the rule uses instead): their
    # failure alone does not void a pass. Each must also be listed in `inputs`.
    fallbacks: ClassVar[tuple[tuple[str, str], ...]] = ()
    limits: ClassVar[str] = ""  # what it cannot see, in plain words (for the catalogue)
    # A problem of a function subnet itself (its routes, its setup): it explains every target
    # whose path from that subnet is blocked. Rules about an AWS service or one target do not.
    subnet_scoped: ClassVar[bool] = False
    doc_url: ClassVar[str]

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "code" in cls.__dict__ and "doc_url" not in cls.__dict__:
            cls.doc_url = f"{DOCS_DIR}/{cls.code}.md"

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        """Yield this rule's findings for one diagnosis."""
        raise NotImplementedError

    # ------------------------------------------------------------------ reporting helpers

    def finding(
        self,
        status: FindingStatus,
        message: str,
        *,
        resources: Sequence[ResourceRef | str] = (),
        evidence: Sequence[Evidence] = (),
        remediation: Remediation | None = None,
        target: str | None = None,
        subnet_id: str | None = None,
        severity: Severity | None = None,
        key: Sequence[str] = (),
    ) -> Finding:
        """A finding of this rule; the fingerprint hashes code, resource IDs, target and `key`."""
        refs = [r if isinstance(r, ResourceRef) else ResourceRef(id=r) for r in resources]
        refs = _unique(refs)
        ids = [f"{r.id}#{r.rule}" if r.rule else r.id for r in refs]
        return Finding(
            code=self.code,
            name=self.name,
            title=self.title,
            severity=severity or self.severity,
            status=status,
            causes=list(self.causes),
            resources=refs,
            target=target,
            subnet_id=subnet_id,
            message=message,
            evidence=list(evidence),
            remediation=remediation,
            doc_url=self.doc_url,
            fingerprint=fingerprint(
                self.code, ids, status.value, target or "", subnet_id or "", *key
            ),
        )

    def fail(self, message: str, **kwargs: Unpack[FindingArgs]) -> Finding:
        """A problem was found."""
        return self.finding(FindingStatus.FAIL, message, **kwargs)

    def passed(self, message: str, **kwargs: Unpack[FindingArgs]) -> Finding:
        """The thing was checked and is fine."""
        return self.finding(FindingStatus.PASS, message, **kwargs)

    def skipped(self, reason: str, **kwargs: Unpack[FindingArgs]) -> Finding:
        """The input could not be read: say why, never report clean."""
        kwargs.setdefault("key", (reason,))
        return self.finding(FindingStatus.SKIPPED, f"Not checked: {reason}.", **kwargs)


def crashed(rule: type[Rule], error: BaseException) -> Finding:
    """The `error` finding for a rule whose check raised; the run goes on."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    detail = f"{type(error).__name__}: {text}" if text else type(error).__name__
    return Finding(
        code=rule.code,
        name=rule.name,
        title=rule.title,
        severity=Severity.LOW,
        status=FindingStatus.ERROR,
        causes=list(rule.causes),
        message=f"The {rule.code} check crashed ({detail}); its result is unknown.",
        evidence=[Evidence(source="vpcprobe", observed=detail)],
        doc_url=rule.doc_url,
        fingerprint=fingerprint(rule.code, [], "error", type(error).__name__),
    )


def _unique(refs: Iterable[ResourceRef]) -> list[ResourceRef]:
    seen: set[tuple[str, str | None]] = set()
    out: list[ResourceRef] = []
    for ref in refs:
        if (ref.id, ref.rule) not in seen:
            seen.add((ref.id, ref.rule))
            out.append(ref)
    return out
