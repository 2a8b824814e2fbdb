"""`vpcprobe layer build`: the probe layer zip, built from this installation."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from vpcprobe_collector.errors import BadInputError

NAME = "layer"
HELP = "build the probe layer zip from this installation (for deploy, wrap or SAM)"
DESCRIPTION = """\
Build the probe layer zip from the installed vpcprobe package and its pinned dependencies
(pip downloads the wheels for the target platform). Bytecode ships beside the sources
unless --no-compile or COMPILE=0; it needs an interpreter of the target Python.

examples:
  vpcprobe layer build                                   # python3.13, x86_64, into dist/
  vpcprobe layer build --python 3.12 --arch arm64 --output probe-layer.zip
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """`build` and its options."""
    actions = parser.add_subparsers(dest="layer_action", metavar="ACTION", required=True)
    build = actions.add_parser("build", help="build the layer zip", description=DESCRIPTION,
                               formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    build.add_argument("--python", choices=("3.11", "3.12", "3.13", "3.14"), default="3.13",
                       help="the function's Python (default 3.13)")  # fmt: skip
    build.add_argument("--arch", choices=("x86_64", "arm64"), default="x86_64",
                       help="the function's architecture (default x86_64)")  # fmt: skip
    build.add_argument("--output", type=Path, metavar="FILE",
                       help="the zip to write (default dist/<the usual name>.zip)")  # fmt: skip
    compiled = build.add_mutually_exclusive_group()
    compiled.add_argument("--compile", action="store_true",
                          help="require bytecode (fail when it cannot be compiled)")  # fmt: skip
    compiled.add_argument("--no-compile", action="store_true", help="ship sources only")
    from vpcprobe_collector.cli import add_global_options  # loaded: it is building this parser

    add_global_options(build, suppress=True)  # `layer build --color never` as anywhere else


def run(args: argparse.Namespace) -> int:
    """Build the zip and say where it is and how big."""
    from vpcprobe_collector import layer_build

    output = args.output or Path("dist") / layer_build.archive_name(args.arch, args.python)
    if output.suffix.lower() != ".zip":
        raise BadInputError(f"--output {output}: name a .zip file")
    if not output.parent.exists():
        output.parent.mkdir(parents=True)
    compile_pyc = args.compile or (not args.no_compile and layer_build.compile_wanted())
    print(f"vpcprobe: building the probe layer for python{args.python} {args.arch} "
          "(downloads wheels)", file=sys.stderr, flush=True)  # fmt: skip
    previous = os.umask(0o022)
    try:
        count, unzipped, zipped = layer_build.build_zip(
            output, args.arch, args.python, compile_pyc=compile_pyc, strict=args.compile
        )
    except layer_build.BuildError as error:
        raise BadInputError(f"building the layer failed: {error}") from error
    finally:
        os.umask(previous)
    print(layer_build.Built(output, count, unzipped, zipped).describe())
    return 0
