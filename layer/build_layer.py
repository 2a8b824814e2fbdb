"""Builds the vpcprobe Lambda layer for one architecture and Python version (zip or directory)."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import NoReturn

LAYER = Path(__file__).resolve().parent
PACKAGE = LAYER / "vpcprobe"
REQUIREMENTS = LAYER / "requirements.txt"
WRAPPER = LAYER / "vpcprobe-wrapper"  # lands at /opt/vpcprobe-wrapper
PLATFORMS = {"x86_64": "manylinux2014_x86_64", "arm64": "manylinux2014_aarch64"}
MACHINES = {"x86_64": "x86_64", "arm64": "aarch64"}
# "both": one layer for either architecture. Only pydantic-core is compiled, and Python loads
# the extension whose suffix names its own machine, so the two builds sit side by side.
BOTH = "both"
ARCHES = (*PLATFORMS, BOTH)
PYTHONS = ("3.11", "3.12", "3.13", "3.14")
# Installer bookkeeping nobody reads inside Lambda; METADATA and licences stay (importlib.metadata).
DIST_INFO_BLOAT = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed, so the same input gives the same zip


class BuildError(Exception):
    """The layer could not be built; the message says why."""


def _fail(message: str) -> NoReturn:
    print(f"build_layer: error: {message}", file=sys.stderr)
    raise SystemExit(1)


def install_dependencies(
    site: Path, arch: str, python: str, requirements: Path = REQUIREMENTS
) -> None:
    """Install the pinned requirements for the target platform into `site` (wheels only)."""
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-compile",
        "--no-deps",  # requirements.txt pins every dependency itself
        "--only-binary=:all:",
        "--platform",
        PLATFORMS[arch],
        "--implementation",
        "cp",
        "--python-version",
        python,
        "--target",
        str(site),
        "--requirement",
        str(requirements),
    ]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        detail = (completed.stderr or completed.stdout).strip().splitlines()
        raise BuildError("pip install failed: " + (detail[-1] if detail else "no output"))


def strip(site: Path) -> None:
    """Remove bytecode caches, console scripts and installer bookkeeping."""
    for cache in sorted(site.rglob("__pycache__"), reverse=True):
        shutil.rmtree(cache, ignore_errors=True)
    for compiled in site.rglob("*.py[co]"):
        compiled.unlink()
    shutil.rmtree(site / "bin", ignore_errors=True)
    for info in site.glob("*.dist-info"):
        for name in DIST_INFO_BLOAT:
            (info / name).unlink(missing_ok=True)


def check_native(site: Path, arch: str, python: str) -> None:
    """Fail unless pydantic's compiled core matches the target Python and architecture(s)."""
    cores = [p.name for p in site.glob("pydantic_core/_pydantic_core*.so")]
    for one in PLATFORMS if arch == BOTH else (arch,):
        tag = f"cpython-{python.replace('.', '')}-{MACHINES[one]}-linux-gnu"
        if not any(tag in name for name in cores):
            raise BuildError(f"pydantic_core for {tag} not found (got {cores or 'nothing'})")


def add_arm64_core(site: Path, python: str) -> None:
    """Put pydantic-core's arm64 extension beside the x86_64 one already in `site`."""
    pins = [
        line.strip()
        for line in REQUIREMENTS.read_text(encoding="utf-8").splitlines()
        if re.match(r"pydantic[-_]core==", line.strip())
    ]
    if len(pins) != 1:
        raise BuildError("requirements.txt must pin pydantic-core exactly once")
    with tempfile.TemporaryDirectory(prefix="vpcprobe-arm64-") as scratch:
        only_core = Path(scratch) / "requirements.txt"
        only_core.write_text(pins[0] + "\n", encoding="utf-8")
        arm64 = Path(scratch) / "site"
        install_dependencies(arm64, "arm64", python, only_core)
        for extension in arm64.glob("pydantic_core/_pydantic_core*.so"):
            shutil.copyfile(extension, site / "pydantic_core" / extension.name)


def find_interpreter(python: str) -> str | None:
    """A working `pythonX.Y` on PATH for the target version, or None."""
    candidate = shutil.which(f"python{python}")
    if candidate is None:
        return None
    probe = subprocess.run(
        [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=False,
    )
    return candidate if probe.stdout.strip() == python else None


def compile_bytecode(site: Path, python: str) -> None:
    """Precompile for the target Python (Lambda's /opt is read-only: no .pyc written there).

    unchecked-hash pycs carry no timestamps, so the zip stays reproducible; tracebacks name
    /opt/python, where the layer lands.
    """
    interpreter = find_interpreter(python)
    if interpreter is None:
        raise BuildError(f"--compile needs a python{python} interpreter on PATH")
    command = [interpreter, "-m", "compileall", "-q", "-j", "0", "-d", "/opt/python"]
    command += ["--invalidation-mode", "unchecked-hash", str(site)]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise BuildError("compileall failed: " + (completed.stdout + completed.stderr)[-300:])


def build_tree(root: Path, arch: str, python: str, *, compile_pyc: bool = False) -> None:
    """Lay out the layer's content in `root`: python/ with everything, the wrapper at the top."""
    site = root / "python"
    site.mkdir(parents=True, exist_ok=True)
    install_dependencies(site, "x86_64" if arch == BOTH else arch, python)
    if arch == BOTH:
        add_arm64_core(site, python)
    target = site / "vpcprobe"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(PACKAGE, target, ignore=shutil.ignore_patterns("__pycache__", "*.py[co]"))
    strip(site)
    check_native(site, arch, python)
    if compile_pyc:
        compile_bytecode(site, python)
    if WRAPPER.is_file():
        shutil.copyfile(WRAPPER, root / WRAPPER.name)
        (root / WRAPPER.name).chmod(0o755)


def write_zip(root: Path, archive: Path) -> tuple[int, int, int]:
    """Zip `root` deterministically (sorted, fixed dates, modes kept); return files, sizes."""
    files = sorted((p for p in root.rglob("*") if p.is_file()), key=lambda p: p.as_posix())
    unzipped = 0
    archive.parent.mkdir(parents=True, exist_ok=True)
    partial = archive.with_suffix(".zip.partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zipped:
        for path in files:
            info = zipfile.ZipInfo(path.relative_to(root).as_posix(), date_time=ZIP_DATE)
            executable = path.stat().st_mode & stat.S_IXUSR
            info.external_attr = (stat.S_IFREG | (0o755 if executable else 0o644)) << 16
            info.create_system = 3  # unix, so Lambda keeps the modes
            info.compress_type = zipfile.ZIP_DEFLATED
            data = path.read_bytes()
            unzipped += len(data)
            zipped.writestr(info, data, compresslevel=9)
    partial.replace(archive)
    return len(files), unzipped, archive.stat().st_size


def archive_name(arch: str, python: str) -> str:
    """dist file name: the Python version and the architecture are part of it."""
    return f"vpcprobe-layer-python{python}-{arch}.zip"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def main(argv: list[str] | None = None) -> int:
    """Build the layer zip into --output, or the layer tree into --layer-dir (sam build)."""
    parser = _Parser(prog="build_layer.py", description=__doc__)
    parser.add_argument(
        "--arch",
        choices=ARCHES,
        default="x86_64",
        help=f"{BOTH!r}: one layer for x86_64 and arm64 functions (sam build uses it)",
    )
    parser.add_argument("--python", choices=PYTHONS, default="3.13")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--output", type=Path, default=Path("dist"), help="zip into this folder")
    where.add_argument(
        "--layer-dir", type=Path, help="write the layer's content here instead of a zip"
    )
    parser.add_argument(
        "--compile",
        action="store_true",
        help="ship .pyc files compiled by pythonX.Y from PATH (faster cold starts; off by "
        "default: the layer carries no __pycache__)",
    )
    args = parser.parse_args(argv)
    if not re.fullmatch(r"3\.1[1-4]", args.python):
        parser.error(f"unsupported Python {args.python}")
    try:
        if args.layer_dir is not None:
            build_tree(args.layer_dir, args.arch, args.python, compile_pyc=args.compile)
            print(f"layer for python{args.python} {args.arch} written to {args.layer_dir}")
            return 0
        with tempfile.TemporaryDirectory(prefix="vpcprobe-layer-") as scratch:
            build_tree(Path(scratch), args.arch, args.python, compile_pyc=args.compile)
            archive = args.output / archive_name(args.arch, args.python)
            count, unzipped, zipped = write_zip(Path(scratch), archive)
    except BuildError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"{exc.strerror or exc}: {exc.filename or ''}".strip())
    print(
        f"{archive}: {count} files, {zipped / 1e6:.2f} MB zipped, {unzipped / 1e6:.2f} MB unzipped"
    )
    return 0


if __name__ == "__main__":
    os.umask(0o022)
    sys.exit(main())
