"""Runs every probe step concurrently inside a deadline and assembles the ProbeReport."""

from __future__ import annotations

import contextlib
import heapq
import itertools
import os
import socket
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from vpcprobe import __version__, aws_call, dns_lookup, environment, resolv_conf, tcp_connect
from vpcprobe.facts import (
    LAMBDA_DNS_FORWARDER,
    SYSTEM_RESOLVER,
    AwsResult,
    AwsStatus,
    Deadline,
    DnsResult,
    DnsStatus,
    ProbeError,
    ProbeReport,
    ProbeRequest,
    ResolvConf,
    SkipReason,
    Target,
    TcpResult,
    TcpStatus,
    Transport,
    is_ip,
)

FORWARDER_VARIABLE = "VPCPROBE_FORWARDER"
MAX_WORKERS = 64  # 50 targets that all time out must take one timeout, not several
MAX_DNS_QUERIES = 1024  # keeps the report far below Lambda's 6 MB response limit
MIN_STEP_S = 0.05  # a step with less time than this left is not started
# Writing one result at the deadline and returning it (the skipped result, the report, its JSON,
# the runtime's own JSON) costs about this much CPU on a full core: bench/probe_deadline_starved.py.
FINISH_CPU_S = 0.00002
FIXED_FINISH_CPU_S = 0.01  # the report around the results, whatever their number
MAX_SLOWDOWN = 12.0  # a share of a CPU below 1/12 is not what Lambda gives
LATE_START_S = 0.05  # a step that starts this late means the CPU, not the network, is short
MIN_WORKERS = 8

Result = DnsResult | TcpResult | AwsResult
# Called once per finished (or skipped) step, on the calling thread, for logging.
StepListener = Callable[[str, Result], None]


@dataclass(frozen=True)
class _Step:
    kind: str  # "dns", "tcp", "aws"; "resolve" turns into "tcp" steps when it finishes
    key: tuple[int, ...]  # position in the report
    run: Callable[[float], Any]  # given the time it may take, returns a result
    skip: Callable[[SkipReason], Result]
    fail: Callable[[str], Result]


def forwarder() -> str | None:
    """The Lambda DNS forwarder to query: $VPCPROBE_FORWARDER if set ("" = none), else 169.254.78.1.

    The variable is a test and diagnosis knob: tests point it at loopback.
    """
    value = os.environ.get(FORWARDER_VARIABLE)
    return LAMBDA_DNS_FORWARDER if value is None else (value.strip() or None)


def _unique(values: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for value in values:
        if value.lower() not in seen:
            seen.add(value.lower())
            out.append(value)
    return out


def dns_names(request: ProbeRequest, region: str | None) -> list[str]:
    """Names to resolve: target hosts, extra names, then the AWS endpoints the probe calls."""
    names = [t.host for t in request.targets] + list(request.dns_names)
    if request.default_names:
        services = [aws_call.LOGS] + ([aws_call.STS] if request.aws.sts else [])
        names += [h for s in services if (h := aws_call.endpoint_host(s, region))]
    return _unique([n for n in names if not is_ip(n)])


def dns_servers(request: ProbeRequest, conf: ResolvConf, errors: list[ProbeError]) -> list[str]:
    """Servers to ask directly: the forwarder, resolv.conf's (even commented) and extra ones."""
    servers: list[str] = []
    fwd = forwarder()
    if fwd and is_ip(fwd):
        servers.append(fwd)
    elif fwd:
        errors.append(
            ProbeError(step="dns", message=f"{FORWARDER_VARIABLE}={fwd!r} is not an IP address")
        )
    servers += conf.nameservers + conf.configured_nameservers + list(request.nameservers)
    return _unique(servers)


class _Plan:
    """The steps of one probe, built from the request."""

    def __init__(self, request: ProbeRequest, conf: ResolvConf, region: str | None) -> None:
        self.request = request
        self.errors: list[ProbeError] = []
        self.steps: list[_Step] = []
        self.disabled: list[tuple[str, tuple[int, ...], Result]] = []  # reported, never run
        self._plan_dns(dns_names(request, region), dns_servers(request, conf, self.errors))
        for index, target in enumerate(request.targets):
            if is_ip(target.host):
                self.steps.append(self.connect_step(target, index, 0, target.host))
            else:
                self.steps.append(self._resolve_step(target, index))
        self._plan_aws(region)

    def _plan_dns(self, names: list[str], servers: list[str]) -> None:
        request = self.request
        planned = 0
        for n, name in enumerate(names):
            for r, record_type in enumerate(request.record_types):
                if request.system_resolver and dns_lookup.system_supports(record_type):
                    self.steps.append(
                        _dns_step(
                            name, record_type, SYSTEM_RESOLVER, Transport.SYSTEM, (n, r, 0, 0)
                        )
                    )
                for s, server in enumerate(servers, start=1):
                    for t, transport in enumerate(request.dns_transports):
                        if planned >= MAX_DNS_QUERIES:
                            continue
                        planned += 1
                        key = (n, r, s, t)
                        self.steps.append(_dns_step(name, record_type, server, transport, key))
        wanted = len(names) * len(request.record_types) * len(servers) * len(request.dns_transports)
        if wanted > planned:
            message = f"{wanted} direct DNS queries asked for; only the first {planned} were sent"
            self.errors.append(ProbeError(step="dns", message=message))

    def _resolve_step(self, target: Target, index: int) -> _Step:
        def fail(message: str) -> Result:
            return TcpResult(
                label=target.display,
                host=target.host,
                port=target.port,
                status=TcpStatus.ERROR,
                error=message,
            )

        return _Step(
            kind="resolve",
            key=(index, 0),
            run=lambda timeout: tcp_connect.resolve(target, timeout=timeout),
            skip=lambda reason: tcp_connect.skipped(target, reason),
            fail=fail,
        )

    def connect_step(self, target: Target, index: int, position: int, address: str) -> _Step:
        """The step that connects to one address of one target."""

        def fail(message: str) -> Result:
            return TcpResult(
                label=target.display,
                host=target.host,
                port=target.port,
                address=address,
                status=TcpStatus.ERROR,
                error=message,
            )

        return _Step(
            kind="tcp",
            key=(index, position),
            run=lambda timeout: tcp_connect.connect(target, address, timeout=timeout),
            skip=lambda reason: tcp_connect.skipped(target, reason, address),
            fail=fail,
        )

    def _plan_aws(self, region: str | None) -> None:
        aws = self.request.aws
        log_group = aws.log_group or environment.log_group()
        services = [aws_call.LOGS] + ([aws_call.STS] if aws.sts else [])
        for index, service in enumerate(services):
            operation = aws_call.operation_for(service, log_group)
            if service == aws_call.LOGS and not aws.logs:
                self.disabled.append(
                    ("aws", (index,), aws_call.skipped(service, operation, SkipReason.DISABLED))
                )
                continue
            self.steps.append(_aws_step(service, operation, region, log_group, index))


def _dns_step(
    name: str, record_type: Any, server: str, transport: Transport, key: tuple[int, ...]
) -> _Step:
    def run(timeout: float) -> DnsResult:
        if transport == Transport.SYSTEM:
            return dns_lookup.system_lookup(name, record_type, timeout=timeout)
        return dns_lookup.query(name, record_type, server, transport, timeout=timeout)

    def fail(message: str) -> Result:
        return DnsResult(
            name=name,
            record_type=record_type,
            server=server,
            transport=transport,
            status=DnsStatus.ERROR,
            error=message,
        )

    return _Step(
        kind="dns",
        key=key,
        run=run,
        skip=lambda reason: dns_lookup.skipped(name, record_type, server, transport, reason),
        fail=fail,
    )


def _unresolved_endpoint(
    service: str, operation: str, region: str | None, timeout: float
) -> AwsResult | None:
    """Resolve the endpoint's host first, bounded by the step's timeout (botocore's
    connect_timeout does not cover getaddrinfo, which blocks up to 10 s in Lambda when the DNS
    server is dead): the result when the name did not resolve in time, else None."""
    host = aws_call.endpoint_host(service, region)
    if not host or is_ip(host):
        return None
    started = time.monotonic()
    try:
        dns_lookup.getaddrinfo(host, 443, socket.AF_UNSPEC, socket.SOCK_STREAM, timeout=timeout)
    except dns_lookup.StillBlockedError as exc:
        status, error = AwsStatus.TIMEOUT, f"resolving {host}: {exc}"
    except (socket.gaierror, UnicodeError) as exc:
        status, error = AwsStatus.DNS_FAILED, f"the endpoint's name {host} did not resolve: {exc}"
    except OSError:
        return None  # not the name's fault: the call itself says what it is
    else:
        return None
    elapsed_ms = round((time.monotonic() - started) * 1000, 1)
    return AwsResult(
        service=service,
        operation=operation,
        status=status,
        elapsed_ms=elapsed_ms,
        error=environment.clip(error, 400),
    )


def _aws_step(
    service: str, operation: str, region: str | None, log_group: str | None, index: int
) -> _Step:
    def run(timeout: float) -> AwsResult:
        started = time.monotonic()
        unresolved = _unresolved_endpoint(service, operation, region, timeout)
        if unresolved is not None:
            return unresolved
        left = max(MIN_STEP_S, timeout - (time.monotonic() - started))
        return aws_call.call(
            service,
            region=region,
            log_group=log_group,
            connect_timeout=left,
            read_timeout=timeout,
        )

    def fail(message: str) -> Result:
        return AwsResult(
            service=service, operation=operation, status=AwsStatus.ERROR, error=message
        )

    return _Step(
        kind="aws",
        key=(index,),
        run=run,
        skip=lambda reason: aws_call.skipped(service, operation, reason),
        fail=fail,
    )


def _priority(step: _Step) -> int:
    if step.kind == "dns":
        return 2 if step.key[2] == 0 else 3  # server index 0: the system resolver
    return 0 if step.kind == "aws" else 1


def _cut_short(step: _Step, began: float | None) -> Result:
    """The deadline's result for an unfinished step: how long it had run, if it had started."""
    result = step.skip(SkipReason.DEADLINE)
    if began is None:
        return result
    ran_ms = round((time.monotonic() - began) * 1000, 1)
    message = f"still running after {ran_ms:.0f} ms when the probe's deadline came"
    return replace(result, elapsed_ms=ran_ms, error=message)


class _Pace:
    """How starved this run's CPU is, measured as it goes, and what finishing will cost.

    On a starved CPU (a 256 MB function gets about a sixth of a core) everything the main thread
    does takes several times longer, and threads wake up late. The reserve kept back before the
    deadline grows with the results still to be written, with how much slower than its own CPU
    time the main thread's work ran (the slowdown), and with how late the last steps and
    wake-ups ran, so the report is ready before the invocation's time runs out.
    """

    def __init__(self) -> None:
        self.slowdown = 1.0
        self.late_s = 0.0

    def work_took(self, wall_s: float, cpu_s: float) -> None:
        """The main thread did `cpu_s` of work in `wall_s` of time."""
        if cpu_s <= 0:
            return
        ratio = min(MAX_SLOWDOWN, max(1.0, wall_s / cpu_s))
        weight = 0.5 if ratio > self.slowdown else 0.05  # one slow spell is enough to care
        self.slowdown += weight * (ratio - self.slowdown)

    def ran_late(self, seconds: float) -> None:
        self.late_s = max(seconds, self.late_s * 0.8)
        # a step or a wake-up that late says the CPU share is small, even before any result
        self.slowdown = max(self.slowdown, min(MAX_SLOWDOWN, 1.0 + seconds / LATE_START_S))

    def reserve_s(self, results: int) -> float:
        """Time to keep back for writing `results` results and returning the report."""
        cpu = FIXED_FINISH_CPU_S + FINISH_CPU_S * results
        return cpu * self.slowdown + 2 * self.late_s


def safety_margin_ms(remaining_ms: float) -> float:
    """Time kept back from the invocation for building and returning the report."""
    return min(2000.0, max(300.0, remaining_ms * 0.1))


def run_probe(
    request: ProbeRequest,
    *,
    budget_s: float,
    margin_ms: float = 0.0,
    remaining_at_start_ms: float | None = None,
    context: Any = None,
    listener: StepListener | None = None,
    max_workers: int | None = None,
) -> ProbeReport:
    """Run the whole probe and return its report within `budget_s` seconds.

    Steps still running at the deadline are reported as skipped (reason `deadline`) and
    left behind: their own timeouts end them later, and nobody waits for them.
    """
    started_at = datetime.now(UTC)
    started = time.monotonic()
    end = started + max(0.0, budget_s)
    pace = _Pace()
    env = environment.gather(context)
    conf = resolv_conf.read()
    plan = _Plan(request, conf, env.region)
    results: dict[str, dict[tuple[int, ...], Result]] = {"dns": {}, "tcp": {}, "aws": {}}
    hit = False
    began: dict[int, float] = {}  # id(step) -> when it started running

    def record(step: _Step, result: Result, *, log: bool = True) -> None:
        kind = "tcp" if step.kind == "resolve" else step.kind
        results[kind][step.key] = result
        if listener is not None and log:
            listener(kind, result)

    def cutoff() -> float:
        """When to stop waiting: the deadline less what finishing will take now."""
        unwritten = len(plan.steps) + len(request.targets) - sum(len(r) for r in results.values())
        return end - pace.reserve_s(max(0, unwritten))

    submitted: dict[int, float] = {}  # id(step) -> when it was handed to the pool
    late_starts: list[float] = []  # steps that started late since the pool was last resized

    def guarded(step: _Step) -> Any:
        now = time.monotonic()
        late = now - submitted.get(id(step), now)
        left = cutoff() - now
        if left < MIN_STEP_S:
            return step.skip(SkipReason.DEADLINE)
        began[id(step)] = now
        if late > LATE_START_S:
            pace.ran_late(late)
            late_starts.append(late)
        return step.run(min(request.timeout_s, left))

    for kind, key, result in plan.disabled:
        results[kind][key] = result
        if listener is not None:
            listener(kind, result)
    if any(s.kind == "dns" and s.key[2] > 0 for s in plan.steps):
        # Once, here, rather than in a dozen threads at once; a failure is reported per query.
        with contextlib.suppress(ImportError):
            dns_lookup.load_dnspython()
    workers = max(1, min(max_workers or MAX_WORKERS, len(plan.steps) + len(request.targets)))
    executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="vpcprobe")
    # When there are more steps than workers, the user's own questions go first: the AWS call
    # and the targets (with the connects that follow a resolution), then the system resolver,
    # then the direct DNS queries. Steps wait here, not in the executor's FIFO queue, so a
    # connect created late still goes ahead of every DNS query not yet started.
    waiting: list[tuple[int, int, _Step]] = []
    order = itertools.count()
    pending: dict[Future[Any], _Step] = {}

    def queue(step: _Step) -> None:
        heapq.heappush(waiting, (_priority(step), next(order), step))

    limit = workers  # lowered when steps start late: more threads would only wait for the CPU

    def dispatch() -> None:
        nonlocal limit
        if late_starts:
            limit = max(min(MIN_WORKERS, workers), limit // 2)
            late_starts.clear()  # judged once per spell of late starts, not per step
        while waiting and len(pending) < limit:
            step = heapq.heappop(waiting)[2]
            submitted[id(step)] = time.monotonic()
            pending[executor.submit(guarded, step)] = step

    def collect(future: Future[Any]) -> None:
        step = pending.pop(future)
        try:
            outcome = future.result()
        except Exception as exc:  # a bug in a step must not cost the whole report
            outcome = step.fail(
                environment.clip(f"internal error: {type(exc).__name__}: {exc}", 300)
            )
        if step.kind == "resolve" and isinstance(outcome, list):
            target = request.targets[step.key[0]]
            for position, address in enumerate(outcome):
                queue(plan.connect_step(target, step.key[0], position, address))
        else:
            wall, cpu = time.monotonic(), time.thread_time()
            record(step, outcome)
            pace.work_took(time.monotonic() - wall, time.thread_time() - cpu)

    try:
        for step in plan.steps:
            queue(step)
        dispatch()
        while pending:
            asked = cutoff()
            left = asked - time.monotonic()
            if left <= 0:
                break
            done, _ = wait(list(pending), timeout=left, return_when=FIRST_COMPLETED)
            woke = time.monotonic()
            if not done and woke - asked > LATE_START_S:
                pace.ran_late(woke - asked)  # the wake-up itself came late
            for future in done:
                if time.monotonic() >= cutoff():
                    break  # the rest is written below, unlogged, as the deadline found it
                collect(future)
            dispatch()
        # At the deadline: what has finished is kept, the rest is written as the deadline
        # found it, without a log line each (one summary line is logged by the handler).
        for future, step in list(pending.items()):
            if future.done() and not future.cancelled():
                with contextlib.suppress(Exception):
                    outcome = future.result()
                    if not isinstance(outcome, list):
                        record(step, outcome, log=False)
                        continue
            future.cancel()
            hit = True
            record(step, _cut_short(step, began.get(id(step))), log=False)
        for _, _, step in waiting:
            hit = True
            record(step, step.skip(SkipReason.DEADLINE), log=False)  # never started
    finally:
        executor.shutdown(wait=False, cancel_futures=True)

    def ordered(kind: str) -> list[Any]:
        return [results[kind][key] for key in sorted(results[kind])]

    hit = hit or any(
        getattr(r, "skip_reason", None) == SkipReason.DEADLINE
        for kind in results
        for r in results[kind].values()
    )
    return ProbeReport(
        probe_version=__version__,
        started_at=started_at,
        duration_ms=round((time.monotonic() - started) * 1000, 1),
        request=request,
        environment=env,
        resolv_conf=conf,
        dns=ordered("dns"),
        tcp=ordered("tcp"),
        aws=ordered("aws"),
        deadline=Deadline(
            budget_ms=round(budget_s * 1000, 1),
            margin_ms=round(margin_ms, 1),
            remaining_at_start_ms=remaining_at_start_ms,
            hit=hit,
        ),
        errors=plan.errors,
    )
