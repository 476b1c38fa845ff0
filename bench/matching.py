"""Benchmark: organisation resolution at scale, against exact-key grouping alone, in one run.

    python bench/matching.py [--sizes 10000 50000 100000]

Records are synthetic: company-like names drawn from the words of real supplier names in ../shared/data/ocds
(a small built-in list otherwise), a fifth of them repeated with another case, legal suffix or one-letter slip,
a tenth carrying a Companies House number. Goal: 100k organisations resolved in well under a minute, with time
growing about linearly (blocking, not all pairs); the ratio to exact-key grouping shows what fuzzy matching costs.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.identity import name_parts, normalise_name
from kg.matching import OrgRecord, resolve

OCDS_DIR = ROOT.parent / "shared" / "data" / "ocds"
WORDS = [
    "acme", "northern", "southern", "building", "services", "care", "housing", "consulting", "solutions", "systems",
    "energy", "green", "transport", "facilities", "cleaning", "security", "medical", "digital", "partners", "group",
]
SUFFIXES = ("Ltd", "Limited", "LTD.", "PLC", "LLP", "")


def vocabulary() -> list[str]:
    """Words of real organisation names, or the built-in list."""
    words: set[str] = set()
    for path in sorted(OCDS_DIR.glob("*.jsonl.gz")) if OCDS_DIR.is_dir() else []:
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for line in lines:
                for party in json.loads(line).get("parties") or []:
                    words.update(w for w in str(party.get("name", "")).split() if w.isalpha() and len(w) > 2)
    return sorted(words) or WORDS


def records(n: int, words: list[str], rng: random.Random) -> list[OrgRecord]:
    """``n`` records: distinct names, some repeated as variants, some with company numbers."""
    out: list[OrgRecord] = []
    while len(out) < n:
        base = " ".join(rng.choices(words, k=rng.randint(1, 4)))
        ids = frozenset({("GB-COH", f"{len(out):08d}")}) if rng.random() < 0.1 else frozenset()
        out.append(OrgRecord(f"urn:org:{len(out)}", (f"{base} {rng.choice(SUFFIXES)}",), ids))
        if rng.random() < 0.2:
            variant = base.upper() if rng.random() < 0.5 else base[:-1] + base[-1] * 2
            out.append(OrgRecord(f"urn:org:{len(out)}", (f"{variant} {rng.choice(SUFFIXES)}",)))
    return out[:n]


def exact_only(recs: list[OrgRecord]) -> int:
    """The baseline: group by normalised name alone; returns the number of groups."""
    groups: dict[str | None, list[str]] = defaultdict(list)
    for record in recs:
        groups[normalise_name(record.names[0])].append(record.iri)
    return len(groups)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000, 100_000])
    args = parser.parse_args()
    words = vocabulary()
    print(f"vocabulary: {len(words)} words")
    for n in args.sizes:
        recs = records(n, words, random.Random(n))
        name_parts.cache_clear()  # both timings fold every name from scratch
        started = time.perf_counter()
        exact_only(recs)
        baseline = time.perf_counter() - started
        name_parts.cache_clear()
        started = time.perf_counter()
        links = resolve(recs)
        seconds = time.perf_counter() - started
        print(f"{n:>7} records: resolve {seconds:6.2f} s, exact-key grouping {baseline:5.2f} s "
              f"(×{seconds / max(baseline, 1e-9):.1f}), {len(links)} links")


if __name__ == "__main__":
    main()
