"""The docs stay honest: every command has help and appears in the README; --help loads no torch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest
import typer.main

from kg.cli import app

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def _commands() -> list[tuple[str, click.Command]]:
    root = typer.main.get_command(app)
    out = []
    for name, command in root.commands.items():  # type: ignore[attr-defined]
        out.append((name, command))
        for sub_name, sub in getattr(command, "commands", {}).items():
            out.append((f"{name} {sub_name}", sub))
    return out


@pytest.mark.parametrize(("name", "command"), _commands(), ids=[n for n, _ in _commands()])
def test_every_command_has_help(name: str, command: click.Command) -> None:
    assert (command.help or "").strip(), f"`missionkg {name}` has no help text"
    for param in command.params:
        if isinstance(param, click.Option) and param.name != "help":
            assert (param.help or "").strip(), f"`missionkg {name} {param.opts[0]}` has no help text"


@pytest.mark.parametrize("name", [n for n, _ in _commands() if " " not in n])
def test_every_top_level_command_is_in_the_readme(name: str) -> None:
    assert f"missionkg {name}" in README, f"README never shows `missionkg {name}`"


def test_help_is_fast_and_loads_no_torch() -> None:
    code = "import sys; from kg.cli import app; import typer.main; typer.main.get_command(app); print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "False", result.stderr


def test_readme_quick_start_is_two_make_targets() -> None:
    makefile = (Path(__file__).resolve().parents[1] / "Makefile").read_text()
    assert "make demo" in README and "make test" in README
    assert "torch==2.13.0" in makefile and "torch==2.13.0" in README
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text()
    assert "make test" in ci


def test_a_bad_option_value_is_one_message_not_a_traceback() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kg.cli", "search", "x", "--limit", "0"], check=False, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2
    assert "Invalid value for '--limit'" in result.stderr and "Traceback" not in result.stderr
