"""SECURITY.md names for each protection the tests that show it: those tests exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_test_that_security_md_names_exists():
    text = (ROOT / "SECURITY.md").read_text()
    named = 0
    for cell in re.findall(r"^\|[^|]+\|([^|]+)\|$", text, re.MULTILINE):
        current_file = None
        for reference in re.findall(r"`([^`]+)`", cell):
            path, _, test = reference.partition("::")
            if path:
                current_file = ROOT / "tests" / path
                assert current_file.is_file(), reference
            if test:
                assert re.search(rf"^def {test}\(", current_file.read_text(), re.M), reference
                named += 1
    assert named >= 20
