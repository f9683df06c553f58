"""Reading the login codes that the file notification backend wrote (as a person does in the demo)."""

from __future__ import annotations

import json
import re
from pathlib import Path

CODE_RE = re.compile(r"(?<!\d)(\d{6})(?!\d)")


def last_code(log: Path, *, user_id: int) -> str:
    entries = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
    mine = [e for e in entries if e.get("user_id") == user_id]
    assert mine, f"no message for user {user_id} in {log}"
    match = CODE_RE.search(mine[-1]["body"])
    assert match, mine[-1]
    return match.group(1)
