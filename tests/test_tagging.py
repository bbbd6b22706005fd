"""Tagging and dating against the labelled dumps, with the floors we promise, and `tags suggest`."""

from __future__ import annotations

import statistics
import sys
from collections import Counter
from datetime import date

import pytest

from conftest import REPO
from generator.config import load_config
from generator.ingest.dates import clues, estimate_dates
from generator.ingest.entities import Gazetteer, tag_entities
from generator.model import TermInfo

sys.path.insert(0, str(REPO))
from benchmarks.accuracy import dumps, evaluate, percentile  # noqa: E402


@pytest.fixture(scope="module")
def results() -> dict[str, dict[str, object]]:
    config = load_config(REPO / "site.yaml")
    return {name: evaluate(name, text, labels, config) for name, text, labels in dumps()}


def test_principal_companies_meet_the_floors(results) -> None:
    corpus = results["techcrunch-china"]
    assert corpus["company precision"] >= 0.90
    assert corpus["company recall"] >= 0.85
    for name, row in results.items():
        assert row["company precision"] >= 0.85, name
        assert row["company recall"] >= 0.85, name


def test_dates_meet_the_floors(results) -> None:
    bounded = [e for row in results.values() for e in row["date errors (bounded)"]]
    unbounded = [e for row in results.values() for e in row["date errors (unbounded)"]]
    assert statistics.median(bounded) <= 7 and percentile(bounded, 0.9) <= 31
    assert statistics.median(unbounded) <= 31
    corpus = results["techcrunch-china"]
    assert corpus["date median (bounded)"] <= 7 and corpus["date p90 (bounded)"] <= 31


def test_every_article_gets_one_to_four_topics_and_no_topic_is_alone(make_site, run_cli) -> None:
    config = make_site({"dump.txt": (REPO / "corpus/techcrunch-china.txt").read_text(encoding="utf-8")},
                       site_yaml=(REPO / "site.yaml").read_text().replace("data_dir: data", f"data_dir: {REPO / 'data'}"))
    assert run_cli("ingest", "--config", config, config.parent / "dump.txt").code == 0
    import yaml
    from generator.content import split_front_matter
    topics = [yaml.safe_load(split_front_matter(p.read_text(), p.name).front_matter)["topics"]
              for p in (config.parent / "content").glob("*.md")]
    counts = Counter(len(t) for t in topics)
    assert sum(n for k, n in counts.items() if 1 <= k <= 4) >= 0.95 * len(topics), counts
    usage = Counter(t for ts in topics for t in ts)
    assert all(n >= 2 for n in usage.values()), usage


GAZETTEER = Gazetteer.of([TermInfo("Alibaba", ("Alibaba Group",)), TermInfo("Xpeng", ("XPeng Motors", "Xpeng Motors")),
                          TermInfo("Ant Group", ("Ant Financial",)), TermInfo("Tencent")], ["WeChat"])


def test_aliases_and_possessives_merge_into_one_company() -> None:
    about, _ = tag_entities("Alibaba Group’s cloud grows", "Alibaba’s cloud unit grew 60%, Alibaba said.",
                            ["Alibaba’s cloud unit grew 60%, Alibaba said.", "Alibaba Group shares rose."],
                            GAZETTEER, True)
    assert about == ("Alibaba",)
    about, _ = tag_entities("XPeng Motors raises $400M", "XPeng Motors, the EV maker, raised money.",
                            ["XPeng Motors, the EV maker, raised money.", "Ant Financial invested."], GAZETTEER, True)
    assert about == ("Xpeng",)


def test_a_passing_mention_is_not_what_an_article_is_about() -> None:
    lead = "Voltline, a startup that builds battery swapping stations, has raised $48 million."
    body = [lead, "Voltline competes with stations on WeChat, said Voltline CEO Marisol Okafor.",
            "Tencent was not part of the round."]
    about, mentioned = tag_entities("Voltline raises $48M for battery swapping", lead, body, GAZETTEER, True)
    assert about == ("Voltline",)
    assert mentioned == ("Tencent",)


def test_backers_in_a_headline_are_not_its_subject() -> None:
    lead = "LemonBox, a startup selling vitamins, raised $2.5 million from YC and others."
    about, _ = tag_entities("YC-backed LemonBox raises $2.5M", lead, [lead, "LemonBox CEO Derek Weng said."],
                            Gazetteer.of([TermInfo("Y Combinator", ("YC",))]), True)
    assert about == ("LemonBox",)


def test_future_mentions_do_not_date_an_article() -> None:
    found = clues(["The Detroit Auto Show will be held in June 2021.", "It was canceled on March 28, 2020."])
    assert [b.earliest for b in found.bounds] == [date(2020, 3, 28)]


def test_self_dated_articles_say_so() -> None:
    estimates = estimate_dates([
        ["Headline one", "The article is updated on December 29, 2020 with more details."],
        ["Headline two", "Tweet text", "— Someone (@someone) September 1, 2019"],
        ["Headline three", "Nothing dated here."],
    ])
    assert [(e.date, e.source) for e in estimates[:2]] == [(date(2020, 12, 29), "text"), (date(2019, 9, 1), "text")]
    assert estimates[2].source == "inferred" and estimates[2].date <= date(2019, 9, 1)


def test_bounds_pin_the_ends_of_the_dump() -> None:
    articles = [["A", "Nothing."], ["B", "Nothing."], ["C", "Nothing."]]
    estimates = estimate_dates(articles, newest=date(2022, 4, 20), oldest=date(2022, 4, 10))
    assert [e.date for e in estimates] == [date(2022, 4, 20), date(2022, 4, 15), date(2022, 4, 10)]


def test_tags_suggest_finds_the_invented_startups(run_cli, make_site) -> None:
    dumps_dir = REPO / "tests" / "dumps"
    config = make_site({}, site_yaml=f"title: T\nbase_url: https://e.github.io/r/\ndata_dir: {REPO / 'data'}\n")
    result = run_cli("tags", "suggest", "--config", config, dumps_dir / "transportation-2022.txt",
                     dumps_dir / "ai-2024.txt")
    assert result.code == 0
    names = {line.split("\t")[0] for line in result.out.splitlines()}
    assert names >= {"Voltline", "Kinetica", "Parkline", "Hauler", "Longhaul Robotics", "Quillmind", "Corvex",
                     "Synthwave Labs", "Foldbot"}
    assert not names & {"Marisol Okafor", "Portland", "Brooklyn", "Week in Review", "The Station"}
