"""One module per `vpcprobe` subcommand, listed explicitly: NAME, HELP, add_arguments, run."""

from vpcprobe_collector.commands import (
    analyze,
    audit,
    deploy,
    destroy,
    diagnose,
    explain,
    path,
    probe,
    rules,
    snapshot,
    unwrap,
    wrap,
)

COMMANDS = (
    diagnose,
    audit,
    path,
    probe,
    snapshot,
    analyze,
    deploy,
    destroy,
    wrap,
    unwrap,
    rules,
    explain,
)
