"""`aduan nlu`: train, parse, eval (and the rasa-* commands registered at the end)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from nlu.base import NluEngine, PlaceRecord

app = typer.Typer(
    help="Aduan's NLU: train the builtin model, parse a message, evaluate an engine on a CSV.\n\n"
    'Example: aduan nlu parse "banjir sepaha di jl kemang raya rt 04/02"',
    no_args_is_help=True,
)
console = Console(stderr=True, soft_wrap=True)  # an error line is not broken mid-path
EVAL_PROGRESS_MIN_ROWS = 200


def _load_places() -> list[PlaceRecord]:
    """Place records from the migrated database, or from the shipped Jakarta file."""
    try:
        from backend.bootstrap import place_records_for_cli
    except ImportError:
        from nlu.gazetteer import DEFAULT_GEOJSON, records_from_geojson

        return records_from_geojson(DEFAULT_GEOJSON)
    return list(place_records_for_cli())


def _settings():  # type: ignore[no-untyped-def]
    from backend.config import get_settings

    return get_settings()


def _engine(name: str | None = None) -> NluEngine:
    from nlu.factory import build_engine

    settings = _settings()
    if name:
        settings = settings.model_copy(update={"nlu_engine": name})
    return build_engine(settings, _load_places())


@app.command()
def train(
    force: Annotated[
        bool, typer.Option("--force/--if-changed", help="retrain even if the data is unchanged")
    ] = True,
) -> None:
    """Train the builtin model from nlu/data/nlu.yml and cache it on disk.

    Example: aduan nlu train
    """
    from nlu.builtin import TRAIN_STEPS, BuiltinEngine

    engine = BuiltinEngine(places=_load_places(), settings=_settings())
    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console) as bar:
        task = bar.add_task("training builtin NLU", total=len(TRAIN_STEPS))
        path = engine.train(force=force, progress=lambda step: bar.update(task, advance=1, description=step))
    console.print(f"model: {path}")


@app.command()
def parse(
    text: Annotated[str, typer.Argument(help="the message to read")],
    engine: Annotated[str | None, typer.Option(help="builtin or rasa (default: ADUAN_NLU_ENGINE)")] = None,
) -> None:
    """Print the parse of one message as JSON (the shape of Rasa's /model/parse).

    Example: aduan nlu parse "sampah numpuk di kel. gambir udh seminggu"
    """
    result = _engine(engine).parse(text)
    typer.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))


@app.command("eval")
def eval_(
    data: Annotated[
        Path, typer.Option(exists=True, dir_okay=False, help="CSV with text,label[,kelurahan,kecamatan]")
    ],
    engine: Annotated[str, typer.Option(help="builtin or rasa")] = "builtin",
    as_json: Annotated[bool, typer.Option("--json", help="print the scores as JSON")] = False,
) -> None:
    """Score an engine on a labelled CSV: accuracy, macro-F1, per label, places, parse time.

    Example: aduan nlu eval --data nlu/data/eval.csv --engine builtin --json
    """
    from nlu.evaluation import EvalDataError, evaluate, read_rows

    try:
        rows = read_rows(data)
    except EvalDataError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    nlu = _engine(engine)
    nlu.parse("warm up")
    if len(rows) >= EVAL_PROGRESS_MIN_ROWS and not as_json:
        with Progress(
            TextColumn("evaluating"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
        ) as bar:
            task = bar.add_task("eval", total=len(rows))
            scores = evaluate(nlu, rows, on_row=lambda done: bar.update(task, completed=done))
    else:
        scores = evaluate(nlu, rows)
    if as_json:
        typer.echo(json.dumps(scores, ensure_ascii=False, indent=2))
        return
    _print_scores(scores)


def _print_scores(scores: dict) -> None:  # type: ignore[type-arg]
    out = Console()
    out.print(f"n={scores['n']}  accuracy={scores['accuracy']}  macro_f1={scores['macro_f1']}")
    table = Table("label", "precision", "recall", "f1", "support")
    for label, s in scores["per_label"].items():
        table.add_row(
            label, f"{s['precision']:.3f}", f"{s['recall']:.3f}", f"{s['f1']:.3f}", str(s["support"])
        )
    out.print(table)
    loc = scores["location"]
    out.print(
        f"kecamatan: {loc['kecamatan_accuracy']} of {loc['n_kecamatan']}   "
        f"kelurahan: {loc['kelurahan_accuracy']} of {loc['n_kelurahan']}"
    )
    out.print(f"parse ms: p50={scores['parse_ms']['p50']}  p99={scores['parse_ms']['p99']}")


from nlu import rasa_cli  # noqa: E402

rasa_cli.register(app)
