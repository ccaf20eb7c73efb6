"""Foundation benchmarks: cold start, Art. 30 PDF for 200 activities, GET of the register, memory.

Run: .venv/bin/python bench/run.py [--rounds 5]   (needs `wrk` for the latency figures)
Uses a fresh SQLite data folder, or PostgreSQL when PRIVACY_DATABASE_URL is set (the database is
then filled with benchmark data: use a scratch database).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import yaml

SECRET = "benchmark-master-secret-" + "b" * 32
ACTIVITIES = 200


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def privacy(env: dict[str, str], *arguments: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "privacy", *arguments], env=env, input=stdin, text=True, capture_output=True, check=True
    )
    return result.stdout


def register_file(path: Path) -> None:
    bases = ["consent", "contract", "legal_obligation", "legitimate_interests", "public_task", "vital_interests"]
    activities = [
        {
            "key": f"activity-{index:03d}",
            "name": f"Processing activity {index:03d}",
            "purpose": f"Deliver part {index} of the service to customers and keep the records this requires.",
            "data_subject_categories": ["Customers", "Prospects", "Website visitors"],
            "personal_data_categories": ["identification", "contact", "billing", "usage"],
            "lawful_basis": bases[index % len(bases)],
            "consent_purpose": "newsletter" if index % len(bases) == 0 else None,
            "legitimate_interest": "Security of the service" if index % len(bases) == 3 else None,
            "legal_obligation": "Tax law" if index % len(bases) == 2 else None,
            "recipients": ["Payment provider", "Support desk provider"],
            "transfers": [{"country": "US", "recipient": "Cloud provider", "safeguard": "sccs_2021_914"}],
            "retention": "Three years after the end of the contract",
            "security_measures": ["Encryption at rest", "Role-based access", "Audit logging"],
            "dpia": {"status": "not_required"},
        }
        for index in range(ACTIVITIES)
    ]
    for entry in activities:
        for field in ("consent_purpose", "legitimate_interest", "legal_obligation"):
            if entry[field] is None:
                del entry[field]
    organisation = {
        "legal_name": "Bench Hosting",
        "address": "1 Bench Street",
        "country": "DE",
        "contact_email": "privacy@bench.example",
    }
    path.write_text(yaml.safe_dump({"organisation": organisation, "activities": activities}))


def start(env: dict[str, str], port: int, workers: int = 1) -> tuple[subprocess.Popen[bytes], float]:
    began = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "privacy", "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/health/ready"
    while True:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return process, time.perf_counter() - began
        except httpx.TransportError:
            time.sleep(0.01)
        if time.perf_counter() - began > 60:
            raise RuntimeError("server did not start")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(timeout=10)


def peak_memory_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(match.group(1)) / 1024 if match else float("nan")


def wrk_latency(url: str, token: str, connections: int) -> dict[str, float]:
    threads = str(min(2, connections))
    output = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", "-d5s", "--latency", "-H", f"Authorization: Bearer {token}", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        raise RuntimeError(f"{non_2xx.group(1)} error responses: a fast error is not throughput")

    def millis(label: str) -> float:
        match = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", output)
        assert match, output
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    requests = re.search(r"Requests/sec:\s+([\d.]+)", output)
    assert requests, output
    return {"p50": millis("50%"), "p99": millis("99%"), "rps": float(requests.group(1))}


def spread(values: list[float], unit: str, digits: int = 2) -> str:
    return " / ".join(f"{v:.{digits}f}" for v in (min(values), statistics.median(values), max(values))) + f" {unit}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    workdir = Path(tempfile.mkdtemp(prefix="privacy-bench-"))
    env = {
        **os.environ,
        "PRIVACY_DATA_DIR": str(workdir / "data"),
        "PRIVACY_SECRET_KEY": SECRET,
        "PRIVACY_LOG_LEVEL": "WARNING",
    }
    try:
        privacy(env, "db", "upgrade")
        register_file(workdir / "register.yaml")
        privacy(env, "apply", str(workdir / "register.yaml"))
        privacy(
            env,
            "users",
            "create",
            "bench@example.org",
            "--role",
            "admin",
            "--password-stdin",
            stdin="benchmark password\n",
        )
        token = privacy(env, "tokens", "create", "--role", "auditor", "--name", "bench").strip().splitlines()[-1]

        starts, pdf_times, warm_pdf_times, p50s, p99s, rps, memory = [], [], [], [], [], [], []
        single_p50s: list[float] = []
        single_p99s: list[float] = []
        for _ in range(rounds):
            port = free_port()
            process, seconds = start(env, port)
            starts.append(seconds)
            base = f"http://127.0.0.1:{port}"
            headers = {"Authorization": f"Bearer {token}"}
            for times in (pdf_times, warm_pdf_times):  # the first export also loads WeasyPrint and fonts
                began = time.perf_counter()
                pdf = httpx.get(f"{base}/api/v1/admin/exports/ropa.pdf", headers=headers, timeout=120)
                times.append(time.perf_counter() - began)
                if pdf.status_code != 200 or not pdf.content.startswith(b"%PDF"):
                    raise RuntimeError(f"the PDF export failed with {pdf.status_code}")
            listing = httpx.get(f"{base}/api/v1/admin/activities", headers=headers, timeout=30).json()
            assert len(listing) == ACTIVITIES
            if shutil.which("wrk"):
                alone = wrk_latency(f"{base}/api/v1/admin/activities", token, 1)
                single_p50s.append(alone["p50"])
                single_p99s.append(alone["p99"])
                loaded = wrk_latency(f"{base}/api/v1/admin/activities", token, 16)
                p50s.append(loaded["p50"])
                p99s.append(loaded["p99"])
                rps.append(loaded["rps"])
            memory.append(peak_memory_mib(process.pid))
            stop(process)

        database = "PostgreSQL" if os.environ.get("PRIVACY_DATABASE_URL") else "SQLite"
        print(f"\n{ACTIVITIES} activities, {database}, {rounds} rounds; min / median / max\n")
        print(f"{'measure':<48} {'figure':>30}")
        print(f"{'cold start of privacy serve to ready':<48} {spread(starts, 's'):>30}")
        print(f"{'Art. 30 PDF, 200 activities, first after start':<48} {spread(pdf_times, 's'):>30}")
        print(f"{'Art. 30 PDF, 200 activities, next (goal < 5 s)':<48} {spread(warm_pdf_times, 's'):>30}")
        print(f"{'PDF size':<48} {len(pdf.content) / 1024:>27.0f} KiB")
        if p50s:
            print(f"{'GET register p50, one connection':<48} {spread(single_p50s, 'ms'):>30}")
            print(f"{'GET register p99, one connection':<48} {spread(single_p99s, 'ms'):>30}")
            print(f"{'GET register p50 (wrk, 16 connections)':<48} {spread(p50s, 'ms'):>30}")
            print(f"{'GET register p99 (wrk, 16 connections)':<48} {spread(p99s, 'ms'):>30}")
            print(f"{'GET register requests/s':<48} {spread(rps, '/s', 0):>30}")
        print(f"{'peak memory of the service (VmHWM)':<48} {spread(memory, 'MiB', 0):>30}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
