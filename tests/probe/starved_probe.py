"""Run the probe handler once as Lambda would and print how much of its time was left.

Usage: python starved_probe.py EVENT_JSON REMAINING_MS

The context's clock starts just before the handler is called (imports are the init phase,
which Lambda does not count against the invocation). The handler's answer is serialised to
JSON as the Lambda runtime does before it counts as returned; the margin is what was left of
REMAINING_MS then. A negative margin is "Task timed out" on Lambda: no report at all.
"""

from __future__ import annotations

import json
import sys
import time

from vpcprobe.handler import handler


class Context:
    function_name = "vpcprobe-probe-starved"
    aws_request_id = "starved-1"
    memory_limit_in_mb = "256"

    def __init__(self, remaining_ms: float) -> None:
        self.end = time.monotonic() + remaining_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.end - time.monotonic()) * 1000))


def main() -> None:
    event = json.loads(sys.argv[1])
    context = Context(float(sys.argv[2]))
    report = handler(event, context)
    payload = json.dumps(report)
    margin_ms = (context.end - time.monotonic()) * 1000
    deadline = report.get("deadline") or {}
    summary = {
        "margin_ms": round(margin_ms, 1),
        "status": report.get("status"),
        "dns": len(report.get("dns", [])),
        "tcp": len(report.get("tcp", [])),
        "deadline_hit": deadline.get("hit"),
        "skipped": sum(
            1 for r in report.get("dns", []) + report.get("tcp", []) if r.get("status") == "skipped"
        ),
        "bytes": len(payload),
    }
    sys.stderr.write("RESULT " + json.dumps(summary) + "\n")


if __name__ == "__main__":
    main()
