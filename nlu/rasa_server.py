"""Build, train and run the Rasa server that the Rasa engine (nlu/rasa.py) talks to.

Rasa 3.6 runs on Python 3.10 only and pins old libraries (TensorFlow 2.12, SQLAlchemy 1.4,
pydantic 1), so it lives in its own virtual environment (default `~/.cache/aduan/rasa-venv`,
`ADUAN_RASA_VENV` to move it) and is only ever reached as a subprocess or over HTTP.
Nothing here imports rasa.

The pieces are plain functions so that `aduan nlu rasa-*`, the tests and the benchmark
share them:

    ensure_rasa_venv()   -> the venv's python (created and installed when missing)
    train_model()        -> path of a trained NLU model, cached by a hash of the inputs
    serve_command(m, p)  -> the `rasa run --enable-api` command line
    start_server(p)      -> a running server (RasaServer), once it answers HTTP
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
RASA_PROJECT_DIR = Path(__file__).resolve().parent / "rasa"
NLU_DATA = Path(__file__).resolve().parent / "data" / "nlu.yml"

RASA_VERSION = "3.6.21"
# What `pip install rasa==3.6.21` needs on top to resolve quickly and work on Python 3.10:
# - tensorflow 2.12 asks for `jax>=0.3.15`; recent jax needs numpy>=1.24 while tensorflow 2.12
#   needs numpy<1.24, so pip backtracks through every jaxlib (100 MB each). jax 0.4.13 fits.
# - ml-dtypes<0.3 goes with that jax (and numpy 1.23).
# - pip<24.1: later pips reject some of Rasa's old dependency metadata.
RASA_REQUIREMENTS: tuple[str, ...] = (
    f"rasa=={RASA_VERSION}",
    "jax==0.4.13",
    "jaxlib==0.4.13",
    "ml-dtypes<0.3",
)
PIP_REQUIREMENT = "pip>=23.3,<24.1"

Log = Callable[[str], None]


def _default_log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- locations


def machine_cache() -> Path:
    """The machine's cache for Aduan (`$XDG_CACHE_HOME/aduan`, else `~/.cache/aduan`): shared by every
    checkout on this machine, so a fresh clone (as CI makes) reuses the Rasa environment and models."""
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "aduan"


def default_venv_dir() -> Path:
    """`ADUAN_RASA_VENV`, else `~/.cache/aduan/rasa-venv`."""
    env = os.environ.get("ADUAN_RASA_VENV")
    return Path(env).expanduser().resolve() if env else machine_cache() / "rasa-venv"


def default_model_dir() -> Path:
    """Where trained Rasa models are cached: `ADUAN_RASA_MODEL_DIR`, else `~/.cache/aduan/rasa-models`
    (keyed by a hash of the training data and config, so any checkout may share it)."""
    env = os.environ.get("ADUAN_RASA_MODEL_DIR")
    if env:
        return Path(env).expanduser().resolve()
    return machine_cache() / "rasa-models"


def rasa_python(venv: Path | None = None) -> Path:
    """The Python interpreter of the Rasa virtual environment (it may not exist yet)."""
    return (venv or default_venv_dir()) / "bin" / "python"


def find_python310() -> Path:
    """A Python 3.10 interpreter to build the venv with.

    `ADUAN_RASA_PYTHON`, else `python3.10` on PATH, else a pyenv 3.10 install.
    """
    env = os.environ.get("ADUAN_RASA_PYTHON")
    candidates: list[str] = [env] if env else []
    which = shutil.which("python3.10")
    if which:
        candidates.append(which)
    pyenv_root = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    candidates += sorted(glob.glob(f"{pyenv_root}/versions/3.10*/bin/python"), reverse=True)
    candidates += sorted(glob.glob("/root/.pyenv/versions/3.10*/bin/python"), reverse=True)
    for cand in candidates:
        path = Path(cand)
        if path.exists() and _python_version(path) == (3, 10):
            return path
    raise RuntimeError(
        "Rasa 3.6 needs Python 3.10 and none was found; install it (e.g. `pyenv install 3.10`) "
        "or point ADUAN_RASA_PYTHON at a python3.10 binary"
    )


def _python_version(python: Path) -> tuple[int, int] | None:
    try:
        out = subprocess.run(
            [str(python), "-c", "import sys; print(sys.version_info[0], sys.version_info[1])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout.split()
        return int(out[0]), int(out[1])
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return None


def _parent_death_signal() -> Callable[[], None] | None:
    """A preexec_fn that makes the child get SIGTERM when this process dies (Linux), else None.

    So a test run or a benchmark that is killed (a CI timeout) does not leave a Rasa server or a
    training run behind.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig = 1

    def preexec() -> None:
        prctl(pr_set_pdeathsig, signal.SIGTERM)

    return preexec


def rasa_env() -> dict[str, str]:
    """The environment of every Rasa subprocess: clean of this project's venv, quiet, offline."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    env.update(
        {
            "RASA_TELEMETRY_ENABLED": "false",  # never phone home (no internet here anyway)
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "PYTHONNOUSERSITE": "1",
            "PYTHONWARNINGS": "ignore",
        }
    )
    return env


# --------------------------------------------------------------------------- setup


# rasa imports at the pinned version, and the heavy parts it loads lazily are there (cheap: no TF import)
_INSTALLED_CHECK = (
    "import importlib.util as u, rasa; "
    "missing = [m for m in ('tensorflow', 'tensorflow_text', 'sanic', 'sklearn') if u.find_spec(m) is None]; "
    "print('missing: ' + ' '.join(missing) if missing else rasa.__version__)"
)


def rasa_installed(venv: Path | None = None) -> bool:
    """True when the venv's python imports rasa at the pinned version (with TensorFlow and Sanic)."""
    python = rasa_python(venv)
    if not python.exists():
        return False
    try:
        out = subprocess.run(
            [str(python), "-c", _INSTALLED_CHECK],
            capture_output=True,
            text=True,
            timeout=120,
            env=rasa_env(),
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return out.returncode == 0 and out.stdout.strip() == RASA_VERSION


def ensure_rasa_venv(
    venv: Path | None = None,
    *,
    python: Path | None = None,
    force: bool = False,
    log_fn: Log = _default_log,
) -> Path:
    """Create the Rasa venv and install Rasa into it unless it is already there; return its python.

    Idempotent: when rasa imports at the pinned version nothing is done (a second or so).
    The first run downloads about 1 GB (TensorFlow) and takes a few minutes.
    """
    venv = venv or default_venv_dir()
    if not force and rasa_installed(venv):
        return rasa_python(venv)
    py = rasa_python(venv)
    if force or not py.exists() or _python_version(py) != (3, 10):
        base = python or find_python310()
        log_fn(f"creating the Rasa venv {venv} with {base}")
        _run([str(base), "-m", "venv", "--clear", str(venv)], log_fn=log_fn)
    env = rasa_env()
    log_fn(f"installing {', '.join(RASA_REQUIREMENTS)} (first time: a few minutes, ~1 GB)")
    _run([str(py), "-m", "pip", "install", "--disable-pip-version-check", "-q", PIP_REQUIREMENT], env=env)
    _run(
        [str(py), "-m", "pip", "install", "--disable-pip-version-check", *RASA_REQUIREMENTS],
        env=env,
        log_fn=log_fn,
    )
    if not rasa_installed(venv):
        raise RuntimeError(f"rasa {RASA_VERSION} was installed into {venv} but does not import")
    log_fn(f"rasa {RASA_VERSION} is ready in {venv}")
    return py


def _run(cmd: Sequence[str], *, env: dict[str, str] | None = None, log_fn: Log | None = None, **kw) -> None:
    if log_fn:
        log_fn("$ " + " ".join(cmd))
    subprocess.run(list(cmd), check=True, env=env, **kw)


# --------------------------------------------------------------------------- training


def model_key(
    nlu_data: Path = NLU_DATA, config: Path = RASA_PROJECT_DIR / "config.yml", domain: Path | None = None
) -> str:
    """The cache key of a model: a hash of the training data, the config (and domain) and Rasa's version."""
    domain = domain or RASA_PROJECT_DIR / "domain.yml"
    digest = hashlib.sha256(RASA_VERSION.encode())
    for path in (nlu_data, config, domain):
        digest.update(b"\0" + path.name.encode() + b"\0")
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.hexdigest()[:16]


def train_model(
    *,
    force: bool = False,
    venv: Path | None = None,
    model_dir: Path | None = None,
    nlu_data: Path = NLU_DATA,
    project_dir: Path = RASA_PROJECT_DIR,
    num_threads: int | None = None,
    keep: int = 3,
    log_fn: Log = _default_log,
) -> Path:
    """Train `nlu/rasa/` on `nlu/data/nlu.yml` (`rasa train nlu`) and return the model's path.

    The model is cached in `model_dir` as `nlu-<hash>.tar.gz`, keyed by a hash of nlu.yml,
    config.yml and domain.yml: when none of them changed, the cached model is returned at once.
    Training runs in a scratch copy of the project, so Rasa never rewrites files in the tree.
    """
    if not nlu_data.exists():
        raise FileNotFoundError(f"no training data at {nlu_data}")
    config, domain = project_dir / "config.yml", project_dir / "domain.yml"
    model_dir = model_dir or default_model_dir()
    name = f"nlu-{model_key(nlu_data, config, domain)}"
    target = model_dir / f"{name}.tar.gz"
    if target.exists() and not force:
        return target
    python = rasa_python(venv)
    if not python.exists():
        raise RuntimeError(f"no Rasa venv at {python.parent.parent}; run `aduan nlu rasa-setup` first")
    model_dir.mkdir(parents=True, exist_ok=True)
    threads = num_threads or max(1, os.cpu_count() or 1)
    with tempfile.TemporaryDirectory(prefix="aduan-rasa-train-") as tmp:
        work = Path(tmp)
        shutil.copy(config, work / "config.yml")
        shutil.copy(domain, work / "domain.yml")
        (work / "data").mkdir()
        shutil.copy(nlu_data, work / "data" / "nlu.yml")
        cmd = [
            str(python), "-m", "rasa", "train", "nlu",
            "-c", "config.yml", "-d", "domain.yml", "-u", "data/nlu.yml",
            "--out", str(work / "models"), "--fixed-model-name", name,
            "--num-threads", str(threads),
        ]  # fmt: skip
        train_log = model_dir / f"train-{name}.log"
        log_fn(f"training the Rasa NLU model {name} (a few minutes on a small CPU; log: {train_log})")
        started = time.monotonic()
        with train_log.open("wb") as out:
            proc = subprocess.run(
                cmd,
                cwd=work,
                env=rasa_env(),
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=_parent_death_signal(),
            )
        produced = work / "models" / f"{name}.tar.gz"
        if proc.returncode != 0 or not produced.exists():
            tail = "\n".join(train_log.read_text(errors="replace").splitlines()[-40:])
            raise RuntimeError(f"rasa train nlu failed (exit {proc.returncode}), see {train_log}:\n{tail}")
        partial = model_dir / f".{name}.partial"
        shutil.copy(produced, partial)
        partial.replace(target)  # atomic: a concurrent reader never sees half a model
    log_fn(f"trained {target} in {time.monotonic() - started:.0f}s")
    _prune(model_dir, keep=keep, current=target)
    return target


def _prune(model_dir: Path, *, keep: int, current: Path) -> None:
    """Keep the `keep` newest models (and their training logs); delete the older ones."""
    models = sorted(model_dir.glob("nlu-*.tar.gz"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in [m for m in models if m != current][max(0, keep - 1) :]:
        with contextlib.suppress(OSError):
            old.unlink()
        with contextlib.suppress(OSError):
            (model_dir / f"train-{old.name.removesuffix('.tar.gz')}.log").unlink()


def latest_model(model_dir: Path | None = None) -> Path | None:
    """The most recently trained cached model, if any."""
    models = sorted((model_dir or default_model_dir()).glob("nlu-*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


# --------------------------------------------------------------------------- serving


def serve_command(model: Path | str, port: int = 5005, *, venv: Path | None = None) -> list[str]:
    """The command line of a Rasa HTTP server on 127.0.0.1 with the API enabled (`/model/parse`)."""
    return [
        str(rasa_python(venv)), "-m", "rasa", "run", "--enable-api",
        "-m", str(model), "-p", str(int(port)), "-i", "127.0.0.1",
    ]  # fmt: skip


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RasaServer:
    """A running `rasa run` subprocess (in its own process group); stop() ends it."""

    process: subprocess.Popen
    port: int
    model: Path
    log_path: Path | None = None
    _log_file: IO[bytes] | None = field(default=None, repr=False)
    _remove_log: bool = field(default=False, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM the server's process group, SIGKILL it if it does not go."""
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=timeout)
        if self._log_file:
            self._log_file.close()
            self._log_file = None
        if self._remove_log and self.log_path:
            with contextlib.suppress(OSError):
                self.log_path.unlink()

    def __enter__(self) -> RasaServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def wait_until_up(
    url: str, *, timeout: float, process: subprocess.Popen | None = None, path: str = "/status"
) -> bool:
    """Poll `url + path` until it answers 200 (False if the process dies or time runs out).

    For Rasa this must be /status, not /: Rasa answers / as soon as its HTTP server listens,
    but /status only once the model is loaded (409 "No agent loaded" before that).
    """
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process is not None and process.poll() is not None:
                return False
            try:
                if client.get(url + path).status_code == 200:
                    return True
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
    return False


def start_server(
    port: int | None = None,
    *,
    model: Path | None = None,
    venv: Path | None = None,
    timeout: float = 300.0,
    log_path: Path | None = None,
) -> RasaServer:
    """Start `rasa run --enable-api` on 127.0.0.1:`port`; return once its model is loaded.

    `model` defaults to `train_model()` (the cached model, trained if the data changed).
    The server's output goes to `log_path` (default: a file next to the model, removed by
    `.stop()`). Call `.stop()` (or use it as a context manager) to end it.
    """
    port = port or free_port()
    model = (model or train_model(venv=venv)).resolve()
    if not model.is_file():
        raise FileNotFoundError(f"no Rasa model at {model}")
    own_log = log_path is None
    if log_path is None:
        log_path = model.parent / f"rasa-server-{port}.log"  # removed again by stop()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_file = log_path.open("wb")
    process = subprocess.Popen(
        serve_command(model, port, venv=venv),
        cwd=model.parent,
        env=rasa_env(),
        stdout=log_file,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: stop() ends it and all it started
        preexec_fn=_parent_death_signal(),  # and it ends when this process dies
    )
    server = RasaServer(process=process, port=port, model=model, log_path=log_path, _log_file=log_file)
    if not wait_until_up(server.url, timeout=timeout, process=process):
        tail = server.log_tail()
        server._remove_log = own_log
        server.stop()
        raise RuntimeError(f"the Rasa server on port {port} did not load {model} in {timeout:.0f}s:\n{tail}")
    server._remove_log = own_log
    return server
