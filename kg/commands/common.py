"""Options, output and error handling shared by every command."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from kg.errors import InputError, MissionKGError
from kg.settings import Settings

err = Console(stderr=True)

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", "-d", help="Directory of the graph store, indexes and quarantine (env MISSIONKG_DATA_DIR; default ./missionkg-data).", show_default=False),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON to standard output.")]


def settings_for(data_dir: Path | None) -> Settings:
    """Settings from the environment with the command's --data-dir applied."""
    return Settings().with_data_dir(data_dir)


def print_json(payload: Any) -> None:
    """Write one JSON document to standard output."""
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, default=str) + "\n")


def check_writable(output: Path | None) -> Path | None:
    """The output path, refused with the fix when it is a directory or its folder does not exist."""
    if output is not None and output.is_dir():
        raise InputError(f"{output} is a directory: give a file name to write")
    if output is not None and not output.parent.is_dir():
        raise InputError(f"no folder {output.parent} to write {output.name} in: create it first")
    return output


def write_jsonl(rows: Iterable[Any], output: Path | None) -> int:
    """Write rows as JSON Lines to a file or standard output; returns the number written."""
    import orjson

    handle = check_writable(output).open("wb") if output else sys.stdout.buffer
    count = 0
    try:
        for row in rows:
            handle.write(orjson.dumps(row) + b"\n")
            count += 1
        handle.flush()
    except BrokenPipeError:  # the reader had enough (`| head`): not a failure, as for every other command
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing left to flush at exit
        raise typer.Exit(0) from None
    finally:
        if output:
            handle.close()
    return count


def _as_option(exc: MissionKGError) -> str:
    """The message, naming a bad parameter it starts with as the command-line option (published_from: --published-from)."""
    message, name = str(exc), getattr(exc, "parameter", None)
    if name and message.startswith(name) and not name.startswith("-"):
        return "--" + name.replace("_", "-") + message[len(name):]
    return message


def run(app: typer.Typer, argv: list[str]) -> None:
    """Run the app; a MissionKGError becomes `Error: ...` on stderr and its exit code, a closed pipe exits quietly."""
    try:
        code = app(argv, standalone_mode=False)
    except MissionKGError as exc:
        err.print(f"[bold red]Error:[/] {_as_option(exc)}", highlight=False, soft_wrap=True)
        raise SystemExit(exc.exit_code) from None
    except BrokenPipeError:
        sys.stderr.close()
        raise SystemExit(0) from None
    except typer.Exit as exc:
        raise SystemExit(exc.exit_code) from None
    except typer.Abort:
        err.print("Aborted.")
        raise SystemExit(130) from None
    except typer.TyperException as exc:  # typer's own click: usage errors such as a bad option value
        show = getattr(exc, "show", None)
        if show is None:
            raise
        show()
        raise SystemExit(getattr(exc, "exit_code", 2)) from None
    if isinstance(code, int) and code:
        raise SystemExit(code)
