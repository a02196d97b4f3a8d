"""The plan tests/load/setup.py wrote: tokens, session keys and references, read once by
every Locust process (the path comes from bin/loadtest)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

_DEFAULT = Path(__file__).resolve().parents[2] / "var" / "loadtest" / "plan.json"
PLAN: dict[str, Any] = json.loads(Path(os.environ.get("LOADTEST_PLAN", _DEFAULT)).read_text())
