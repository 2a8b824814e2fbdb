"""Run vpcprobe.handler.handler the Lambda way: event on stdin, a context that honours time.

Usage: handler_runner.py --remaining-ms N < event.json. Prints the handler's return value
as JSON on stdout, its log lines and one `lab-runner: {...}` timing line on stderr, then
exits at once, as a Lambda invocation ends when the handler returns (threads the probe left
behind are frozen, not waited for).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
import uuid
from typing import Any

RUNNER_MARK = "lab-runner: "  # keep in step with vpc_lab.RUNNER_MARK


class LambdaContext:
    """The parts of Lambda's context object the probe may read."""

    def __init__(self, remaining_ms: int) -> None:
        self._deadline = time.monotonic() + remaining_ms / 1000
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "vpcprobe-lab")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        region = os.environ.get("AWS_REGION", "us-east-1")
        self.invoked_function_arn = (
            f"arn:aws:lambda:{region}:123456789012:function:{self.function_name}"
        )
        # A string, as awslambdaric gives it (straight from the environment).
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        self.identity = None
        self.client_context = None
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before Lambda would stop this invocation."""
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def main() -> None:
    """Invoke the handler once and print what it returned."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--remaining-ms", type=int, default=30_000)
    args = parser.parse_args()
    event: Any = json.loads(sys.stdin.read() or "{}")
    from vpcprobe.handler import handler  # imported before the clock starts, as at Lambda init

    # The handler's log lines (Powertools writes JSON lines to stdout, as Lambda captures
    # them) go to stderr here, so that stdout carries the returned value alone.
    returned = sys.stdout
    sys.stdout = sys.stderr
    context = LambdaContext(args.remaining_ms)
    started = time.monotonic()
    result = handler(event, context)
    returned_after_ms = (time.monotonic() - started) * 1000
    returned.write(result if isinstance(result, str) else json.dumps(result, default=str))
    returned.write("\n")
    returned.flush()
    timing = {
        "remaining_ms": args.remaining_ms,
        "returned_after_ms": round(returned_after_ms, 1),
        "threads_alive": threading.active_count(),
    }
    sys.stderr.write(RUNNER_MARK + json.dumps(timing) + "\n")
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
