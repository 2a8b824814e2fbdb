"""Builds the vpcprobe Lambda layer from this installation (the vpcprobe package as installed,
plus the pinned requirements shipped beside this module), for one Python and architecture.

Used by `vpcprobe layer build`, by `deploy`/`wrap` when no --layer-zip is given (cached per
version, Python and architecture), and by `make layer` / `sam build` through
layer/build_layer.py. Only the standard library is imported: `sam build` runs it with a bare
python3. pip downloads the target platform's wheels from the package index.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import vpcprobe

FILES = Path(__file__).resolve().parent / "layer_files"
PACKAGE = Path(vpcprobe.__file__).resolve().parent
REQUIREMENTS = FILES / "requirements.txt"
WRAPPER = FILES / "vpcprobe-wrapper"  # lands at /opt/vpcprobe-wrapper
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
HANDLER = "python/vpcprobe/handler.py"
_CORE = re.compile(
    r"python/pydantic_core/_pydantic_core\.cpython-(3)(\d+)-(x86_64|aarch64)-linux-gnu\.so"
)
Say = Callable[[str], None]


class BuildError(Exception):
    """The layer could not be built; the message says why."""


def compile_wanted() -> bool:
    """Bytecode ships by default; COMPILE=0 (or false, no, off) opts out. An empty COMPILE
    (`make layer COMPILE=`) is not an opt-out."""
    return os.environ.get("COMPILE", "").strip().lower() not in ("0", "false", "no", "off")


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
    """A working `pythonX.Y` for the target version: this one, one on PATH, or one pyenv
    installed but did not put first (its shim then fails), newest first; else None."""
    if f"{sys.version_info.major}.{sys.version_info.minor}" == python:
        return sys.executable
    on_path = shutil.which(f"python{python}")
    for candidate in ([on_path] if on_path else []) + pyenv_interpreters(python):
        if _answers(candidate, python):
            return candidate
    return None


def pyenv_interpreters(python: str) -> list[str]:
    """`$PYENV_ROOT/versions/X.Y.Z/bin/pythonX.Y` for every X.Y.Z pyenv holds, newest first."""
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    found: list[tuple[tuple[int, ...], str]] = []
    with contextlib.suppress(OSError):
        for version in root.iterdir():
            parts = version.name.split(".")
            if parts[:2] != python.split(".") or not all(p.isdigit() for p in parts):
                continue
            binary = version / "bin" / f"python{python}"
            if binary.is_file():
                found.append((tuple(int(p) for p in parts), str(binary)))
    return [binary for _, binary in sorted(found, reverse=True)]


def _answers(candidate: str, python: str) -> bool:
    try:
        probe = subprocess.run(
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.stdout.strip() == python


def no_bytecode_note(python: str, opt_out: str = "COMPILE=0") -> str:
    """The one line said when no interpreter of the target Python is here to compile with."""
    return (
        f"no python{python} here, so the probe layer ships sources only (each cold start "
        f"compiles them): install Python {python} with python{python} on PATH (e.g. "
        f"`uv python install {python}` or your OS's python{python} package) to ship bytecode, "
        f"or {opt_out} to ship sources on purpose"
    )


def compile_bytecode(site: Path, python: str) -> None:
    """Precompile for the target Python (Lambda's /opt is read-only: no .pyc written there).

    unchecked-hash pycs carry no timestamps, so the zip stays reproducible; tracebacks name
    /opt/python, where the layer lands.
    """
    interpreter = find_interpreter(python)
    if interpreter is None:
        raise BuildError(
            f"bytecode for Python {python} needs a python{python} interpreter on PATH "
            "(or build with COMPILE=0 / --no-compile: the layer then compiles on each cold start)"
        )
    command = [interpreter, "-m", "compileall", "-q", "-j", "0", "-d", "/opt/python"]
    command += ["--invalidation-mode", "unchecked-hash", str(site)]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise BuildError("compileall failed: " + (completed.stdout + completed.stderr)[-300:])


def build_tree(
    root: Path, arch: str, python: str, *, compile_pyc: bool = True, strict: bool = False
) -> None:
    """Lay out the layer's content in `root`: python/ with everything, the wrapper at the top.

    Bytecode needs an interpreter of the target Python: without one the build fails when
    `strict` (bytecode asked for explicitly) and otherwise goes on without it, saying so.
    """
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
    if compile_pyc and (strict or find_interpreter(python) is not None):
        compile_bytecode(site, python)
    elif compile_pyc:
        print(f"vpcprobe: note: {no_bytecode_note(python, 'pass --no-compile')}", file=sys.stderr)
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


def inspect_zip(path: Path) -> set[tuple[str, str]]:
    """The (Python, architecture) pairs a layer zip can serve; BuildError saying why it is no
    probe layer (not a zip, no python/vpcprobe/handler.py, no pydantic_core for any Python)."""
    if not path.is_file():
        raise BuildError(f"{path}: no such file")
    if not zipfile.is_zipfile(path):
        raise BuildError(f"{path} is not a zip file")
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError) as error:
        raise BuildError(f"{path} cannot be read as a zip ({error})") from error
    if HANDLER not in names:
        raise BuildError(f"{path} is not a vpcprobe layer: it holds no {HANDLER}")
    served = set()
    for name in names:
        found = _CORE.fullmatch(name)
        if found:
            machine = found[3]
            served.add((f"{found[1]}.{found[2]}", "arm64" if machine == "aarch64" else machine))
    if not served:
        raise BuildError(f"{path} holds no pydantic_core extension for any Python or architecture")
    return served


def source_digest() -> str:
    """A short hash of what goes into the layer from here: the probe's source, the pinned
    requirements and the wrapper (so a changed checkout never reuses a stale cached layer)."""
    digest = hashlib.sha256()
    for path in [*sorted(PACKAGE.rglob("*.py")), REQUIREMENTS, WRAPPER]:
        digest.update(path.relative_to(path.parents[1]).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def cache_dir() -> Path:
    """VPCPROBE_CACHE_DIR, else the platform's user cache directory (as platformdirs puts it)."""
    override = os.environ.get("VPCPROBE_CACHE_DIR")
    if override:
        return Path(override)
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "vpcprobe"
    if os.name == "nt":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "vpcprobe" / "Cache"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "vpcprobe"


def build_zip(
    archive: Path, arch: str, python: str, *, compile_pyc: bool = True, strict: bool = False
) -> tuple[int, int, int]:
    """Build the layer zip at `archive`; return (files, unzipped bytes, zipped bytes)."""
    with tempfile.TemporaryDirectory(prefix="vpcprobe-layer-") as scratch:
        build_tree(Path(scratch), arch, python, compile_pyc=compile_pyc, strict=strict)
        return write_zip(Path(scratch), archive)


def cached_layer(arch: str, python: str, say: Say = lambda _message: None) -> Path:
    """The layer zip for this version, Python and architecture from the user cache, built
    there first when missing (bytecode unless COMPILE=0)."""
    compile_pyc = compile_wanted()
    # Without an interpreter of the target Python the layer ships sources only: its cache
    # entry must say so, never stand in for a compiled one later.
    compiled = compile_pyc and find_interpreter(python) is not None
    key = f"{vpcprobe.__version__}-{source_digest()}{'' if compiled else '-nopyc'}"
    archive = cache_dir() / "layers" / key / archive_name(arch, python)
    if archive.is_file():
        say(f"using the cached probe layer {archive}")
        return archive
    say(f"building the probe layer for python{python} {arch} into {archive} (downloads wheels)")
    if compile_pyc and not compiled:
        say(no_bytecode_note(python))
    build_zip(archive, arch, python, compile_pyc=compiled)  # the note is said once, here
    return archive


@dataclass(frozen=True)
class Built:
    """What a build produced, for the one line that reports it."""

    path: Path
    files: int
    unzipped: int
    zipped: int

    def describe(self) -> str:
        """`FILE: N files, X MB zipped, Y MB unzipped`."""
        return (
            f"{self.path}: {self.files} files, {self.zipped / 1e6:.2f} MB zipped, "
            f"{self.unzipped / 1e6:.2f} MB unzipped"
        )
