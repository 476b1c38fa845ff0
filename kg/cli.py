"""The `missionkg` command: a thin typer front over the library; each command lives in kg/commands/."""

from __future__ import annotations

import sys

import typer

from kg.commands import align as align_commands
from kg.commands import analytics as analytics_commands
from kg.commands import build as build_commands
from kg.commands import common
from kg.commands import fetch as fetch_commands
from kg.commands import graph as graph_commands
from kg.commands import search as search_commands
from kg.commands import serve as serve_commands
from kg.commands import suppliers as supplier_commands
from kg.commands import vocab as vocab_commands

app = typer.Typer(
    name="missionkg",
    help="Which public contracts advance which government mission? Build, query and serve the missionkg graph.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(vocab_commands.app, name="vocab")
build_commands.register(app)
graph_commands.register(app)
serve_commands.register(app)
supplier_commands.register(app)
fetch_commands.register(app)
analytics_commands.register(app)
search_commands.register(app, supplier_commands.eval_app)
align_commands.register(app, supplier_commands.eval_app)


def main() -> None:
    """Console-script entry point: run the app, turning library errors into one clear line."""
    common.run(app, sys.argv[1:])


if __name__ == "__main__":
    main()
