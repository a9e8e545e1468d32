"""Every setting and every command is documented in the README."""

from __future__ import annotations

import argparse
from pathlib import Path

from astrobench.cli import parser
from astrobench.service.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DOCS = (ROOT / "README.md").read_text() + (ROOT / "deploy" / "README.md").read_text()


def test_every_setting_is_documented() -> None:
    missing = [
        f"ASTROBENCH_{name.upper()}"
        for name in Settings.model_fields
        if f"ASTROBENCH_{name.upper()}" not in DOCS
    ]
    assert missing == []


def test_every_command_is_documented() -> None:
    [commands] = [a for a in parser()._actions if isinstance(a, argparse._SubParsersAction)]
    missing = [name for name in commands.choices if f"astrobench {name}" not in DOCS]
    assert missing == []
