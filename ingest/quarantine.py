"""The quarantine file: every rejected input record with its source, location and reason."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any

import orjson


class Quarantine:
    """Collects rejections during a build and rewrites the quarantine file for the sources read."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: list[dict[str, Any]] = []

    def reject(self, source: str, line: int | None, pointer: str | None, reason: str, detail: str, raw: str | None = None) -> None:
        """Record one rejected record."""
        self.entries.append({"source": source, "line": line, "pointer": pointer, "reason": reason, "detail": detail, "raw": raw})

    def reasons(self) -> dict[str, int]:
        """Count of rejections by reason."""
        return dict(Counter(e["reason"] for e in self.entries))

    def write(self, sources: set[str]) -> None:
        """Replace the entries of `sources`, keeping those of others from earlier builds (an entry already kept is
        not written twice, as when the same stream is piped in again).

        The new file is written beside the old one and renamed over it, so a build killed meanwhile loses nothing.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(self.path.name + ".partial")
        appended = {e["source"] for e in self.entries} - sources  # sources whose old entries may repeat a new one
        kept: set[bytes] = set()
        with partial.open("wb") as handle:
            if self.path.exists():
                with self.path.open("rb") as old:
                    for line in filter(bytes.strip, old):
                        source = orjson.loads(line).get("source")
                        if source not in sources:
                            text = line.rstrip(b"\n")
                            if source in appended:
                                kept.add(text)
                            handle.write(text + b"\n")
            for entry in self.entries:
                if (text := orjson.dumps(entry)) not in kept:
                    handle.write(text + b"\n")
        os.replace(partial, self.path)
