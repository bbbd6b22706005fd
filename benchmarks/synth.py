"""A deterministic synthetic site: N articles in our front-matter format, for benchmarks.

    python benchmarks/synth.py N DIR     # writes DIR/site.yaml and DIR/content/*.md

≈630 words an article, 1–4 of 40 topics, 1–5 of 400 companies, dates over three years.
"""

from __future__ import annotations

import random
import sys
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WORDS = ("market company startup funding round investors regulators platform users growth revenue china "
         "technology data cloud chips electric vehicle payments app launch deal billion million quarter "
         "report analysts shares percent customers service network policy government rules").split()


def article(i: int, rng: random.Random) -> tuple[str, str]:
    topics = rng.sample(range(40), rng.randint(1, 4))
    companies = rng.sample(range(400), rng.randint(1, 5))
    day = date(2020, 1, 1) + timedelta(days=rng.randrange(3 * 365))
    title = f"Company {companies[0]} {rng.choice(WORDS)} {rng.choice(WORDS)} in story {i}"
    paragraphs = []
    for _ in range(9):
        sentence_count = rng.randint(3, 5)
        paragraphs.append(" ".join(" ".join(rng.choice(WORDS) for _ in range(14)).capitalize() + "."
                                   for _ in range(sentence_count)))
    body = "\n\n".join(paragraphs[:4]) + "\n\n## What comes next\n\n" + "\n\n".join(paragraphs[4:])
    front = (f"---\ntitle: \"{title}\"\nslug: story-{i}\ndate: {day.isoformat()}\n"
             f"topics: [{', '.join(f'Topic {t}' for t in topics)}]\n"
             f"companies: [{', '.join(f'Company {c}' for c in companies)}]\n---\n")
    return f"story-{i}.md", front + body + "\n"


def write_site(n: int, root: Path) -> Path:
    """Write a site of n articles under root; return its site.yaml."""
    rng = random.Random(n)
    (root / "content").mkdir(parents=True, exist_ok=True)
    for i in range(n):
        name, text = article(i, rng)
        (root / "content" / name).write_text(text, encoding="utf-8")
    config = root / "site.yaml"
    config.write_text(f"title: Bench\nbase_url: https://bench.github.io/bench/\ntemplates_dir: {REPO / 'templates'}\n"
                      "taxonomies:\n  - key: topics\n    index: by_count\n"
                      "  - key: companies\n    singular: company\n    related_weight: 3\n    index: alphabetical\n")
    return config


if __name__ == "__main__":
    write_site(int(sys.argv[1]), Path(sys.argv[2]))
