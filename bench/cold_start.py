"""Cold start of what ships: the built layer, extracted read-only, in fresh processes.

Builds the layer with the installed build (vpcprobe_collector.layer_build, bytecode as shipped
by default) for Python 3.13, the Python the probe is deployed with, where `python3.13` is on
PATH (`make pythons` puts Debian's there), else for this interpreter's; `--python X.Y` picks
another. Extracts it into a read-only directory and measures CPU seconds (user + system,
children's rusage) of fresh `python -S` processes of that Python whose sys.path is only the
standard library, the layer's python/ and a folder holding boto3 and its dependencies, compiled
for that Python (as the Lambda runtime provides them). Paired and interleaved with two floors
measured in the same run and interpreter: a handler that imports only json, and `import boto3`
alone. The same layer without its __pycache__ is measured beside it. The probe logs at INFO,
as template.yaml deploys it (one JSON line per step, to /dev/null here).

Goals: first invocation (two loopback targets, no Logs call) <= 6x the bare-handler floor;
`import vpcprobe.handler` <= 0.6x `import boto3`.
Run: .venv/bin/python bench/cold_start.py [--rounds N] [--python X.Y] [--json]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import socket
import stat
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from figures import Figure, emit

from vpcprobe_collector import layer_build

RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six.py", "urllib3")
FIRST_GOAL = 6.0
IMPORT_GOAL = 0.6
BARE = "import json\ndef handler(event, context):\n    return json.dumps({'ok': True})\n"
FIRST = """
import json, os, sys, time
class Context:
    def __init__(self):
        self._end = time.monotonic() + 10
    def get_remaining_time_in_millis(self):
        return int((self._end - time.monotonic()) * 1000)
from vpcprobe.handler import handler
event = {{"targets": ["127.0.0.1:{port}", "127.0.0.1:{closed}"], "aws": {{"logs": False}},
         "default_names": False, "record_types": ["A"], "timeout_s": 1}}
report = handler(event, Context())
assert [t["status"] for t in report["tcp"]] == ["open", "refused"], report["tcp"]
"""


def cpu_seconds(command: list[str], env: dict[str, str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def read_only(root: Path) -> None:
    """Like /opt in Lambda: nothing can be written (no .pyc lands beside the sources)."""
    for path in sorted(root.rglob("*"), reverse=True):
        mode = path.stat().st_mode
        path.chmod(stat.S_IMODE(mode) & ~0o222)
    root.chmod(0o555)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--python", help="the layer's Python (default: 3.13, as deployed, if here; else this one's)"
    )
    args = parser.parse_args()
    python = args.python or (
        "3.13"
        if layer_build.find_interpreter("3.13")
        else f"{sys.version_info.major}.{sys.version_info.minor}"
    )
    interpreter = layer_build.find_interpreter(python)
    if interpreter is None:
        print(f"cold_start: no python{python} on PATH (make pythons)", file=sys.stderr)
        return 2
    arch = {"x86_64": "x86_64", "aarch64": "arm64"}.get(platform.machine(), "x86_64")
    import boto3

    site = Path(boto3.__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory(prefix="vpcprobe-cold-") as scratch:
        base = Path(scratch)
        archive = base / layer_build.archive_name(arch, python)
        layer_build.build_zip(archive, arch, python, compile_pyc=True, strict=True)
        layers = {"bytecode": base / "opt", "sources only": base / "opt-nopyc"}
        with zipfile.ZipFile(archive) as zipped:
            zipped.extractall(layers["bytecode"])
        shutil.copytree(layers["bytecode"], layers["sources only"])
        for cache in layers["sources only"].rglob("__pycache__"):
            shutil.rmtree(cache)
        runtime = base / "runtime"
        runtime.mkdir()
        for name in RUNTIME_PACKAGES:
            if interpreter == sys.executable:  # this venv's copies, with their bytecode
                (runtime / name).symlink_to(site / name)
            elif (site / name).is_dir():
                shutil.copytree(
                    site / name, runtime / name, ignore=shutil.ignore_patterns("__pycache__")
                )
            else:
                shutil.copyfile(site / name, runtime / name)
        if interpreter != sys.executable:
            compile_runtime = [interpreter, "-m", "compileall", "-q", "-j", "0", str(runtime)]
            subprocess.run(compile_runtime, stdout=subprocess.DEVNULL, check=True)
        (base / "bare").mkdir()
        (base / "bare" / "bare_handler.py").write_text(BARE, encoding="utf-8")
        for folder in (*layers.values(), base / "bare"):
            read_only(folder)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PYTHONDONTWRITEBYTECODE": "1",
            "VPCPROBE_RESOLV_CONF": os.devnull,
            "VPCPROBE_FORWARDER": "",
            # As template.yaml ships the probe: one JSON log line per step is written.
            "POWERTOOLS_LOG_LEVEL": "INFO",
        }

        def command(path: Path, code: str) -> list[str]:
            prefix = f"import sys; sys.path[:0] = [{str(path)!r}, {str(runtime)!r}]\n"
            return [interpreter, "-S", "-c", prefix + code]

        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        closed = socket.socket()
        closed.bind(("127.0.0.1", 0))
        port, closed_port = listener.getsockname()[1], closed.getsockname()[1]
        closed.close()
        first = FIRST.format(port=port, closed=closed_port)
        runs = {
            "bare handler (floor)": command(
                base / "bare", "from bare_handler import handler\nhandler({}, None)"
            ),
            "import boto3 (floor)": command(base / "bare", "import boto3"),
        }
        for label, folder in layers.items():
            runs[f"import vpcprobe.handler, {label}"] = command(
                folder / "python", "import vpcprobe.handler"
            )
            runs[f"first invocation, {label}"] = command(folder / "python", first)
        times: dict[str, list[float]] = {name: [] for name in runs}
        for argv in runs.values():
            cpu_seconds(argv, env)  # warm the page cache
        for _ in range(args.rounds):
            for name, argv in runs.items():
                times[name].append(cpu_seconds(argv, env))
        listener.close()
    median = {name: statistics.median(values) for name, values in times.items()}
    bare, boto = median["bare handler (floor)"], median["import boto3 (floor)"]
    figures = [
        Figure("bare handler (floor)", round(bare * 1000, 1), "ms CPU", note=f"python{python}"),
        Figure("import boto3 (floor)", round(boto * 1000, 1), "ms CPU"),
    ]
    for label in layers:
        first_ratio = median[f"first invocation, {label}"] / bare
        import_ratio = median[f"import vpcprobe.handler, {label}"] / boto
        goal = label == "bytecode"  # what ships by default is held to the goals
        figures.append(
            Figure(
                f"first invocation / bare handler, {label}",
                round(first_ratio, 2),
                "x",
                goal=f"<= {FIRST_GOAL:g}x" if goal else None,
                met=first_ratio <= FIRST_GOAL if goal else None,
                note=f"{median[f'first invocation, {label}'] * 1000:.0f} ms CPU",
            )
        )
        figures.append(
            Figure(
                f"import vpcprobe.handler / import boto3, {label}",
                round(import_ratio, 2),
                "x",
                goal=f"<= {IMPORT_GOAL:g}x" if goal else None,
                met=import_ratio <= IMPORT_GOAL if goal else None,
                note=f"{median[f'import vpcprobe.handler, {label}'] * 1000:.0f} ms CPU",
            )
        )
    emit(figures, ["--json"] if args.json else [])
    return 0


if __name__ == "__main__":
    sys.exit(main())
