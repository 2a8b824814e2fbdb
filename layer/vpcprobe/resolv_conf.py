"""Reads /etc/resolv.conf tolerantly: servers (even ones named in comments), search, options."""

from __future__ import annotations

import os
import re
from typing import TextIO

from vpcprobe.facts import ResolvConf, is_ip

PATH_VARIABLE = "VPCPROBE_RESOLV_CONF"
DEFAULT_PATH = "/etc/resolv.conf"
MAX_BYTES = 64 * 1024  # a real resolv.conf is a few hundred bytes; never read a huge file whole

# Lambda writes the VPC's DHCP servers as comments ("; configured nameserver 10.1.1.10")
# above the forwarder it actually uses ("nameserver 169.254.78.1").
_CONFIGURED = re.compile(r"^[;#]\s*configured\s+name\s*servers?\s*:?\s*(.+)$", re.IGNORECASE)


def resolv_conf_path() -> str:
    """The file to read: $VPCPROBE_RESOLV_CONF (for tests and diagnosis) or /etc/resolv.conf."""
    return os.environ.get(PATH_VARIABLE) or DEFAULT_PATH


def _server(text: str) -> str | None:
    """The address if `text` is an IP address (IPv6 may carry a %scope), else None."""
    return text if is_ip(text) else None


def _option(token: str) -> tuple[str, int | bool | str]:
    name, sep, value = token.partition(":")
    if not sep:
        return name, True
    try:
        return name, int(value)
    except ValueError:
        return name, value


def _append_unique(values: list[str], value: str) -> None:
    if value not in values:
        values.append(value)


def parse(source: str | TextIO, path: str = "<text>") -> ResolvConf:
    """Parse resolv.conf text (or a file object) into facts; never raise on odd content.

    Lines that mean nothing to the resolver and are not comments end up in
    `unparsed_lines`, so a reader can see exactly what was ignored.
    """
    raw = source if isinstance(source, str) else source.read(MAX_BYTES)
    raw = raw[:MAX_BYTES]
    conf = ResolvConf(path=path, found=True, raw=raw)
    if not raw.strip():
        conf.error = "the file is empty"
        return conf
    for original in raw.splitlines():
        line = original.strip()
        if not line:
            continue
        if line[0] in ";#":
            match = _CONFIGURED.match(line)
            if match:
                for token in match.group(1).replace(",", " ").split():
                    server = _server(token)
                    if server:
                        _append_unique(conf.configured_nameservers, server)
            continue
        # glibc ignores anything after a comment character on a keyword line.
        fields = re.split(r"[;#]", line, maxsplit=1)[0].split()
        keyword, args = fields[0].lower(), fields[1:]
        if keyword == "nameserver" and len(args) >= 1 and _server(args[0]):
            conf.nameservers.append(args[0])
        elif keyword == "search" and args:
            conf.search = args  # the last search/domain line wins, as in glibc
            conf.domain = None
        elif keyword == "domain" and len(args) == 1:
            conf.domain = args[0]
            conf.search = [args[0]]
        elif keyword == "options" and args:
            conf.options.update(_option(token) for token in args)
        else:
            conf.unparsed_lines.append(original[:200])
    return conf


def read(path: str | None = None) -> ResolvConf:
    """Read and parse the resolv.conf file; a missing or unreadable file is reported, not raised."""
    path = path or resolv_conf_path()
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:  # noqa: PTH123
            return parse(handle, path)
    except OSError as exc:
        return ResolvConf(path=path, found=False, error=f"{type(exc).__name__}: {exc.strerror}")
