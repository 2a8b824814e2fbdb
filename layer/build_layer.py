"""Builds the vpcprobe Lambda layer from this checkout (zip or directory): `make layer` and
`sam build` run it. The build itself lives in the installed package
(vpcprobe_collector/layer_build.py, also behind `vpcprobe layer build`); this script only
puts the checkout on sys.path, so a bare python3 (as sam build uses) can run it.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path
from typing import NoReturn

ROOT = Path(__file__).resolve().parents[1]
for folder in (ROOT / "layer", ROOT / "collector"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from vpcprobe_collector import layer_build  # noqa: E402  (after the sys.path set-up)

BuildError = layer_build.BuildError
build_tree = layer_build.build_tree
write_zip = layer_build.write_zip
archive_name = layer_build.archive_name


def _fail(message: str) -> NoReturn:
    print(f"build_layer: error: {message}", file=sys.stderr)
    raise SystemExit(1)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def main(argv: list[str] | None = None) -> int:
    """Build the layer zip into --output, or the layer tree into --layer-dir (sam build)."""
    parser = _Parser(prog="build_layer.py", description=__doc__)
    parser.add_argument(
        "--arch",
        choices=layer_build.ARCHES,
        default="x86_64",
        help=f"{layer_build.BOTH!r}: one layer for x86_64 and arm64 functions (sam build uses it)",
    )
    parser.add_argument("--python", choices=layer_build.PYTHONS, default="3.13")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--output", type=Path, default=Path("dist"), help="zip into this folder")
    where.add_argument(
        "--layer-dir", type=Path, help="write the layer's content here instead of a zip"
    )
    compiled = parser.add_mutually_exclusive_group()
    compiled.add_argument(
        "--compile",
        action="store_true",
        help="ship .pyc files (the default unless COMPILE=0): faster cold starts",
    )
    compiled.add_argument(
        "--no-compile", action="store_true", help="ship sources only (as COMPILE=0)"
    )
    args = parser.parse_args(argv)
    if not re.fullmatch(r"3\.1[1-4]", args.python):
        parser.error(f"unsupported Python {args.python}")
    compile_pyc = args.compile or (not args.no_compile and layer_build.compile_wanted())
    try:
        if args.layer_dir is not None:
            build_tree(
                args.layer_dir, args.arch, args.python, compile_pyc=compile_pyc, strict=args.compile
            )
            print(f"layer for python{args.python} {args.arch} written to {args.layer_dir}")
            return 0
        archive = args.output / archive_name(args.arch, args.python)
        count, unzipped, zipped = layer_build.build_zip(
            archive, args.arch, args.python, compile_pyc=compile_pyc, strict=args.compile
        )
    except BuildError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"{exc.strerror or exc}: {exc.filename or ''}".strip())
    print(layer_build.Built(archive, count, unzipped, zipped).describe())
    return 0


if __name__ == "__main__":
    os.umask(0o022)
    sys.exit(main())
