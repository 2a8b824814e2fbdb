"""A sample Lambda function: returns values, raises, uses the context, has init-phase work."""

from __future__ import annotations

import json
import os
from typing import Any

# Init-phase work, as real functions do (connections, configuration): it must happen
# during init, before the first event, wrapped or not.
print(json.dumps({"sample": "init"}), flush=True)
INVOCATIONS = 0


class PaymentDeclinedError(Exception):
    """An application exception with data."""

    def __init__(self, amount: int) -> None:
        super().__init__(f"payment of {amount} declined", amount)
        self.amount = amount


def handler(event: Any, context: Any) -> Any:
    global INVOCATIONS
    INVOCATIONS += 1
    op = event.get("op") if isinstance(event, dict) else None
    if op == "raise":
        raise PaymentDeclinedError(event["amount"])
    if op == "key_error":
        return event["missing"]
    if op == "context":
        remaining = context.get_remaining_time_in_millis()
        return {
            "function": context.function_name,
            "request": context.aws_request_id,
            "arn": context.invoked_function_arn,
            "remaining_ok": 0 < remaining <= 30_000,
            "handler_setting": os.environ.get("_HANDLER"),
            "invocations": INVOCATIONS,
        }
    if op == "none":
        return None
    return {"echo": event, "invocations": INVOCATIONS}
