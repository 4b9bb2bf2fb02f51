"""Throughput of Aduan's `/model/parse` against a real Rasa server's, and against a do-nothing ceiling.

One run, one load generator (this process: asyncio + httpx, N concurrent clients, a bounded
number of requests, loopback only), three servers measured one after the other:

  aduan    uvicorn serving nlu.router.router with the builtin engine (a subprocess)
  rasa     `rasa run --enable-api` trained on the same nlu/data/nlu.yml (nlu.rasa_server)
  ceiling  uvicorn serving a FastAPI endpoint of the same shape that does nothing: it parses the
           JSON body and returns a fixed JSON answer of the same shape (the most any Python
           endpoint could do with this server stack and this load generator)

Prints requests/s, p50 and p99 latency of each, and the ratios Aduan/Rasa and Aduan/ceiling.

    .venv/bin/python bench/nlu_vs_rasa.py                  # sets up and trains Rasa if needed
    .venv/bin/python bench/nlu_vs_rasa.py --requests 4000 --concurrency 8 --json
    .venv/bin/python bench/nlu_vs_rasa.py --rasa-url http://127.0.0.1:5005   # an already running Rasa
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from fastapi import FastAPI, Request  # noqa: E402

from nlu import rasa_server  # noqa: E402

TARGET_RATIO = 4.0
FALLBACK_TEXTS = [
    "bnjr sepaha di jl kemang raya deket kemang village rt 04/02, mobil gk bisa lewat",
    "sampah numpuk di pinggir kali ciliwung udh seminggu gk diangkut",
    "jalan berlubang gede bgt di jl raya bogor km 20, motor sering jatuh",
    "macet parah di bundaran hi, lampu merah mati",
    "ada pohon tumbang nutupin jalan di kebayoran baru",
    "parkir liar di depan pasar tanah abang bikin macet",
    "halo selamat pagi min",
    "makasih banyak ya pak",
    "status laporan ADN-2024-00123 gimana ya?",
    "kebakaran rumah warga di tambora rt 05 rw 03!!",
    "lampu PJU di jalan pemuda mati semua",
    "pengemis bawa anak kecil di perempatan cawang tiap sore",
]


def load_texts(limit: int = 500) -> list[str]:
    """Messages to send: the evaluation set when there is one (realistic lengths), else a fixed list."""
    eval_csv = ROOT / "nlu" / "data" / "eval.csv"
    if eval_csv.exists():
        with eval_csv.open(newline="", encoding="utf-8") as fh:
            texts = [row["text"] for row in csv.DictReader(fh) if row.get("text")]
        if texts:
            return texts[:limit]
    return FALLBACK_TEXTS


# --------------------------------------------------------------------------- the served apps


def aduan_app() -> Any:
    """Aduan's own /model/parse: nlu.router.router with the builtin engine, trained or loaded."""
    from nlu import router as nlu_router
    from nlu.builtin import BuiltinEngine
    from nlu.gazetteer import DEFAULT_GEOJSON, Gazetteer, records_from_geojson

    model_dir = Path(os.environ.get("ADUAN_NLU_MODEL_DIR", ROOT / "var" / "nlu"))
    engine = BuiltinEngine(gazetteer=Gazetteer(records_from_geojson(DEFAULT_GEOJSON)), model_dir=model_dir)
    engine.ensure_model()
    engine.parse("halo")  # warm every lazy path before the clock starts
    app = FastAPI()
    app.state.nlu_engine = engine
    app.include_router(nlu_router.router)

    @app.get("/status")
    def status() -> dict[str, str]:
        return {"engine": engine.name}

    return app


CEILING_ANSWER: dict[str, Any] = {
    "text": "",
    "intent": {"name": "lapor_banjir", "confidence": 0.97},
    "intent_ranking": [
        {"name": "lapor_banjir", "confidence": 0.97},
        {"name": "lapor_sampah", "confidence": 0.02},
        {"name": "sapa", "confidence": 0.01},
    ],
    "entities": [
        {"entity": "lokasi", "value": "kemang", "start": 0, "end": 6, "confidence": 1.0, "extractor": "none"}
    ],
    "category": "banjir",
    "location": None,
    "language": "id",
}


def ceiling_app() -> Any:
    """A do-nothing endpoint of the same shape: read the JSON body, answer a fixed JSON."""
    app = FastAPI()

    @app.post("/model/parse")
    async def parse(request: Request) -> dict[str, Any]:
        body = await request.json()
        return {**CEILING_ANSWER, "text": body.get("text", "")}

    @app.get("/status")
    def status() -> dict[str, str]:
        return {"engine": "ceiling"}

    return app


def serve(which: str, port: int) -> None:
    """Run one of the apps (in a child process of the benchmark)."""
    import uvicorn

    app = aduan_app() if which == "aduan" else ceiling_app()
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


@dataclass
class Child:
    process: subprocess.Popen
    url: str

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)


def start_child(which: str, timeout: float = 300.0) -> Child:
    port = rasa_server.free_port()
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--serve", which, "--port", str(port)],
        cwd=ROOT,
        start_new_session=True,
    )
    child = Child(process, f"http://127.0.0.1:{port}")
    if not rasa_server.wait_until_up(child.url, timeout=timeout, process=process):
        child.stop()
        raise RuntimeError(f"the {which} server did not come up")
    return child


# --------------------------------------------------------------------------- the load generator


@dataclass
class Result:
    name: str
    url: str
    requests: int
    errors: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    mean_ms: float


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, round(q / 100 * (len(sorted_values) - 1))))
    return sorted_values[k]


async def load(
    name: str, url: str, texts: list[str], *, requests: int, concurrency: int, warmup: int
) -> Result:
    """`concurrency` clients, each sending its next request as soon as the last one is answered."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60.0) as client:
        # the same shape check for all three before measuring anything
        first = await client.post("/model/parse", json={"text": texts[0]})
        first.raise_for_status()
        answer = first.json()
        missing = {"text", "intent", "intent_ranking", "entities"} - set(answer)
        if missing:
            raise RuntimeError(f"{name}: /model/parse answer lacks {sorted(missing)}")

        async def run(total: int, latencies: list[float] | None) -> int:
            counter = iter(range(total))
            errors = 0

            async def worker() -> None:
                nonlocal errors
                for i in counter:
                    started = time.perf_counter()
                    try:
                        response = await client.post("/model/parse", json={"text": texts[i % len(texts)]})
                        ok = response.status_code == 200
                    except httpx.HTTPError:
                        ok = False
                    if latencies is not None:
                        latencies.append((time.perf_counter() - started) * 1000)
                    if not ok:
                        errors += 1

            await asyncio.gather(*(worker() for _ in range(concurrency)))
            return errors

        await run(warmup, None)
        latencies: list[float] = []
        started = time.perf_counter()
        errors = await run(requests, latencies)
        seconds = time.perf_counter() - started
    latencies.sort()
    return Result(
        name=name,
        url=url,
        requests=requests,
        errors=errors,
        seconds=round(seconds, 3),
        rps=round(requests / seconds, 1),
        p50_ms=round(percentile(latencies, 50), 2),
        p99_ms=round(percentile(latencies, 99), 2),
        mean_ms=round(statistics.fmean(latencies), 2),
    )


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=3000, help="measured requests per server")
    parser.add_argument("--rasa-requests", type=int, default=None, help="for Rasa (default: --requests)")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients")
    parser.add_argument("--warmup", type=int, default=200, help="unmeasured requests first")
    parser.add_argument(
        "--rasa-url", default=None, help="use this running Rasa server instead of starting one"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--serve", choices=["aduan", "ceiling"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve, args.port)
        return 0

    texts = load_texts()
    say = (lambda *a: print(*a, file=sys.stderr, flush=True)) if args.json else print
    say(f"{len(texts)} messages, {args.concurrency} concurrent clients, {args.requests} requests each")
    children: list[Child] = []
    rasa: rasa_server.RasaServer | None = None
    results: list[Result] = []
    try:
        rasa_url = args.rasa_url
        if rasa_url is None:
            say("starting Rasa (setting up the venv and training first if needed) ...")
            rasa_server.ensure_rasa_venv()
            rasa = rasa_server.start_server(model=rasa_server.train_model(), timeout=600)
            rasa_url = rasa.url
        say("starting the ceiling and Aduan servers ...")
        ceiling = start_child("ceiling")
        children.append(ceiling)
        aduan = start_child("aduan")
        children.append(aduan)
        plan = [
            ("ceiling", ceiling.url, args.requests),
            ("aduan", aduan.url, args.requests),
            ("rasa", rasa_url, args.rasa_requests or args.requests),
        ]
        for name, url, n in plan:
            say(f"measuring {name} ({url}) ...")
            results.append(
                asyncio.run(
                    load(name, url, texts, requests=n, concurrency=args.concurrency, warmup=args.warmup)
                )
            )
    finally:
        for child in children:
            child.stop()
        if rasa is not None:
            rasa.stop()

    by = {r.name: r for r in results}
    ratios = {
        "aduan_over_rasa": round(by["aduan"].rps / by["rasa"].rps, 2),
        "aduan_over_ceiling": round(by["aduan"].rps / by["ceiling"].rps, 3),
        "rasa_over_ceiling": round(by["rasa"].rps / by["ceiling"].rps, 3),
    }
    passed = ratios["aduan_over_rasa"] >= TARGET_RATIO
    if args.json:
        print(
            json.dumps(
                {
                    "concurrency": args.concurrency,
                    "cpu_count": os.cpu_count(),
                    "results": [asdict(r) for r in results],
                    "ratios": ratios,
                    "target_aduan_over_rasa": TARGET_RATIO,
                    "target_met": passed,
                },
                indent=2,
            )
        )
    else:
        print()
        print(f"{'server':<9} {'requests':>8} {'errors':>6} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
        for r in results:
            print(
                f"{r.name:<9} {r.requests:>8} {r.errors:>6} {r.rps:>9.1f} {r.p50_ms:>8.2f} {r.p99_ms:>8.2f}"
            )
        print()
        print(f"Aduan / Rasa    = {ratios['aduan_over_rasa']:.2f}x  (target >= {TARGET_RATIO:.0f}x: ", end="")
        print("met)" if passed else "NOT met)")
        print(f"Aduan / ceiling = {ratios['aduan_over_ceiling']:.3f}")
        print(f"Rasa / ceiling  = {ratios['rasa_over_ceiling']:.3f}")
    return 0 if all(r.errors == 0 for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
