"""A small VPC on one Linux machine: network namespaces, veth, dnsmasq, nft and moto.

The lab is the stand-in for the network a Lambda function in a VPC lives in. Every address
exists only inside namespaces the lab creates; nothing is routed to the host's network, so
whatever the probe does inside the lab cannot leave the machine.

Topology (one `Lab`)::

    function ns (10.0.1.25/24)  --veth--  router ns  --veth--  one ns per host (DNS server,
    /etc/resolv.conf in Lambda's            169.254.78.1 on lo     target, Logs endpoint), each
    layout, via /etc/netns/<fn>/            dnsmasq = the Lambda   in its own /24 with the
                                            forwarder; ip_forward; router at .1
                                            nft `inet lab` tables = security groups, NACLs

API (all methods raise `LabError` with the failing command's stderr; `close()` never raises)::

    with Lab() as lab:                                  # or lab = Lab(); lab.start(); ...
        resolver = lab.add_dns_server("vpcdns", address="10.0.0.2",
                                      records={"db.corp.internal": "10.0.50.10"})
        custom = lab.add_dns_server("dhcpdns", forward_to=[resolver.address])
        lab.set_forwarder(custom.address)                # dnsmasq on 169.254.78.1
        lab.write_resolv_conf(configured=[custom.address])
        db = lab.add_target("db", ports=[5432], address="10.0.50.10")
        logs = lab.add_logs_endpoint(log_groups=["/aws/lambda/vpcprobe-lab"])   # moto
        lab.block(db.address, proto="tcp", port=5432)     # security group drop => timeout
        lab.block(db.address, proto="tcp", port=5432, action="reject")  # => refused
        lab.block_return_traffic()                        # NACL without ephemeral ports
        run = lab.run_probe_cli(["--target", "db.corp.internal:5432", "--timeout", "1"])
        run = lab.run_probe_handler({"targets": ["db.corp.internal:5432"]}, remaining_ms=3000)
        run.report                                        # a vpcprobe.models.ProbeReport
        run = lab.probe("handler", targets=[...], timeout_s=1, deadline_s=2)  # or "cli"
        other = lab.add_function("10.0.2.25/24")          # a second function subnet
        lab.block("203.0.113.10", source="10.0.2.0/24")   # e.g. that subnet has no NAT route
        lab.probe("cli", targets=[...], function=other)

`Lab(ipv6=True)` gives every host and function an fd00:77:<n>::10 address as well (dns
servers answer AAAA with it when `records` lists it). Addresses are yours to choose
(`address="10.20.1.10/24"`), so a lab can mirror a real VPC's plan.

`standard_vpc(lab)` builds the usual picture (VPC resolver, custom DHCP DNS server, the
forwarder, a database and a web target, the Logs endpoint) and returns a `Vpc` naming its
parts; tests, the benchmark and the demo start from it and then break one thing.
`missing_requirements()` says why the lab cannot run here; `sweep_stale()` removes what
crashed runs left behind.
"""

from __future__ import annotations

import atexit
import contextlib
import ipaddress
import itertools
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

REPO = Path(__file__).resolve().parents[2]
LAB_DIR = Path(__file__).resolve().parent
PREFIX = "vl"
FORWARDER = "169.254.78.1"
REGION = "us-east-1"
FUNCTION_NAME = "vpcprobe-lab"
FUNCTION_ADDRESS = "10.0.1.25/24"
REQUIRED_TOOLS = ("ip", "nft", "dnsmasq")
INSTALL_HINT = "run as root: make test installs dnsmasq-base and nftables"
NETNS_ETC = Path("/etc/netns")
NETNS_RUN = Path("/run/netns")
_CAP_NET_ADMIN = 12
_CAP_SYS_ADMIN = 21  # `ip netns add/exec` mount and unshare
_STALE = re.compile(rf"^{PREFIX}(\d+)-\d+-")
_COUNTER = itertools.count(1)
_OPEN_LABS: list[Lab] = []
RUNNER_MARK = "lab-runner: "  # the handler runner's timing line on stderr

Action = Literal["drop", "reject", "unreachable"]


class LabError(RuntimeError):
    """A lab command failed; the message carries the command and its stderr."""


# ---------------------------------------------------------------------------- requirements


def _has_capability(bit: int) -> bool:
    try:
        status = Path("/proc/self/status").read_text(encoding="utf-8")
    except OSError:
        return False
    match = re.search(r"^CapEff:\s*([0-9a-f]+)$", status, re.MULTILINE)
    return bool(match) and bool(int(match.group(1), 16) >> bit & 1)


def missing_requirements() -> str | None:
    """Say what stops the lab from running here (None when it can run)."""
    if not sys.platform.startswith("linux"):
        return f"lab tests need Linux network namespaces (this is {sys.platform}); {INSTALL_HINT}"
    missing: list[str] = []
    if os.geteuid() != 0:
        missing.append("root")
    missing += [
        name
        for name, bit in (("CAP_NET_ADMIN", _CAP_NET_ADMIN), ("CAP_SYS_ADMIN", _CAP_SYS_ADMIN))
        if not _has_capability(bit)
    ]
    missing += [f"`{tool}`" for tool in REQUIRED_TOOLS if shutil.which(tool) is None]
    if missing:
        return f"lab tests need {', '.join(missing)}: {INSTALL_HINT}"
    return None


# ---------------------------------------------------------------------------- helpers


def _run(argv: Sequence[str], *, stdin: str | None = None) -> str:
    """Run a lab command; raise LabError with its stderr when it fails."""
    result = subprocess.run(
        list(argv), input=stdin, capture_output=True, text=True, timeout=30, check=False
    )
    if result.returncode != 0:
        raise LabError(f"{' '.join(argv)}: {result.stderr.strip() or result.returncode}")
    return result.stdout


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _kill_group(process: subprocess.Popen[Any], grace_s: float = 2.0) -> None:
    """Stop a process and every child it forked (it leads its own session)."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=grace_s)
    # dnsmasq forks a child per TCP connection: the group may outlive its leader.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=grace_s)


def _namespace_pids(namespace: str) -> list[int]:
    try:
        out = _run(["ip", "netns", "pids", namespace])
    except LabError:
        return []
    return [int(p) for p in out.split() if p.isdigit()]


def _delete_namespace(namespace: str) -> None:
    """Kill whatever still runs in a namespace, then delete it (and its veths, /etc dir)."""
    for pid in _namespace_pids(namespace):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(LabError):
        _run(["ip", "netns", "delete", namespace])
    shutil.rmtree(NETNS_ETC / namespace, ignore_errors=True)


def sweep_stale() -> list[str]:
    """Delete lab namespaces left by runs whose process is gone; return their names."""
    try:
        names = [p.name for p in NETNS_RUN.iterdir()]
    except OSError:
        names = []
    with contextlib.suppress(OSError):
        names += [p.name for p in NETNS_ETC.iterdir() if p.name not in names]
    swept = []
    for name in sorted(set(names)):
        match = _STALE.match(name)
        if match and not _pid_alive(int(match.group(1))):
            _delete_namespace(name)
            swept.append(name)
    return swept


def _hex_v4(address: str) -> str:
    # /proc/net/tcp prints the address as a native-endian 32-bit word.
    return f"{struct.unpack('=I', socket.inet_aton(address))[0]:08X}"


def _hex_v6(address: str) -> str:
    packed = socket.inet_pton(socket.AF_INET6, address)
    return "".join(f"{w:08X}" for w in struct.unpack("=4I", packed))


def _listening(pid: int, namespace: str, address: str, port: int) -> bool:
    """True when the process `pid`, inside `namespace`, has a TCP listener on address:port."""
    try:
        if Path(f"/proc/{pid}/ns/net").stat().st_ino != (NETNS_RUN / namespace).stat().st_ino:
            return False  # `ip netns exec` has not switched namespace yet
        v6 = ":" in address
        table = Path(f"/proc/{pid}/net/{'tcp6' if v6 else 'tcp'}").read_text(encoding="ascii")
    except OSError:
        return False
    want = f"{_hex_v6(address) if v6 else _hex_v4(address)}:{port:04X}"
    return any(
        len(f) > 3 and f[1] == want and f[3] == "0A"  # 0A: TCP_LISTEN
        for f in (line.split() for line in table.splitlines()[1:])
    )


# ---------------------------------------------------------------------------- model


@dataclass
class Host:
    """One machine in the lab: its own namespace, one address, the router as gateway."""

    name: str
    namespace: str
    address: str
    gateway: str
    prefix_len: int
    link: str  # the router-side interface
    address6: str | None = None
    processes: list[subprocess.Popen[Any]] = field(default_factory=list)

    @property
    def subnet(self) -> str:
        """The host's subnet in CIDR form."""
        return str(ipaddress.ip_interface(f"{self.address}/{self.prefix_len}").network)


@dataclass
class ProbeRun:
    """One run of the probe inside the function namespace."""

    argv: list[str]
    returncode: int
    stdout: str
    stderr: str
    wall_s: float

    @property
    def runner_timing(self) -> dict[str, Any]:
        """The handler runner's timing line (remaining_ms, returned_after_ms, threads_alive)."""
        for line in reversed(self.stderr.splitlines()):
            if line.startswith(RUNNER_MARK):
                timing: dict[str, Any] = json.loads(line[len(RUNNER_MARK) :])
                return timing
        raise LabError(f"the handler runner printed no timing line: {self.stderr[-4000:]}")

    @property
    def report(self) -> Any:
        """The ProbeReport the probe printed (a `vpcprobe.models.ProbeReport`)."""
        from vpcprobe.models import ProbeReport

        try:
            return ProbeReport.model_validate_json(self.stdout)
        except ValueError as exc:
            raise LabError(
                f"the probe printed no valid report (exit {self.returncode}): {exc}\n"
                f"stdout: {self.stdout[:2000]}\nstderr: {self.stderr[-4000:]}"
            ) from None


# ---------------------------------------------------------------------------- the lab


class Lab:
    """A router, a function namespace and any hosts added; `close()` removes all of it."""

    def __init__(
        self,
        *,
        region: str = REGION,
        function_address: str = FUNCTION_ADDRESS,
        ipv6: bool = False,
    ) -> None:
        self.id = f"{PREFIX}{os.getpid()}-{next(_COUNTER)}"
        self.region = region
        self.ipv6 = ipv6
        self.function_interface = ipaddress.ip_interface(function_address)
        self.router = f"{self.id}-rt"
        self.function = f"{self.id}-fn"
        self.functions: dict[str, ipaddress.IPv4Interface | ipaddress.IPv6Interface] = {
            self.function: self.function_interface
        }
        self.hosts: dict[str, Host] = {}
        self.workdir = Path(tempfile.mkdtemp(prefix=f"{self.id}-"))
        self._namespaces: list[str] = []
        self._processes: list[subprocess.Popen[Any]] = []
        self._forwarder: subprocess.Popen[Any] | None = None
        self._links = itertools.count(1)
        self._subnets = itertools.count(10)
        self._filtered: list[str] = []  # host namespaces with an nft input chain
        self.logs_host: Host | None = None
        self.started = False

    # -- lifecycle

    def __enter__(self) -> Lab:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> Lab:
        """Create the router and the function namespace, linked, with the forwarder address."""
        _OPEN_LABS.append(self)
        try:
            self._add_namespace(self.router)
            self._add_namespace(self.function)
            self._ns_run(self.router, "sysctl", "-qw", "net.ipv4.ip_forward=1")
            self._ip(self.router, "addr", "add", f"{FORWARDER}/32", "dev", "lo")
            gateway = str(next(self.function_interface.network.hosts()))
            self._link(self.function, "f0", self.function_interface, gateway)
            if self.ipv6:
                # `default` too: veths added later take their setting from it.
                self._ns_run(
                    self.router,
                    "sysctl", "-qw",
                    "net.ipv6.conf.all.forwarding=1", "net.ipv6.conf.default.forwarding=1",
                )  # fmt: skip
                self._link6(self.function, "f0", 1)
            nft = (
                "table inet lab {\n"
                "  chain forward { type filter hook forward priority 0; policy accept; }\n"
                "}\n"
            )
            _run(["ip", "netns", "exec", self.router, "nft", "-f", "-"], stdin=nft)
            self.write_resolv_conf(configured=[])
        except BaseException:
            self.close()
            raise
        self.started = True
        return self

    def close(self) -> None:
        """Stop every process, delete every namespace and file the lab made; never raise."""
        for process in reversed(self._processes):
            with contextlib.suppress(Exception):
                _kill_group(process)
        for namespace in reversed(self._namespaces):
            with contextlib.suppress(Exception):
                _delete_namespace(namespace)
        self._namespaces.clear()
        self._processes.clear()
        shutil.rmtree(self.workdir, ignore_errors=True)
        if self in _OPEN_LABS:
            _OPEN_LABS.remove(self)

    # -- plumbing

    def _add_namespace(self, namespace: str) -> None:
        self._namespaces.append(namespace)  # recorded first: close() removes half-made ones
        _run(["ip", "netns", "add", namespace])
        if self.ipv6:
            # No duplicate address detection: link-local addresses stay "tentative" for a
            # second otherwise, and neighbour discovery (hence forwarding) waits for them.
            self._ns_run(
                namespace,
                "sysctl", "-qw",
                "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0",
            )  # fmt: skip
        self._ip(namespace, "link", "set", "lo", "up")

    def _ip(self, namespace: str, *args: str) -> str:
        return _run(["ip", "-n", namespace, *args])

    def _ns_run(self, namespace: str, *argv: str) -> str:
        return _run(["ip", "netns", "exec", namespace, *argv])

    def _link(
        self,
        namespace: str,
        router_side: str,
        interface: ipaddress.IPv4Interface | ipaddress.IPv6Interface,
        gateway: str,
    ) -> None:
        # The veth pair is created inside the router namespace with its peer moved straight
        # into the host's: no interface ever exists in the root namespace.
        self._ip(
            self.router, "link", "add", router_side, "type", "veth",
            "peer", "name", "eth0", "netns", namespace,
        )  # fmt: skip
        prefix = interface.network.prefixlen
        self._ip(self.router, "addr", "add", f"{gateway}/{prefix}", "dev", router_side)
        self._ip(self.router, "link", "set", router_side, "up")
        self._ip(namespace, "addr", "add", str(interface), "dev", "eth0")
        self._ip(namespace, "link", "set", "eth0", "up")
        self._ip(namespace, "route", "add", "default", "via", gateway)

    def _link6(self, namespace: str, router_side: str, index: int) -> str:
        address = f"fd00:77:{index:x}::10"
        self._ip(
            self.router,
            "-6",
            "addr",
            "add",
            f"fd00:77:{index:x}::1/64",
            "dev",
            router_side,
            "nodad",
        )
        self._ip(namespace, "-6", "addr", "add", f"{address}/64", "dev", "eth0", "nodad")
        self._ip(namespace, "-6", "route", "add", "default", "via", f"fd00:77:{index:x}::1")
        return address

    def spawn(
        self,
        namespace: str,
        argv: Sequence[str],
        *,
        log_name: str,
        env: Mapping[str, str] | None = None,
    ) -> subprocess.Popen[Any]:
        """Start a long-running process inside a namespace, in its own process group."""
        log = (self.workdir / f"{log_name}.log").open("wb")
        try:
            process = subprocess.Popen(
                ["ip", "netns", "exec", namespace, *argv],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=dict(env) if env is not None else _base_env(self.workdir),
                start_new_session=True,
            )
        finally:
            log.close()
        self._processes.append(process)
        return process

    def _wait_listening(
        self,
        process: subprocess.Popen[Any],
        namespace: str,
        address: str,
        ports: Iterable[int],
        *,
        what: str,
        timeout_s: float = 30.0,
    ) -> None:
        pending = set(ports)
        deadline = time.monotonic() + timeout_s
        while pending:
            pending = {p for p in pending if not _listening(process.pid, namespace, address, p)}
            if not pending:
                return
            if process.poll() is not None or time.monotonic() > deadline:
                log = (self.workdir / f"{what}.log").read_text(errors="replace")[-2000:]
                state = "exited" if process.poll() is not None else "is not listening"
                raise LabError(f"{what} {state} on {address}:{sorted(pending)}: {log}")
            time.sleep(0.02)

    # -- hosts

    def add_host(self, name: str, *, address: str | None = None) -> Host:
        """Add a namespace with one address in its own /24, routed through the router."""
        if name in self.hosts:
            raise LabError(f"host {name!r} already exists")
        index = next(self._links)
        if address is None:
            interface = ipaddress.ip_interface(f"10.0.{next(self._subnets)}.10/24")
        else:
            interface = ipaddress.ip_interface(address if "/" in address else f"{address}/24")
        hosts = list(interface.network.hosts())
        gateway = str(hosts[0] if hosts[0] != interface.ip else hosts[-1])
        namespace = f"{self.id}-h{index}"
        self._add_namespace(namespace)
        link = f"h{index}"
        self._link(namespace, link, interface, gateway)
        host = Host(
            name=name,
            namespace=namespace,
            address=str(interface.ip),
            gateway=gateway,
            prefix_len=interface.network.prefixlen,
            link=link,
        )
        if self.ipv6:
            host.address6 = self._link6(namespace, link, index + 1)
        self.hosts[name] = host
        return host

    def add_function(self, address: str) -> str:
        """A second function subnet (e.g. the function's other AZ): a namespace whose
        resolv.conf has Lambda's layout too; pass its name as `function=` to run there.
        """
        index = len(self.functions)
        namespace = f"{self.id}-fn{index}"
        interface = ipaddress.ip_interface(address)
        self._add_namespace(namespace)
        self.functions[namespace] = interface
        self._link(namespace, f"f{index}", interface, str(next(interface.network.hosts())))
        if self.ipv6:
            self._link6(namespace, f"f{index}", 0x100 + index)
        configured = _configured_in(NETNS_ETC / self.function / "resolv.conf")
        self.write_resolv_conf(configured=configured, function=namespace)
        return namespace

    def add_dns_server(
        self,
        name: str,
        *,
        address: str | None = None,
        records: Mapping[str, str | Sequence[str]] | None = None,
        zones: Mapping[str, str] | None = None,
        local_zones: Iterable[str] = (),
        nxdomain_zones: Iterable[str] = (),
        forward_to: Iterable[str] = (),
    ) -> Host:
        """A dnsmasq DNS server in its own namespace.

        `records`: exact names to addresses (A and/or AAAA); `zones`: a domain and all its
        subdomains to one IPv4 address; `local_zones`: answered from `records` only, so any
        other name in them is NXDOMAIN; `nxdomain_zones`: NXDOMAIN for the whole domain;
        `forward_to`: upstream servers for everything else (none: dnsmasq answers REFUSED).
        """
        host = self.add_host(name, address=address)
        argv = [
            "dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv",
            "--no-hosts", "--bind-interfaces", f"--listen-address={host.address}",
            f"--pid-file={self.workdir / name}.pid", "--user=root", "--group=root",
            "--log-queries", "--log-facility=-", "--cache-size=0", "--no-negcache",
        ]  # fmt: skip
        if host.address6:
            argv.append(f"--listen-address={host.address6}")
        for record_name, values in (records or {}).items():
            addresses = [values] if isinstance(values, str) else list(values)
            argv.append(f"--host-record={record_name},{','.join(addresses)}")
        argv += [f"--address=/{zone}/{ip}" for zone, ip in (zones or {}).items()]
        argv += [f"--local=/{zone}/" for zone in local_zones]
        argv += [f"--address=/{zone}/" for zone in nxdomain_zones]
        argv += [f"--server={upstream}" for upstream in forward_to]
        process = self.spawn(host.namespace, argv, log_name=name)
        host.processes.append(process)
        for listening in _addresses(host):
            self._wait_listening(process, host.namespace, listening, [53], what=name)
        return host

    def add_target(
        self, name: str, *, ports: Iterable[int] = (), address: str | None = None
    ) -> Host:
        """A host with TCP listeners on `ports` (none: every connect is refused)."""
        host = self.add_host(name, address=address)
        ports = list(ports)
        if ports:
            self._listen(host, ports)
        return host

    def _listen(self, host: Host, ports: list[int]) -> None:
        addresses = [host.address] + ([host.address6] if host.address6 else [])
        argv = [sys.executable, "-I", str(LAB_DIR / "tcp_listener.py"), *addresses]
        argv += [str(p) for p in ports]
        process = self.spawn(host.namespace, argv, log_name=f"{host.name}-listener")
        host.processes.append(process)
        for address in addresses:
            self._wait_listening(
                process, host.namespace, address, ports, what=f"{host.name}-listener"
            )

    def stop(self, host: Host) -> None:
        """Stop the host's processes (its DNS server or listeners); the host stays up."""
        for process in host.processes:
            _kill_group(process)
        host.processes.clear()

    def add_logs_endpoint(
        self,
        name: str = "logs",
        *,
        address: str | None = None,
        log_groups: Iterable[str] = (f"/aws/lambda/{FUNCTION_NAME}",),
    ) -> Host:
        """moto in server mode on port 80, standing for logs.<region>.amazonaws.com."""
        host = self.add_host(name, address=address)
        argv = [sys.executable, "-m", "moto.server", "-H", host.address, "-p", "80"]
        process = self.spawn(host.namespace, argv, log_name=name)
        host.processes.append(process)
        self._wait_listening(process, host.namespace, host.address, [80], what=name)
        groups = list(log_groups)
        if groups:
            # Created from inside the endpoint's namespace with plain HTTP: no boto3 start-up.
            script = LAB_DIR / "logs_seed.py"
            self._ns_run(
                host.namespace, sys.executable, "-I", str(script),
                f"http://{host.address}:80", self.region, *groups,
            )  # fmt: skip
        self.logs_host = host
        return host

    @property
    def logs_hostname(self) -> str:
        """The Logs endpoint's regional name, which the lab DNS must resolve to logs_host."""
        return f"logs.{self.region}.amazonaws.com"

    @property
    def sts_hostname(self) -> str:
        """The STS endpoint's regional name."""
        return f"sts.{self.region}.amazonaws.com"

    # -- the function's DNS

    def set_forwarder(self, upstream: str | Sequence[str]) -> None:
        """(Re)start dnsmasq on 169.254.78.1 in the router, forwarding every query upstream."""
        if self._forwarder is not None:
            _kill_group(self._forwarder)
        upstreams = [upstream] if isinstance(upstream, str) else list(upstream)
        argv = [
            "dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv",
            "--no-hosts", "--bind-interfaces", f"--listen-address={FORWARDER}",
            f"--pid-file={self.workdir / 'forwarder'}.pid", "--user=root", "--group=root",
            "--log-queries", "--log-facility=-", "--cache-size=0", "--no-negcache",
            *(f"--server={u}" for u in upstreams),
        ]  # fmt: skip
        self._forwarder = self.spawn(self.router, argv, log_name="forwarder")
        self._wait_listening(self._forwarder, self.router, FORWARDER, [53], what="forwarder")

    def write_resolv_conf(
        self,
        *,
        configured: Iterable[str],
        nameservers: Iterable[str] = (FORWARDER,),
        options: str = "timeout:2 attempts:5",
        search: Iterable[str] = (),
        function: str | None = None,
    ) -> Path:
        """Write a function namespace's /etc/resolv.conf in Lambda's layout (every one's
        when `function` is None), seen there through ip netns exec's /etc/netns mount.
        """
        lines = [f"options {options}"] if options else []
        lines.append("; generated by /sbin/dhclient-script")
        search = list(search)
        if search:
            lines.append(f"search {' '.join(search)}")
        lines += [f"; configured nameserver {ip}" for ip in configured]
        lines += [f"nameserver {ip}" for ip in nameservers]
        path = NETNS_ETC / self.function / "resolv.conf"
        for namespace in [function] if function else list(self.functions):
            path = NETNS_ETC / namespace / "resolv.conf"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    # -- security groups and NACLs

    def _nft(self, namespace: str, chain: str, rule: str) -> None:
        _run(
            [
                "ip",
                "netns",
                "exec",
                namespace,
                "nft",
                "add",
                "rule",
                "inet",
                "lab",
                chain,
                *rule.split(),
            ]
        )

    def _host_filter(self, host: Host) -> str:
        """The host's own `inet lab` table with an input chain, made on first use."""
        if host.namespace not in self._filtered:
            table = (
                "table inet lab {\n"
                "  chain input { type filter hook input priority 0; policy accept; }\n"
                "}\n"
            )
            _run(["ip", "netns", "exec", host.namespace, "nft", "-f", "-"], stdin=table)
            self._filtered.append(host.namespace)
        return host.namespace

    def host_at(self, address: str) -> Host | None:
        """The lab host holding `address`, if any."""
        return next((h for h in self.hosts.values() if address in (h.address, h.address6)), None)

    def block(
        self,
        destination: str,
        *,
        proto: Literal["tcp", "udp"] | None = None,
        port: int | str | None = None,
        action: Action = "drop",
        source: str | None = None,
    ) -> None:
        """Stop traffic to `destination` (an address or a CIDR).

        `drop` plays a security group or NACL (the sender times out), `reject` answers a
        TCP reset (refused; TCP only), `unreachable` an ICMP host-unreachable. For a lab
        host's address the rule sits at the host's door, so it applies to every sender,
        the forwarder included (a rule in the router's output chain would fail the
        forwarder's send() at once with EPERM, which no VPC does); for any other address
        or a CIDR it sits in the router's forward chain.
        """
        if port is not None and proto is None:
            raise LabError("a port needs a protocol")
        family = "ip6" if ":" in destination else "ip"
        parts = []
        if source:
            parts.append(f"{'ip6' if ':' in source else 'ip'} saddr {source}")
        parts.append(f"{family} daddr {destination}")
        if proto:
            parts.append(f"{proto} dport {port}" if port is not None else f"meta l4proto {proto}")
        if action == "drop":
            verdict = "drop"
        elif action == "reject":
            if proto != "tcp":
                raise LabError("reject answers a TCP reset: give proto='tcp'")
            verdict = "reject with tcp reset"
        else:
            verdict = "reject with icmpx type host-unreachable"
        rule = " ".join([*parts, verdict])
        host = self.host_at(destination)
        if host is not None:
            self._nft(self._host_filter(host), "input", rule)
        else:
            self._nft(self.router, "forward", rule)

    def block_return_traffic(
        self,
        *,
        ports: str = "1024-65535",
        protos: Iterable[str] = ("tcp", "udp"),
        function: str | None = None,
    ) -> None:
        """Drop replies to the function subnet on `ports`: a NACL without the ephemeral range.

        Only forwarded traffic is dropped; 169.254.78.1 lives on the router, like the real
        forwarder, which no NACL filters.
        """
        subnet = str(self.functions[function or self.function].network)
        for proto in protos:
            self._nft(self.router, "forward", f"ip daddr {subnet} {proto} dport {ports} drop")

    def unblock_all(self) -> None:
        """Remove every rule added by block() and block_return_traffic()."""
        _run(
            ["ip", "netns", "exec", self.router, "nft", "flush", "chain", "inet", "lab", "forward"]
        )
        for namespace in self._filtered:
            _run(
                ["ip", "netns", "exec", namespace, "nft", "flush", "chain", "inet", "lab", "input"]
            )

    def ruleset(self) -> str:
        """Every nft rule in the lab (router and hosts), for failure messages."""
        texts = []
        for namespace in [self.router, *self._filtered]:
            listing = _run(
                ["ip", "netns", "exec", namespace, "nft", "list", "table", "inet", "lab"]
            )
            texts.append(f"# {namespace}\n{listing}")
        return "\n".join(texts)

    def leaks(self) -> list[str]:
        """Every way out of the lab: an interface that is neither loopback nor a veth into
        another lab namespace, or a router route to anywhere outside the lab's own links.
        An empty list means no packet the probe sends can reach the host's network.
        """
        problems: list[str] = []
        for namespace in self._namespaces:
            ids = {}
            for line in _run(["ip", "-n", namespace, "netns", "list-id"]).splitlines():
                match = re.match(r"nsid (\d+) \(iproute2 netns name: (\S+)\)", line)
                if match:
                    ids[int(match.group(1))] = match.group(2)
            for link in json.loads(_run(["ip", "-j", "-n", namespace, "link", "show"]) or "[]"):
                name = link.get("ifname")
                if name == "lo":
                    continue
                peer = ids.get(link.get("link_netnsid", -1), "")
                if link.get("link_type") != "ether" or not peer.startswith(f"{self.id}-"):
                    problems.append(f"{namespace}: {name} leads to {peer or 'outside the lab'}")
        for family in ("-4", "-6"):
            for route in json.loads(_run(["ip", "-j", family, "-n", self.router, "route"]) or "[]"):
                if route.get("dst") == "default" or route.get("gateway"):
                    problems.append(f"{self.router}: route {route} leaves the lab")
        return problems

    # -- running things in the function namespace

    def probe_env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """The probe's environment, built from scratch.

        Nothing is inherited: the test session's VPCPROBE_RESOLV_CONF, VPCPROBE_FORWARDER and
        AWS_ENDPOINT_URL would point the probe at loopback instead of the lab.
        """
        env = _base_env(self.workdir)
        env.update(
            {
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_REGION": self.region,
                "AWS_DEFAULT_REGION": self.region,
                "AWS_CONFIG_FILE": os.devnull,
                "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                "AWS_EC2_METADATA_DISABLED": "true",
                # The short name, as users write it: botocore itself reads only
                # AWS_ENDPOINT_URL_CLOUDWATCH_LOGS, so this also checks that the probe passes
                # the override on to the client.
                "AWS_ENDPOINT_URL_LOGS": f"http://{self.logs_hostname}:80",
                "AWS_ENDPOINT_URL_STS": f"http://{self.sts_hostname}:80",
                "PYTHONPATH": str(REPO / "layer"),
            }
        )
        env.update(extra or {})
        return env

    def run_in_function(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        stdin: str | None = None,
        timeout_s: float = 120.0,
        function: str | None = None,
    ) -> ProbeRun:
        """Run a command in the (or another) function namespace and wait for it."""
        full = ["ip", "netns", "exec", function or self.function, *argv]
        started = time.monotonic()
        process = subprocess.Popen(
            full,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(env) if env is not None else self.probe_env(),
            start_new_session=True,
        )
        try:
            stdout, stderr = process.communicate(input=stdin, timeout=timeout_s)
        except subprocess.TimeoutExpired:
            _kill_group(process, grace_s=0.5)
            stdout, stderr = process.communicate()
            raise LabError(
                f"{' '.join(argv)} ran over {timeout_s:.0f}s in the lab\nstderr: {stderr[-4000:]}"
            ) from None
        except BaseException:
            _kill_group(process, grace_s=0.5)
            raise
        return ProbeRun(
            argv=list(argv),
            returncode=process.returncode,
            stdout=stdout,
            stderr=stderr,
            wall_s=time.monotonic() - started,
        )

    def run_probe_cli(
        self,
        args: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        function: str | None = None,
    ) -> ProbeRun:
        """`python -m vpcprobe ARGS` inside the function namespace."""
        argv = [sys.executable, "-m", "vpcprobe", *args]
        return self.run_in_function(argv, env=self.probe_env(env), function=function)

    def run_probe_handler(
        self,
        event: Mapping[str, Any],
        *,
        remaining_ms: int = 30_000,
        env: Mapping[str, str] | None = None,
        function: str | None = None,
    ) -> ProbeRun:
        """`vpcprobe.handler.handler(event, context)` inside the function namespace, the
        Lambda way: Lambda's environment variables and a context that honours remaining time.
        """
        lambda_env = {
            "AWS_LAMBDA_FUNCTION_NAME": FUNCTION_NAME,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{FUNCTION_NAME}",
            "AWS_LAMBDA_LOG_STREAM_NAME": "2026/01/01/[$LATEST]lab",
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
            **(env or {}),
        }
        argv = [sys.executable, str(LAB_DIR / "handler_runner.py"), "--remaining-ms"]
        argv.append(str(remaining_ms))
        return self.run_in_function(
            argv, env=self.probe_env(lambda_env), stdin=json.dumps(event), function=function
        )

    def probe(
        self,
        way: Literal["cli", "handler"],
        *,
        targets: Iterable[str] = (),
        dns_names: Iterable[str] = (),
        nameservers: Iterable[str] = (),
        timeout_s: float = 1.0,
        aws: bool = True,
        system_resolver: bool = True,
        deadline_s: float = 10.0,
        function: str | None = None,
    ) -> ProbeRun:
        """The same probe either way: `python -m vpcprobe --deadline S`, or the handler
        given the remaining time whose budget (after the probe's safety margin) is S.
        """
        targets, dns_names, nameservers = list(targets), list(dns_names), list(nameservers)
        if way == "cli":
            args = [f"--target={t}" for t in targets]
            args += [f"--dns-name={n}" for n in dns_names]
            args += [f"--nameserver={n}" for n in nameservers]
            args += [f"--timeout={timeout_s:g}", f"--deadline={deadline_s:g}"]
            args += [] if aws else ["--no-aws"]
            args += [] if system_resolver else ["--no-system-resolver"]
            return self.run_probe_cli(args, function=function)
        event = {
            "targets": targets,
            "dns_names": dns_names,
            "nameservers": nameservers,
            "timeout_s": timeout_s,
            "system_resolver": system_resolver,
            "aws": {"logs": aws},
        }
        remaining_ms = remaining_ms_for(deadline_s)
        return self.run_probe_handler(event, remaining_ms=remaining_ms, function=function)

    def log(self, name: str) -> str:
        """What a lab process (a DNS server, the forwarder, moto) wrote, for failure messages."""
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""


def remaining_ms_for(budget_s: float) -> int:
    """The remaining time to give the handler so that its probe budget is `budget_s`.

    The handler keeps back min(2 s, max(0.3 s, 10 %)) of the remaining time
    (`vpcprobe.runner.safety_margin_ms`); this inverts that.
    """
    budget_ms = budget_s * 1000
    if budget_ms <= 2700:
        return round(budget_ms + 300)
    if budget_ms <= 18000:
        return round(budget_ms / 0.9)
    return round(budget_ms + 2000)


def _configured_in(resolv_conf: Path) -> list[str]:
    try:
        text = resolv_conf.read_text(encoding="utf-8")
    except OSError:
        return []
    prefix = "; configured nameserver "
    return [line[len(prefix) :].strip() for line in text.splitlines() if line.startswith(prefix)]


def _base_env(workdir: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
        "HOME": str(workdir),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
    }


@atexit.register
def _close_open_labs() -> None:
    # Runs after KeyboardInterrupt too: no namespace or dnsmasq outlives the interpreter.
    for lab in list(_OPEN_LABS):
        lab.close()


# ---------------------------------------------------------------------------- the usual VPC


@dataclass
class Vpc:
    """The parts of `standard_vpc`, by role."""

    lab: Lab
    resolver: Host  # AmazonProvidedDNS, VPC+2
    dhcp_dns: Host  # the custom DNS server of the VPC's DHCP options set
    db: Host
    web: Host
    logs: Host  # moto runs there only when standard_vpc(logs=True)
    db_name: str = "db.corp.internal"
    web_name: str = "web.corp.internal"
    db_port: int = 5432
    web_port: int = 443

    @property
    def db_target(self) -> str:
        """The database as a probe target, by name."""
        return f"{self.db_name}:{self.db_port}"

    @property
    def web_target(self) -> str:
        """The web server as a probe target, by name."""
        return f"{self.web_name}:{self.web_port}"


def standard_vpc(
    lab: Lab,
    *,
    dhcp_dns: Literal["forward", "nxdomain-private"] = "forward",
    logs: bool = True,
) -> Vpc:
    """Build the usual VPC: resolver, custom DHCP DNS, forwarder, two targets, Logs endpoint.

    `dhcp_dns="forward"`: the custom server forwards everything to the VPC resolver (healthy).
    `"nxdomain-private"`: it answers NXDOMAIN for corp.internal (it does not forward the
    private zone) and forwards the rest.
    """
    db = lab.add_target("db", ports=[5432], address="10.0.50.10")
    web = lab.add_target("web", ports=[443], address="10.0.60.10")
    # Without `logs`, the endpoint's host is there and its name resolves, but nothing
    # listens: cheaper (no moto) for scenarios that leave the Logs call out.
    if logs:
        logs_host = lab.add_logs_endpoint(address="10.0.70.10")
    else:
        logs_host = lab.add_host("logs", address="10.0.70.10")
    records: dict[str, str | Sequence[str]] = {
        "db.corp.internal": _addresses(db),
        "web.corp.internal": _addresses(web),
        # moto serves every service: STS lives on the same endpoint.
        lab.logs_hostname: _addresses(logs_host),
        lab.sts_hostname: _addresses(logs_host),
    }
    resolver = lab.add_dns_server(
        "vpcdns",
        address="10.0.0.2/24",
        records=records,
        local_zones=["corp.internal", "amazonaws.com"],
    )
    if dhcp_dns == "forward":
        custom = lab.add_dns_server("dhcpdns", address="10.0.20.10", forward_to=[resolver.address])
    else:
        custom = lab.add_dns_server(
            "dhcpdns",
            address="10.0.20.10",
            nxdomain_zones=["corp.internal"],
            forward_to=[resolver.address],
        )
    lab.set_forwarder(custom.address)
    lab.write_resolv_conf(configured=[custom.address])
    return Vpc(lab=lab, resolver=resolver, dhcp_dns=custom, db=db, web=web, logs=logs_host)


def _addresses(host: Host) -> list[str]:
    return [host.address] + ([host.address6] if host.address6 else [])
