"""Article text → 1–4 topics from the controlled vocabulary in data/topics.yaml.

Each topic lists phrases with weights. A phrase in the headline counts three times as much as one in
the body, and repeats in the body count up to three times, so a passing word does not tag a story.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from ..model import InputError, Problem
from ..yamlsource import parse_mapping

MIN_SCORE = 4.0
FALLBACK_SCORE = 2.0
MAX_TOPICS = 4


@dataclass(frozen=True, slots=True)
class TopicRule:
    """A topic and the weighted phrases (lower case) that signal it."""

    name: str
    phrases: tuple[tuple[str, float], ...]
    keep_single: bool = False


@dataclass(frozen=True, slots=True)
class TopicMatcher:
    """All topics' phrases in one regular expression, so each text is scanned once."""

    pattern: re.Pattern[str] | None
    topics_of: dict[str, tuple[tuple[str, float], ...]]  # phrase → (topic, weight) pairs

    @classmethod
    def of(cls, rules: Sequence[TopicRule]) -> "TopicMatcher":
        topics_of: dict[str, list[tuple[str, float]]] = {}
        for rule in rules:
            for phrase, weight in rule.phrases:
                topics_of.setdefault(phrase, []).append((rule.name, weight))
        if not topics_of:
            return cls(None, {})
        alternatives = "|".join(re.escape(p) for p in sorted(topics_of, key=lambda p: (-len(p), p)))
        pattern = re.compile(r"(?<![\w-])(" + alternatives + r")(?:s|es)?(?![\w-])", re.I)
        return cls(pattern, {p: tuple(v) for p, v in topics_of.items()})

    def counts(self, text: str) -> Counter[str]:
        """Phrase → how often it occurs in text."""
        if self.pattern is None:
            return Counter()
        return Counter(m.group(1).lower() for m in self.pattern.finditer(text))


def load_topic_rules(data_dir: Path) -> tuple[TopicRule, ...]:
    """data/topics.yaml → rules; an empty tuple when the file is missing."""
    file = data_dir / "topics.yaml"
    if not file.exists():
        return ()
    mapping, problems = parse_mapping(file.read_text(encoding="utf-8"), str(file), 1)
    if mapping is None:
        raise InputError(problems)
    rules, errors = [], list(problems)
    for name, entry in mapping.data.items():
        try:
            rules.append(_rule(str(name), entry))
        except (ValueError, TypeError) as err:
            errors.append(Problem(str(file), mapping.line_of(name), f"`{name}`: {err}"))
    if errors:
        raise InputError(tuple(errors))
    return tuple(rules)


def _rule(name: str, entry: Any) -> TopicRule:
    phrases = (entry or {}).get("rules") or {}
    if not isinstance(phrases, dict):
        raise ValueError("`rules` must map phrases to weights, e.g. {antitrust: 3}")
    cleaned = tuple((str(p).lower(), float(w)) for p, w in sorted(phrases.items(), key=lambda kv: str(kv[0])))
    return TopicRule(name, cleaned, bool((entry or {}).get("keep_single", False)))


def topic_scores(title: str, body: Sequence[str], matcher: TopicMatcher) -> Counter[str]:
    """Topic → score: each phrase counts three times in the headline and up to three times in the body."""
    in_title = matcher.counts(title)
    in_body = matcher.counts("\n".join(body))
    scores: Counter[str] = Counter()
    for phrase in set(in_title) | set(in_body):
        hits = 3 * bool(in_title[phrase]) + min(in_body[phrase], 3)
        for topic, weight in matcher.topics_of[phrase]:
            scores[topic] += weight * hits
    return scores


def hint_scores(categories: Sequence[str], rules: Sequence[TopicRule]) -> Counter[str]:
    """A feed's own categories, where they name a topic or one of its phrases, count as a strong vote."""
    wanted = {c.casefold().strip() for c in categories}
    return Counter({rule.name: MIN_SCORE for rule in rules
                    if rule.name.casefold() in wanted or any(p in wanted for p, _ in rule.phrases)})


def choose_topics(scores: Counter[str]) -> tuple[str, ...]:
    """The topics scoring MIN_SCORE or more (at most four), or the best one if it is near."""
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    chosen = [name for name, score in ranked if score >= MIN_SCORE][:MAX_TOPICS]
    if not chosen and ranked and ranked[0][1] >= FALLBACK_SCORE:
        chosen = [ranked[0][0]]
    return tuple(chosen)


def drop_singletons(assigned: list[tuple[str, ...]], rules: Sequence[TopicRule],
                    scores: list[Counter[str]]) -> list[tuple[str, ...]]:
    """A topic only one article has is no index; give that article its next best topic instead."""
    keep = {r.name for r in rules if r.keep_single}
    for _ in range(3):
        usage = Counter(t for topics in assigned for t in topics)
        single = {t for t, n in usage.items() if n == 1 and t not in keep}
        if not single:
            break
        assigned = [tuple(t for t in topics if t not in single) or _next_best(score, usage, single)
                    for topics, score in zip(assigned, scores)]
    return assigned


def _next_best(score: Counter[str], usage: Counter[str], single: set[str]) -> tuple[str, ...]:
    shared = [(n, s) for n, s in score.items() if usage[n] > 1 and n not in single and s >= FALLBACK_SCORE]
    return (max(shared, key=lambda kv: (kv[1], kv[0]))[0],) if shared else ()
