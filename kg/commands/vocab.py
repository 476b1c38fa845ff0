"""`missionkg vocab ...`: load the shipped vocabularies and CPV into the store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kg.commands.common import DataDir, JsonFlag, err, print_json, settings_for

app = typer.Typer(help="Load vocabularies: ontology, missions, social value model, CPV.", no_args_is_help=True)


@app.command("load")
def load(data_dir: DataDir = None, json_out: JsonFlag = False) -> None:
    """Load the ontology, mission and social-value vocabularies shipped with missionkg into the store."""
    from kg.store import open_store
    from kg.vocab import load_vocabularies

    store = open_store(settings_for(data_dir))
    loads = load_vocabularies(store)
    store.close()
    if json_out:
        print_json({"loaded": [vars(x) for x in loads]})
    else:
        for x in loads:
            err.print(f"{x.source}: {x.quads} quads → <{x.graph}>")


@app.command("load-cpv")
def load_cpv(
    file: Annotated[Path, typer.Argument(help="CPV CSV with columns code,label_en[,parent_code] (e.g. cpv_2008.csv).")],
    data_dir: DataDir = None,
    json_out: JsonFlag = False,
) -> None:
    """Load a CPV code list as a SKOS scheme with broader/narrower links from the code structure."""
    from kg.store import open_store
    from kg.vocab import load_cpv as load_cpv_file

    store = open_store(settings_for(data_dir))
    result = load_cpv_file(store, file)
    store.close()
    if json_out:
        print_json(vars(result))
    else:
        err.print(f"{result.source}: {result.quads} quads → <{result.graph}>")
