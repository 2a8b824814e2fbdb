"""`make golden`: write every scenario's inputs and expected outputs to tests/scenarios/<name>/."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.scenarios.catalog import SCENARIOS, Scenario
from tests.scenarios.golden import expected_json, expected_text, passed_count

HERE = Path(__file__).parent


def write(name: str, scenario: Scenario, root: Path = HERE) -> None:
    """Write one scenario folder: snapshot, probe reports, targets, failures, expectations."""
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("probe-*.json"):
        old.unlink()
    (folder / "snapshot.json").write_text(scenario.snapshot.model_dump_json(indent=2) + "\n")
    for i, report in enumerate(scenario.reports, start=1):
        (folder / f"probe-{i}.json").write_text(report.model_dump_json(indent=2) + "\n")
    targets = {
        "targets": [t.model_dump(exclude_defaults=True) for t in scenario.targets],
        "probe_failures": [f.model_dump(mode="json", exclude_none=True) for f in scenario.failures],
        "cause": scenario.cause,
    }
    (folder / "targets.json").write_text(json.dumps(targets, indent=2) + "\n")
    (folder / "expected.json").write_text(expected_json(folder))
    (folder / "expected.txt").write_text(expected_text(folder))


def write_passed(names: list[str], root: Path = HERE) -> None:
    """Update passed.json (scenario -> number of passed checks) for `names`."""
    path = root / "passed.json"
    counts = json.loads(path.read_text()) if path.exists() else {}
    counts.update({name: passed_count(root / name) for name in names})
    counts = {name: counts[name] for name in sorted(counts) if name in SCENARIOS}
    path.write_text(json.dumps(counts, indent=2) + "\n")


def main() -> int:
    """Regenerate every scenario (or the ones named on the command line)."""
    names = sys.argv[1:] or list(SCENARIOS)
    for name in names:
        write(name, SCENARIOS[name]())
    write_passed(names)
    print(f"{len(names)} scenario(s) written under {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
