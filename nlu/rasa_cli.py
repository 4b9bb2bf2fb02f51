"""Rasa commands for `aduan nlu`: rasa-setup, rasa-train, rasa-serve.

The logic lives in nlu/rasa_server.py (shared with the tests and the benchmark); these are the
thin command-line wrappers.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import typer

VENV_HELP = "The Rasa virtual environment (default: ~/.cache/aduan/rasa-venv, or ADUAN_RASA_VENV)."


def register(app: typer.Typer) -> None:
    """Add the rasa-* commands to the `aduan nlu` app."""

    @app.command("rasa-setup")
    def rasa_setup(
        venv: Path | None = typer.Option(None, "--venv", help=VENV_HELP),
        python: Path | None = typer.Option(
            None, "--python", help="A Python 3.10 interpreter (default: found on PATH or in pyenv)."
        ),
        force: bool = typer.Option(False, "--force", help="Rebuild the venv even if Rasa already works."),
    ) -> None:
        """Build the separate Python 3.10 virtual environment with rasa==3.6.21.

        Rasa 3.6 does not install on Python 3.11 and pins old libraries, so it never shares the
        project's environment. Idempotent: does nothing when Rasa already imports there.
        The first run downloads about 1 GB and takes a few minutes.

        Example: aduan nlu rasa-setup --venv /opt/aduan/rasa-venv
        """
        from nlu import rasa_server

        target = venv.resolve() if venv else rasa_server.default_venv_dir()
        if not force and rasa_server.rasa_installed(target):
            typer.echo(f"rasa {rasa_server.RASA_VERSION} is already installed in {target}")
            return
        try:
            py = rasa_server.ensure_rasa_venv(target, python=python, force=force)
        except (RuntimeError, subprocess.CalledProcessError) as exc:
            typer.secho(f"rasa-setup failed: {exc}", fg=typer.colors.RED, err=True)
            raise typer.Exit(1) from exc
        typer.echo(f"rasa {rasa_server.RASA_VERSION} ready: {py}")

    @app.command("rasa-train")
    def rasa_train(
        force: bool = typer.Option(False, "--force", help="Retrain even when a cached model matches."),
        venv: Path | None = typer.Option(None, "--venv", help=VENV_HELP),
        model_dir: Path | None = typer.Option(
            None, "--model-dir", help="Model cache (default: <nlu_model_dir>/rasa, or ADUAN_RASA_MODEL_DIR)."
        ),
    ) -> None:
        """Train the Rasa NLU model (`rasa train nlu`) of nlu/rasa/ on nlu/data/nlu.yml.

        The model is cached under a hash of nlu.yml, config.yml and domain.yml: when they have
        not changed, the cached model is reused at once. Prints the model's path.

        Example: aduan nlu rasa-train --force
        """
        from nlu import rasa_server

        try:
            model = rasa_server.train_model(force=force, venv=venv, model_dir=model_dir)
        except (RuntimeError, FileNotFoundError) as exc:
            typer.secho(f"rasa-train failed: {exc}", fg=typer.colors.RED, err=True)
            raise typer.Exit(1) from exc
        typer.echo(str(model))

    @app.command("rasa-serve")
    def rasa_serve(
        port: int = typer.Option(5005, "--port", "-p", help="Port on 127.0.0.1."),
        model: Path | None = typer.Option(
            None, "--model", "-m", help="A trained model (default: the cached one, trained if needed)."
        ),
        venv: Path | None = typer.Option(None, "--venv", help=VENV_HELP),
    ) -> None:
        """Run a Rasa server (`rasa run --enable-api`) on 127.0.0.1 for the Rasa engine.

        Trains first if the data changed. Point Aduan at it with ADUAN_NLU_ENGINE=rasa and
        ADUAN_RASA_URL=http://127.0.0.1:PORT.

        Example: aduan nlu rasa-serve --port 5005
        """
        from nlu import rasa_server

        try:
            model = model or rasa_server.train_model(venv=venv)
        except (RuntimeError, FileNotFoundError) as exc:
            typer.secho(f"rasa-serve failed: {exc}", fg=typer.colors.RED, err=True)
            raise typer.Exit(1) from exc
        cmd = rasa_server.serve_command(model.resolve(), port, venv=venv)
        if not Path(cmd[0]).exists():
            typer.secho("no Rasa venv: run `aduan nlu rasa-setup` first", fg=typer.colors.RED, err=True)
            raise typer.Exit(1)
        typer.echo(f"serving {model} on http://127.0.0.1:{port}", err=True)
        # become the Rasa server: signals (Ctrl-C, SIGTERM from a supervisor) reach it directly
        os.execve(cmd[0], cmd, rasa_server.rasa_env())
