"""Accuracy on the labelled dumps: split, principal companies, topics and dates. Prints a table.

    python benchmarks/accuracy.py            # every labelled dump in tests/dumps/ and the corpus

Labels live in tests/dumps/<name>.yaml (headline, date, companies per article).
"""

from __future__ import annotations

import statistics
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from generator.config import load_config  # noqa: E402
from generator.ingest.dump import parse_dump  # noqa: E402
from generator.ingest.run import drafts_from_dump, ingest_articles, load_taggers  # noqa: E402


def dumps() -> list[tuple[str, Path, Path]]:
    found = [("techcrunch-china", REPO / "corpus" / "techcrunch-china.txt", REPO / "tests/dumps/techcrunch-china.yaml")]
    found += [(p.stem, p, p.with_suffix(".yaml")) for p in sorted((REPO / "tests/dumps").glob("*.txt"))]
    return found


def percentile(values: list[int], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def evaluate(name: str, text_path: Path, label_path: Path, config) -> dict[str, object]:
    labels = yaml.safe_load(label_path.read_text(encoding="utf-8"))["articles"]
    text = text_path.read_text(encoding="utf-8")
    dump, _ = parse_dump(text, str(text_path))
    found = [a.title.text for a in dump.articles]
    wanted = [a["title"] for a in labels]
    true_split = len(set(found) & set(wanted))
    precision = true_split / len(found) if found else 0.0
    recall = true_split / len(wanted) if wanted else 0.0
    row: dict[str, object] = {
        "dump": name, "labelled": len(wanted), "found": len(found), "false splits": len(set(found) - set(wanted)),
        "missed": len(set(wanted) - set(found)),
        "split F1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
    }
    taggers = load_taggers(config)
    by_title = {a["title"]: a for a in labels}
    for bounded in (False, True):
        newest = date.fromisoformat(str(labels[0]["date"])) if bounded else None
        oldest = date.fromisoformat(str(labels[-1]["date"])) if bounded else None
        articles, _ = ingest_articles([drafts_from_dump(dump)], config, taggers, newest, oldest)
        errors = [abs((a.date - date.fromisoformat(str(by_title[a.title]["date"]))).days)
                  for a in articles if a.title in by_title]
        key = "bounded" if bounded else "unbounded"
        row[f"date errors ({key})"] = errors
        row[f"date median ({key})"] = statistics.median(errors)
        row[f"date p90 ({key})"] = percentile(errors, 0.9)
    tp = fp = fn = 0
    topic_counts: Counter[int] = Counter()
    for article in articles:
        if article.title not in by_title:
            continue
        got = set(dict(article.terms).get("companies", ()))
        truth = set(by_title[article.title]["companies"])
        tp, fp, fn = tp + len(got & truth), fp + len(got - truth), fn + len(truth - got)
        topic_counts[len(dict(article.terms).get("topics", ()))] += 1
    row["company precision"] = tp / (tp + fp) if tp + fp else 1.0
    row["company recall"] = tp / (tp + fn) if tp + fn else 1.0
    row["topics per article"] = dict(sorted(topic_counts.items()))
    return row


def main() -> None:
    config = load_config(REPO / "site.yaml")
    rows = [evaluate(name, text, labels, config) for name, text, labels in dumps()]
    for row in rows:
        print(row["dump"])
        for key, value in row.items():
            if key == "dump" or key.startswith("date errors"):
                continue
            print(f"  {key:<26} {value:.3f}" if isinstance(value, float) else f"  {key:<26} {value}")
    for key in ("unbounded", "bounded"):
        pooled = [e for row in rows for e in row[f"date errors ({key})"]]  # type: ignore[union-attr]
        print(f"all dumps, dates {key}: median {statistics.median(pooled)} days, "
              f"p90 {percentile(pooled, 0.9)} days over {len(pooled)} articles")


if __name__ == "__main__":
    main()
