"""The disposable-mail domain list: the maintained `disposable-email-domains`
package, plus the list last fetched by `flask --app voting accounts
refresh-disposable` (instance/disposable_domains.txt), plus an optional extra
file from VOTING_DISPOSABLE_DOMAINS_FILE."""

from __future__ import annotations

from pathlib import Path

import disposable_email_domains
from flask import current_app

EXTENSION = "voting_disposable_domains"
INSTANCE_FILE = "disposable_domains.txt"


def parse_list(text: str) -> set[str]:
    domains = set()
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip().lower().rstrip(".")
        if line and "." in line and " " not in line:
            domains.add(line)
    return domains


def load(instance_path: str, extra_file: str) -> frozenset[str]:
    domains = set(disposable_email_domains.blocklist)
    for path in (Path(instance_path) / INSTANCE_FILE, Path(extra_file) if extra_file else None):
        if path and path.exists():
            domains |= parse_list(path.read_text(encoding="utf-8"))
    return frozenset(domains)


def domains() -> frozenset[str]:
    cached = current_app.extensions.get(EXTENSION)
    if cached is None:
        s = current_app.config["VOTING"]
        cached = load(current_app.instance_path, s.disposable_domains_file)
        current_app.extensions[EXTENSION] = cached
    return cached


def refresh(source_text: str) -> int:
    """Store a new list in the instance folder; answers how many domains it holds."""
    parsed = parse_list(source_text)
    if len(parsed) < 10:
        raise ValueError("the new list has fewer than 10 domains; refusing to replace the current one")
    target = Path(current_app.instance_path) / INSTANCE_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join(sorted(parsed)) + "\n", encoding="utf-8")
    current_app.extensions.pop(EXTENSION, None)
    return len(parsed)
