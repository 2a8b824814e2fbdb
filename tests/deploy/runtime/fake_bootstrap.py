"""A stand-in for the Lambda Python runtime's bootstrap: import $_HANDLER, feed it events.

Like the real runtime it imports the handler once during init (module path slashes become
dots), then invokes it per event with a context object. Events come one JSON per line on
stdin; each outcome is printed as one JSON line, under the key "@". The line `!modules`
prints which probe modules are loaded.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any

WATCHED = ("vpcprobe", "pydantic", "dns", "aws_lambda_powertools")


class Context:
    """The attributes and method of the runtime's LambdaContext that handlers use."""

    function_name = "sample-fn"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:sample-fn"
    memory_limit_in_mb = "128"
    log_group_name = "/aws/lambda/sample-fn"
    log_stream_name = "2026/01/01/[$LATEST]0123456789abcdef"

    def __init__(self, request_id: str, timeout_ms: int) -> None:
        self.aws_request_id = request_id
        self._deadline_ms = time.monotonic() * 1000 + timeout_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int(self._deadline_ms - time.monotonic() * 1000))


def load(spec: str) -> Any:
    module_name, function_name = spec.rsplit(".", 1)
    module = importlib.import_module(module_name.replace("/", "."))
    return getattr(module, function_name)


def emit(record: dict[str, Any]) -> None:
    # Under "@": the function may print JSON of its own (logs) on the same stdout.
    print(json.dumps({"@": record}, sort_keys=True), flush=True)


def main() -> int:
    handler = load(os.environ["_HANDLER"])
    emit({"bootstrap": "ready"})
    for number, line in enumerate(sys.stdin):
        if line.strip() == "!modules":
            names = sorted(m for m in sys.modules if m.split(".")[0] in WATCHED)
            emit({"modules": names})
            continue
        event = json.loads(line)
        context = Context(f"request-{number}", timeout_ms=30_000)
        try:
            emit({"result": handler(event, context)})
        except Exception as error:
            innermost = traceback.extract_tb(error.__traceback__)[-1]
            emit(
                {
                    "error": f"{type(error).__module__}.{type(error).__qualname__}",
                    "message": str(error),
                    "args": list(error.args),
                    "raised_in": f"{Path(innermost.filename).name}:{innermost.name}",
                    "chained": error.__cause__ is not None or error.__context__ is not None,
                }
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
