"""Site → {output file: bytes} through the Jinja2 templates. Pure: reads templates, writes nothing."""

from __future__ import annotations

import hashlib
import zlib
from contextlib import contextmanager
from itertools import chain
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Generic, Iterable, Iterator, Mapping, TypeVar

import jinja2
from jinja2 import nodes
from markupsafe import Markup

from . import urls
from .cache import PageMemo
from .charts import MONTH_NAMES, month_chart, monthly_counts
from .config import SiteConfig, TaxonomyConfig
from .fragments import Fragments
from .model import Article, IndexChanges, InputError, Month, MonthLink, Problem, Site, Term, TermLink
from .slugs import slug_for_term


Value = TypeVar("Value")
_UNMADE: Any = object()


class once(Generic[Value]):  # noqa: N801 — used as a function
    """`make`, called on the first call only; its value kept for the others. What functools.cache
    does for a function of no arguments, made at a twentieth of the cost: a build makes one for
    each deferred part of every term's and month's pages (3,400 at 10,000 articles) and calls few."""

    __slots__ = ("_make", "_value")

    def __init__(self, make: Callable[[], Value]):
        self._make: Callable[[], Value] | None = make
        self._value: Value = _UNMADE

    def __call__(self) -> Value:
        if self._value is _UNMADE:
            assert self._make is not None
            self._value, self._make = self._make(), None
        return self._value


@dataclass(frozen=True, slots=True)
class Pagination:
    """Where one page of a long list sits among its siblings."""

    number: int
    count: int
    first_path: str

    def path(self, number: int) -> str:
        return urls.page_path(self.first_path, number)

    @property
    def prev_path(self) -> str | None:
        return self.path(self.number - 1) if self.number > 1 else None

    @property
    def next_path(self) -> str | None:
        return self.path(self.number + 1) if self.number < self.count else None


class Lookup:
    """Read-only indexes over a Site that templates use to follow slugs to objects."""

    def __init__(self, site: Site, config: SiteConfig, env: jinja2.Environment | None = None,
                 cards_only: bool = False, fragments: Fragments | None = None):
        self.config = config
        self.env = env
        # What a page showing an article it is not about depends on: its card_digest if the theme
        # cannot show such an article's body or word count (see cards_show_page_only), else all of it.
        self.cards_only = cards_only
        # Cards by (article digest, heading): a card shows its article and the names of its terms, and
        # depends otherwise only on the settings and theme, so it may come from an earlier build with
        # the same memo salt (see fragments.py).
        self._cards: dict[tuple[str, str], Markup] = {}
        self._fragments = fragments
        self._digests: dict[int, str] = {}
        self.articles = site.by_slug
        self.terms = {(t.key, term.slug): term for t in site.taxonomies for term in t.terms}
        self.related = dict(site.related)
        self.position = {a.slug: i for i, a in enumerate(site.articles)}
        self.slugs = [a.slug for a in site.articles]
        self.ordered = site.articles
        self.bodies = site.bodies

    def terms_of(self, article: Article) -> list[tuple[TaxonomyConfig, list[Term]]]:
        groups = []
        for taxonomy in self.config.taxonomies:
            terms = [self.terms[(taxonomy.key, slug_for_term(n))] for n in article.terms_of(taxonomy.key)]
            if terms:
                groups.append((taxonomy, terms))
        return groups

    def digest(self, value: Article | Term | Month | TaxonomyConfig) -> str:
        """The hash of every field of an article, term, month or taxonomy: what a page showing it depends on."""
        if isinstance(value, Article):
            return value.digest
        key = id(value)  # these live as long as the site, so an id is never reused meanwhile
        if key not in self._digests:
            self._digests[key] = hashlib.sha256(repr(value).encode("utf-8")).hexdigest()
        return self._digests[key]

    def shown(self, article: Article | None) -> str:
        """The digest of what a page shows of an article it lists or links to (see __init__)."""
        if article is None:
            return "-"
        return article.card_digest if self.cards_only else article.digest

    def body(self, article: Article) -> Markup:
        """The article's body HTML (sanitised when it was parsed)."""
        return Markup(self.bodies[article.body_digest])

    def card(self, article: Article, heading: str = "h2") -> Markup:
        """An article's card (templates/_card.html), rendered once and reused on every list."""
        key = (article.digest, heading)
        if key not in self._cards:
            assert self.env is not None
            make = lambda: self.env.get_template("_card.html").render(article=article, heading=heading,  # noqa: E731
                                                                      lookup=self).strip()
            html = self._fragments.get(f"card {heading}", article.digest, make) if self._fragments else make()
            self._cards[key] = Markup(html)
        return self._cards[key]

    def fetch_cards(self, context: Mapping[str, Any]) -> None:
        """Read the kept cards of the articles a page lists (any list of articles in its context) in
        one query, before the template asks for them one by one."""
        if self._fragments is not None:
            self._fragments.fetch("card", [a.digest for value in context.values() if isinstance(value, list)
                                           for a in value if isinstance(a, Article)])

    def term(self, taxonomy_key: str, name: str) -> Term | None:
        """The term a name stands for in one taxonomy, if any article carries it."""
        return self.terms.get((taxonomy_key, slug_for_term(name)))

    def json_ld(self, article: Article, url: str) -> dict[str, Any]:
        """schema.org NewsArticle: the companies it is about as `about`, passing mentions as `mentions`."""
        organisations = lambda names: [{"@type": "Organization", "name": n} for n in names]  # noqa: E731
        data: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": article.title,
            "description": article.summary,
            "datePublished": article.date.strftime("%Y-%m-%d"),
            "url": url,
            "mainEntityOfPage": url,
            "publisher": {"@type": "Organization", "name": self.config.title},
            "keywords": [name for _, names in article.terms for name in names],
        }
        if article.author:
            data["author"] = {"@type": "Person", "name": article.author}
        companies = article.terms_of("companies")
        if companies:
            data["about"] = organisations(companies)
        if article.mentions:
            data["mentions"] = organisations(article.mentions)
        return data

    def links(self, articles: Iterable[Article]) -> str:
        """The articles each one's page links to besides itself, by slug: its neighbours and related
        articles, a line each. (The shape of a group of article pages: 10,000 lines after a tag edit.)"""
        slugs, position, related, last = self.slugs, self.position, self.related, len(self.slugs) - 1
        lines = []
        for article in articles:
            i = position[article.slug]
            lines.append(f"{article.slug} {slugs[i + 1] if i < last else ''} {slugs[i - 1] if i else ''} "
                         f"{' '.join(related[article.slug])}")
        return "\n".join(lines)

    def neighbours(self, article: Article) -> tuple[Article | None, Article | None]:
        """(older, newer) neighbours in publication order."""
        i = self.position[article.slug]
        older = self.ordered[i + 1] if i + 1 < len(self.ordered) else None
        newer = self.ordered[i - 1] if i > 0 else None
        return older, newer


def make_environment(config: SiteConfig, compiled: Path | None = None) -> jinja2.Environment:
    """Templates from the site's templates/ folder: autoescaped, and an unknown name is an error.

    `compiled`, if given, is a folder where Jinja keeps compiled templates between builds (checked
    against each template's modification time), so a small rebuild does not compile them again.
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(config.templates_dir)),
        bytecode_cache=_bytecode_cache(compiled) if compiled else None,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    base = config.base_path
    env.globals.update(
        url=lambda path="": base + path,
        abs_url=lambda path="": config.base_url + path,
        article_path=lambda a: urls.article_path(a.slug),
        term_path=lambda t: urls.term_path(t.taxonomy, t.slug),
        month_path=urls.month_path,
        month_name=lambda n: MONTH_NAMES[n - 1],
        site=config,
    )
    env.filters["isodate"] = lambda d: d.strftime("%Y-%m-%d")
    env.filters["longdate"] = lambda d: f"{MONTH_NAMES[d.month - 1]} {d.day}, {d.year}"
    return env


def _bytecode_cache(folder: Path) -> jinja2.BytecodeCache | None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(str(folder))


@dataclass(frozen=True, slots=True)
class PagePlan:
    """One page to make: its path and template, what it shows as a key, and a way to build its context.

    The key names everything the context holds — each article, term or month by the hash of all its
    fields — so a page whose key (and the build's salt) is unchanged renders to the bytes it did
    last time, and its context is never built. Keys are plain strings, made in microseconds: this
    runs for every page of every build.
    """

    path: str
    template: str
    key: str
    context: Callable[[], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class PageGroup:
    """Pages a cached build keeps or makes together: a list's (the home page's, a term's, a month's)
    or a batch of article pages. `key` names everything any of them shows, so when it is what it was
    last time, none of their plans — nor their keys, which cost more — is made at all.

    `shows` are the slugs of the articles whose fields the pages show (for article pages: whose page
    it is, see _reaching), and `shape` what else the key is made of but the salt: which articles, in
    what order, with which term or month or neighbours. When none of those articles changed and the
    shape is the same, the key is known to be what it was, so it is not even made (see
    PageMemo.pages_to_remake).
    """

    name: str
    shows: Iterable[str]
    key: Callable[[], str]
    plans: Callable[[], Iterator[PagePlan]]
    shape: Callable[[], str]
    # Each page's file and the articles its key depends on, and the plan of a page by its file, so
    # that an edit reaching one or two of those articles makes their pages alone (see
    # PageMemo.pages_to_remake): a title edit remakes one page of the home page's 500, and one
    # article page of a group of 128.
    pages: Callable[[], dict[str, tuple[str, ...]]]
    plan_of: Callable[[str], PagePlan]
    # Whether changes to the index may have moved the shape (see PageMemo._same_shape).
    moved: Callable[[IndexChanges], bool]


def _digests(articles: Iterable[Article | None], look: Lookup) -> str:
    """What pages listing or linking these articles show of them (see Lookup.shown)."""
    return " ".join(look.shown(a) for a in articles)


def render_site(site: Site, config: SiteConfig, env: jinja2.Environment,
                memo: PageMemo | None = None) -> dict[str, bytes | None]:
    """Every HTML page of the site, keyed by output file path; None for pages the memo says are unchanged."""
    check_templates(env, config)
    pages: dict[str, bytes | None] = {}

    def render(plan: PagePlan) -> bytes:
        template = env.get_template(plan.template)
        context = plan.context()
        look.fetch_cards(context)
        return template.render(page_path=plan.path, lookup=look, **context).encode("utf-8")

    def make(plan: PagePlan) -> str:
        file = urls.file_for(plan.path)
        if memo is None:
            pages[file] = render(plan)
        else:
            pages[file] = memo.produce(file, f"{plan.template}|{plan.path}|{plan.key}", lambda: render(plan))
        return file

    def make_group(group: PageGroup, changed: frozenset[str] | None) -> None:
        if memo is None:
            for plan in group.plans():
                make(plan)
            return
        partly = memo.pages_to_remake(group.name, group.shows, group.pages, changed, group.shape, group.moved)
        if partly is not None:
            kept, remake = partly
            pages.update(dict.fromkeys(kept))
            for file in remake:
                make(group.plan_of(file))
            return
        fingerprint = memo.fingerprint(group.key())
        kept = memo.keep_group(group.name, fingerprint)
        if kept is not None:
            pages.update(dict.fromkeys(kept))
            return
        memo.record_group(group.name, fingerprint, [make(plan) for plan in group.plans()])

    with template_errors(config):
        # Parsing every template takes longer than a small edit's render: kept while they are the same.
        # (Without a memo no page is keyed, so it does not matter.)
        cards_only = memo.remember("cards_only", memo.theme,
                                   lambda: not cards_show_page_only(env)) if memo is not None else False
        # Cards are kept between builds while the salt (settings, theme, term names) is the same: a tag
        # edit that re-renders a topic's 30 pages renders one new card, not 600.
        look = Lookup(site, config, env, cards_only, memo.fragments if memo is not None else None)
        changed = memo.changed if memo is not None else None
        # Shown on pages listing or linking an article: with cards_only, a body edit changes none of it.
        shown = (memo.changed_cards if cards_only else memo.changed) if memo is not None else None
        reaching = _reaching(changed, shown, site, look) if changed is not None and shown is not None else None
        for group in _article_pages(site, look):
            make_group(group, reaching)
        for item in chain(_list_pages_all(site, look), [PagePlan("404.html", "404.html", "", dict)]):
            if isinstance(item, PagePlan):
                make(item)
            else:
                make_group(item, shown)
    return pages


@contextmanager
def template_errors(config: SiteConfig) -> Iterator[None]:
    """A template missing, broken or asking for what is not there, as an InputError naming it."""
    try:
        yield
    except jinja2.TemplateNotFound as err:
        raise InputError((_missing_template(err.name, config),)) from None
    except jinja2.TemplateSyntaxError as err:
        raise InputError((Problem(_template_name(err.filename, config), err.lineno or 1, err.message or ""),)) \
            from None
    except jinja2.UndefinedError as err:
        raise InputError((Problem(str(config.templates_dir), 1, f"template error: {err.message}"),)) from None


PAGE_TEMPLATES = ("404.html", "_card.html", "_search.html", "article.html", "index.html", "month.html", "search.html",
                  "taxonomy.html", "term.html", "timeline.html")


def check_templates(env: jinja2.Environment, config: SiteConfig) -> None:
    """Every template a site needs, named at once if missing (not one per build as rendering finds them)."""
    present = set(env.list_templates())
    missing = [name for name in PAGE_TEMPLATES if name not in present]
    if missing:
        raise InputError(tuple(_missing_template(name, config) for name in missing))


def _missing_template(name: str | None, config: SiteConfig) -> Problem:
    return Problem(str(config.templates_dir), 1, f"template `{name}` not found; copy it from the default theme "
                                                 f"or fix `templates_dir`")


def render_redirects(redirects: dict[str, str], files: dict[str, bytes],
                     env: jinja2.Environment) -> dict[str, bytes]:
    """A small page at each old path that sends readers on, unless a real page lives there now."""
    pages = {}
    for old, new in sorted(redirects.items()):
        target = urls.file_for(old)
        if target not in files and urls.file_for(new) in files:
            pages[target] = env.get_template("redirect.html").render(page_path=old, target=new).encode("utf-8")
    return pages


def _template_name(filename: str | None, config: SiteConfig) -> str:
    if not filename:
        return str(config.templates_dir)
    try:
        return str(Path(filename).resolve().relative_to(config.config_path.parent))
    except ValueError:
        return filename


def _paginate(items: tuple[str, ...], first_path: str, size: int) -> Iterator[tuple[str, Pagination, tuple[str, ...]]]:
    count = max(1, -(-len(items) // size))
    for number in range(1, count + 1):
        pagination = Pagination(number, count, first_path)
        yield pagination.path(number), pagination, items[(number - 1) * size: number * size]


def _list_pages(slugs: tuple[str, ...], first_path: str, template: str, look: Lookup, key: Callable[[], str],
                context: Callable[[], dict[str, Any]] = dict, shared: Callable[[], str] = str,
                later: tuple[Callable[[], str], Callable[[], dict[str, Any]]] | None = None,
                first_shows_all: bool = False,
                moved: Callable[[IndexChanges], bool] = lambda changes: changes.order) -> PageGroup:
    """The pages of one list; `key` and `context` are what its pages share besides their articles
    (`later`: another key and context for the pages after the first, which show less). `moved`: may
    changes to the index have moved its shape — by default, a list of articles in date order moves
    when their order or months do.

    The group's key is `shared` — all that `key` depends on but the list's articles, made cheaply —
    and the articles' digests; `key` itself is made only if the group has to be made again.
    `first_shows_all`: the first page's key also depends on every article of the list (a term's
    monthly chart counts their dates), not only on those it lists.
    """
    paged = once(lambda: {urls.file_for(path): (path, pagination, page_slugs)
                          for path, pagination, page_slugs in _paginate(slugs, first_path, look.config.page_size)})

    def plan(path: str, pagination: Pagination, page_slugs: tuple[str, ...]) -> PagePlan:
        common, given = later if later is not None and pagination.number > 1 else (key, context)
        articles = [look.articles[s] for s in page_slugs]
        return PagePlan(path, template, f"{common()}|{pagination.number}/{pagination.count}|{_digests(articles, look)}",
                        lambda: {"articles": articles, "pagination": pagination, **given()})

    def group_key() -> str:
        digests = _digests((look.articles[s] for s in slugs), look)
        return f"{template}|{first_path}|{shared()}|{look.config.page_size}|{digests}"

    def depends() -> dict[str, tuple[str, ...]]:
        return {file: slugs if first_shows_all and pagination.number == 1 else page_slugs
                for file, (_, pagination, page_slugs) in paged().items()}

    return PageGroup(first_path or "index", slugs, group_key, lambda: (plan(*page) for page in paged().values()),
                     lambda: f"{shared()}|{' '.join(slugs)}", depends, lambda file: plan(*paged()[file]), moved)


ARTICLES_A_GROUP = 128


def _article_pages(site: Site, look: Lookup) -> Iterator[PageGroup]:
    """Article pages, in groups of about ARTICLES_A_GROUP by a hash of their slug, so a group an
    edit did not reach is kept at once, without a fingerprint or a memo lookup per page."""
    count = 1
    while count * ARTICLES_A_GROUP < len(site.articles):
        count *= 2
    groups: list[list[Article]] = [[] for _ in range(count)]
    for article in site.articles:
        groups[zlib.crc32(article.slug.encode("utf-8")) % count].append(article)
    for number, members in enumerate(groups):
        plans = once(lambda m=members: [_article_plan(a, look) for a in m])
        key = lambda p=plans: "\n".join(f"{plan.template}|{plan.path}|{plan.key}" for plan in p())  # noqa: E731
        shape = lambda m=members: look.links(m)  # noqa: E731
        files = once(lambda m=members: {urls.file_for(urls.article_path(a.slug)): a for a in m})
        slugs = [a.slug for a in members]
        # Its shape is each page's neighbours and related articles.
        moved = lambda changes, s=slugs: changes.order or not changes.related.isdisjoint(s)  # noqa: E731
        yield PageGroup(f"articles#{number}/{count}", slugs, key, lambda p=plans: iter(p()), shape,
                        lambda f=files: {file: (a.slug,) for file, a in f().items()},
                        lambda file, f=files: _article_plan(f()[file], look), moved)


def _article_plan(article: Article, look: Lookup) -> PagePlan:
    older, newer = look.neighbours(article)
    related = [look.articles[s] for s in look.related[article.slug]]
    return PagePlan(urls.article_path(article.slug), "article.html",
                    f"{article.digest} {_digests([older, newer, *related], look)}",
                    lambda: {"article": article, "older": older, "newer": newer, "related": related})


def _reaching(changed: frozenset[str], shown: frozenset[str], site: Site, look: Lookup) -> frozenset[str]:
    """The articles whose pages an edit reaches: those `changed`, and those showing one whose
    `shown` fields changed — its neighbours in time (a page links to the next and previous article)
    and the articles listing it as related."""
    if not shown:  # a body edit under the default theme: no other page shows what changed
        return changed
    reaching = set(changed)
    for slug in shown:
        if slug in look.articles:
            reaching.update(a.slug for a in look.neighbours(look.articles[slug]) if a is not None)
    reaching.update(slug for slug, others in site.related if not shown.isdisjoint(others))
    return frozenset(reaching)


# Names that read an article's page-only fields (Article.PAGE_ONLY) or its body, and filters that
# read an attribute named by their arguments.
_PAGE_ONLY_NAMES = frozenset({*Article.PAGE_ONLY, "body", "bodies"})
_ATTRIBUTE_FILTERS = frozenset({"attr", "map", "selectattr", "rejectattr", "sort", "groupby", "sum", "unique",
                                "min", "max", "pprint", "tojson", "string"})


def cards_show_page_only(env: jinja2.Environment) -> bool:
    """Could any template show an article's body or word count anywhere but on its own page?

    Read from the templates' syntax, erring towards yes: any mention of those fields, any subscript
    or attribute filter that names a field at run time, counts — except `article.word_count` and
    `lookup.body(article)` in article.html, where `article` is the page's own (unless rebound there).
    When the answer is no, pages listing or linking an article are keyed by its card_digest, and a
    body edit re-renders the article's page alone.
    """
    for name in env.list_templates():
        source, filename, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
        tree = env.parse(source, name, filename)
        own_page = name == "article.html" and not any(
            n.name == "article" for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param"))
        allowed = set()
        if own_page:
            allowed = {id(call.node) for call in tree.find_all(nodes.Call)
                       if _is_attribute(call.node, "lookup", "body") and len(call.args) == 1
                       and isinstance(call.args[0], nodes.Name) and call.args[0].name == "article"}
            allowed |= {id(n) for n in tree.find_all(nodes.Getattr) if _is_attribute(n, "article", "word_count")}
        for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Const, nodes.Filter)):
            if isinstance(node, nodes.Getattr) and node.attr in _PAGE_ONLY_NAMES and id(node) not in allowed:
                return True
            if isinstance(node, nodes.Const) and node.value in _PAGE_ONLY_NAMES:
                return True
            if isinstance(node, nodes.Getitem) and not isinstance(node.arg, nodes.Const):
                return True
            if isinstance(node, nodes.Filter) and node.name in _ATTRIBUTE_FILTERS and any(
                    not isinstance(arg, nodes.Const) for arg in [*node.args, *(k.value for k in node.kwargs)]):
                return True
    return False


def _is_attribute(node: nodes.Node, owner: str, attribute: str) -> bool:
    return isinstance(node, nodes.Getattr) and node.attr == attribute and isinstance(node.node, nodes.Name) \
        and node.node.name == owner


def _list_pages_all(site: Site, look: Lookup) -> Iterator[PagePlan | PageGroup]:
    """A plan or group for every HTML page but the articles' and 404."""
    yield _list_pages(tuple(a.slug for a in site.articles), "", "index.html", look, str)
    for taxonomy, config in zip(site.taxonomies, look.config.taxonomies):
        ordered = _index_order(taxonomy.terms, config)
        yield _one_page(urls.taxonomy_path(taxonomy.key), "taxonomy.html",
                        lambda c=config, o=ordered: f"{look.digest(c)}|{' '.join(look.digest(t) for t in o)}",
                        lambda c=config, o=ordered: {"taxonomy": c, "terms": o},
                        lambda changes, k=taxonomy.key: any(key == k for key, _ in changes.terms))
        for term in taxonomy.terms:
            yield _term_pages(term, config, look)
    yield PagePlan("search/", "search.html", "", dict)
    yield _one_page("timeline/", "timeline.html", lambda: " ".join(look.digest(m) for m in site.months), lambda: {
        "months": site.months, "chart": month_chart({(m.year, m.month): len(m.articles) for m in site.months}),
        "years": _years(site.months)}, lambda changes: changes.order)
    links = [MonthLink(m.year, m.month) for m in site.months]  # newest first
    for i, month in enumerate(site.months):
        earlier = links[i + 1] if i + 1 < len(links) else None
        later = links[i - 1] if i > 0 else None
        key = once(lambda m=month, e=earlier, l=later: f"{look.digest(m)}|{e}|{l}")
        yield _list_pages(month.articles, urls.month_path(month.year, month.month), "month.html", look,
                          key, lambda m=month, e=earlier, l=later: {"month": m, "earlier": e, "later": l}, key)


def _one_page(path: str, template: str, key: Callable[[], str], context: Callable[[], dict[str, Any]],
              moved: Callable[[IndexChanges], bool]) -> PageGroup:
    """A page of the index alone, showing no article's fields (a taxonomy's list of terms, the
    timeline): its key — every term's or month's digest, 440 terms at 10,000 articles — is its shape,
    made only when the index changed in a way that may have `moved` it (a tag edit may move a
    taxonomy's, not a body or title edit)."""
    plan = once(lambda: PagePlan(path, template, key(), context))
    file = urls.file_for(path)
    return PageGroup(path, (), lambda: f"{template}|{path}|{plan().key}", lambda: iter([plan()]), key,
                     lambda: {file: ()}, lambda _: plan(), moved)


def _term_pages(term: Term, config: TaxonomyConfig, look: Lookup) -> PageGroup:
    """A term's pages. What they show besides its articles — the term's fields, its monthly counts
    (made from its articles' dates) and the names of related terms (in the salt) — follows from the
    term and its articles, so the group's key needs no more than the term's digest."""
    counts = once(lambda: monthly_counts(look.articles[s].date for s in term.articles))  # for the key, then the chart
    related = once(lambda: [(_link(look.terms[(term.taxonomy, slug)]), n) for slug, n in term.related])
    # The chart and related terms are given to the first page only (term.related and term.articles
    # too: later pages show no count): when an edit shifts which terms go together, one page of a
    # term is made again, not all thirty; when it tags or untags an article, the pages before it are kept.
    bare = once(lambda: replace(term, related=(), articles=()))
    # Hashed here, not by look.digest, which keys by id() objects that live as long as the site.
    bare_digest = once(lambda: hashlib.sha256(repr(bare()).encode("utf-8")).hexdigest())

    def key() -> str:
        return f"{look.digest(term)}|{look.digest(config)}|{sorted(counts().items())}|{related()}"

    # What the pages of the term show besides their articles: made once for all of them (each page's
    # context is a copy of it).
    first = once(lambda: {"term": term, "taxonomy": config, "chart": month_chart(counts(), height=80),
                          "related_terms": related()})
    rest = once(lambda: {"term": bare(), "taxonomy": config, "chart": None, "related_terms": []})
    return _list_pages(term.articles, urls.term_path(term.taxonomy, term.slug), "term.html", look, key, first,
                       lambda: f"{look.digest(term)}|{look.digest(config)}",
                       later=(lambda: f"{bare_digest()}|{look.digest(config)}", rest), first_shows_all=True,
                       moved=lambda changes: (term.taxonomy, term.slug) in changes.terms)


def _link(term: Term) -> TermLink:
    return TermLink(term.taxonomy, term.slug, term.name)


def _index_order(terms: tuple[Term, ...], config: TaxonomyConfig) -> list[Term]:
    if config.index_style == "by_count":
        return sorted(terms, key=lambda t: (-len(t.articles), t.slug))
    return sorted(terms, key=lambda t: (t.name.casefold(), t.slug))


def _years(months: tuple[Month, ...]) -> list[tuple[int, list[Month]]]:
    years: dict[int, list[Month]] = {}
    for month in months:
        years.setdefault(month.year, []).append(month)
    return sorted(years.items(), reverse=True)
