"""Web chat load: many concurrent citizens each making a whole report, against a running `aduan serve`.

Run: `.venv/bin/python bench/chat_load.py [--reports 300] [--concurrency 16] [--rounds 3]`

It starts `aduan serve` on a throw-away SQLite database (loopback only) and, as the ceiling, a do-nothing
FastAPI endpoint of the same shape (parses the same multipart form, one SQLite insert, answers JSON). Each
round drives --reports conversations (text, location, photo, "Kirim": four messages each) with
--concurrency at once against Aduan, then the same load against the ceiling; it prints every round, the
totals over all rounds and their ratio. Target (issue 3): at least half the ceiling's
throughput, p99 at most twice the ceiling's, zero errors, every report created exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
TEXTS = [
    "sampah numpuk di pinggir jalan udah seminggu gak diangkut, bau banget",
    "jalan berlubang besar bahaya buat motor, udah ada yg jatuh",
    "banjir sepaha di depan gang, mobil gk bisa lewat",
    "pohon tumbang nutup jalan abis hujan angin tadi sore",
]
POINTS = [(-6.2443, 106.8003), (-6.1754, 106.8272), (-6.2640, 106.8190), (-6.2100, 106.8450)]


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    tickets: list[str] = field(default_factory=list)
    elapsed: float = 0.0

    def line(self, name: str) -> str:
        lat = sorted(self.latencies)
        p50 = statistics.median(lat) * 1000 if lat else 0
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000 if lat else 0
        rate = len(lat) / self.elapsed if self.elapsed else 0
        return f"{name:8s} {rate:8.1f} msg/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  errors {self.errors}"

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def p99(self) -> float:
        lat = sorted(self.latencies)
        return lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else 0.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def photo_bytes(n: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (320, 240), (n % 256, 80, 120)).save(buf, "JPEG", quality=80)
    return buf.getvalue()


async def wait_up(url: str, proc: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError("server exited")
            try:
                await client.post(f"{url}/chat/web/messages", data={"session": "warmup-000"}, timeout=2)
                return
            except httpx.HTTPError:
                await asyncio.sleep(0.2)
    raise TimeoutError(url)


async def one_report(
    client: httpx.AsyncClient, url: str, n: int, result: Result, photo: bytes, run: str
) -> None:
    session = f"bench-{run}-{n:06d}"
    steps: list[tuple[dict[str, str], dict | None]] = [
        ({"text": TEXTS[n % len(TEXTS)]}, None),
        ({"latitude": str(POINTS[n % len(POINTS)][0]), "longitude": str(POINTS[n % len(POINTS)][1])}, None),
        ({}, {"photo": ("p.jpg", photo, "image/jpeg")}),
        ({"button": "confirm:send"}, None),
    ]
    for i, (fields, files) in enumerate(steps):
        data = {"session": session, "message_id": f"{session}-{i}", **fields}
        started = time.perf_counter()
        try:
            response = await client.post(f"{url}/chat/web/messages", data=data, files=files, timeout=60)
            ok = response.status_code == 200
        except httpx.HTTPError:
            ok = False
        result.latencies.append(time.perf_counter() - started)
        if not ok:
            result.errors += 1
            return
        if i == 3:
            text = " ".join(r["text"] for r in response.json()["replies"])
            if "Nomor tiket: " in text:
                result.tickets.append(text.split("Nomor tiket: ")[1].split()[0])
            elif text != "ok":
                result.errors += 1


async def drive(url: str, reports: int, concurrency: int) -> Result:
    result = Result()
    run = f"{os.getpid()}{time.monotonic_ns() % 10**9}"
    photos = [photo_bytes(n) for n in range(16)]
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(reports):
        queue.put_nowait(n)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits) as client:

        async def worker() -> None:
            while not queue.empty():
                n = queue.get_nowait()
                await one_report(client, url, n, result, photos[n % len(photos)], run)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        result.elapsed = time.perf_counter() - started
    return result


def start(cmd: list[str], env: dict[str, str], cwd: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    proc.wait(timeout=30)


def merged(results: list[Result]) -> Result:
    out = Result()
    for r in results:
        out.latencies += r.latencies
        out.errors += r.errors
        out.tickets += r.tickets
        out.elapsed += r.elapsed
    return out


def stored_reports(database: str) -> tuple[dict[str, int], int]:
    """Tickets in the database, and how many conversations made more than one report."""
    con = sqlite3.connect(database)
    stored = dict(
        con.execute("SELECT ticket, COUNT(*) FROM reports GROUP BY reporter_chat_id, ticket").fetchall()
    )
    per_session = con.execute(
        "SELECT COUNT(*) FROM (SELECT reporter_chat_id FROM reports "
        "WHERE reporter_chat_id LIKE 'bench-%' GROUP BY reporter_chat_id HAVING COUNT(*) > 1)"
    ).fetchone()[0]
    con.close()
    return stored, per_session


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reports", type=int, default=300, help="conversations per round and server")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3, help="rounds, each Aduan then the ceiling")
    args = parser.parse_args()
    bin_dir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "ADUAN_DATABASE_URL": f"sqlite:///{tmp}/aduan.db",
            "ADUAN_MEDIA_DIR": f"{tmp}/media",
            "ADUAN_NLU_MODEL_DIR": str(ROOT / "var" / "nlu"),
            "CEILING_DB": f"{tmp}/ceiling.db",
        }
        aduan_url = f"http://127.0.0.1:{free_port()}"
        aduan = start([str(bin_dir / "aduan"), "serve", "--port", aduan_url.rsplit(":", 1)[1]], env, tmp)
        ceiling_url = f"http://127.0.0.1:{free_port()}"
        ceiling_cmd = [str(bin_dir / "python"), "-m", "uvicorn", "ceiling_app:app"]
        ceiling_cmd += ["--port", ceiling_url.rsplit(":", 1)[1], "--log-level", "warning"]
        ceiling_proc = start([*ceiling_cmd, "--app-dir", str(ROOT / "bench")], env, tmp)
        ours: list[Result] = []
        ceiling: list[Result] = []
        try:
            for url, proc in ((aduan_url, aduan), (ceiling_url, ceiling_proc)):
                asyncio.run(wait_up(url, proc))
                asyncio.run(drive(url, 8, 4))  # warm-up (not counted)
            # Rounds alternate between the two servers, so a slow spell of this shared machine falls on
            # both sides instead of on one.
            for n in range(args.rounds):
                ours.append(asyncio.run(drive(aduan_url, args.reports, args.concurrency)))
                ceiling.append(asyncio.run(drive(ceiling_url, args.reports, args.concurrency)))
                a, c = ours[-1].rate, ceiling[-1].rate
                line = f"round {n + 1}: aduan {a:6.1f} msg/s, ceiling {c:6.1f} msg/s, ratio {a / c:.3f}"
                print(line, flush=True)
        finally:
            stop(aduan)
            stop(ceiling_proc)
        stored, per_session = stored_reports(f"{tmp}/aduan.db")

    total, top = merged(ours), merged(ceiling)
    wanted = args.reports * args.rounds
    created = sum(1 for t in total.tickets if t in stored)
    print(
        f"{args.rounds} rounds x {args.reports} reports x 4 messages, "
        f"{args.concurrency} concurrent conversations, loopback"
    )
    print(total.line("aduan"))
    print(top.line("ceiling"))
    print(
        f"throughput ratio {total.rate / top.rate:.3f} (target >= 0.5); "
        f"p99 ratio {total.p99() / max(top.p99(), 1e-9):.2f} (target <= 2)"
    )
    print(f"reports created {created} of {wanted}; conversations with more than one report: {per_session}")


if __name__ == "__main__":
    main()
