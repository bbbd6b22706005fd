// The search page: full-text matches from Pagefind, filters and date order from search/facets.json.
const root = document.querySelector("[data-search]");
const base = root.dataset.base;
const form = root.querySelector("form");
const query = form.elements.q;
const sort = form.elements.sort;
const status = root.querySelector(".search-status");
const list = root.querySelector(".search-results");
const facetSelects = [...form.querySelectorAll("select[data-facet]")];
const MAX_SHOWN = 200;

const facets = await (await fetch(`${base}search/facets.json`)).json();
const byUrl = new Map(facets.articles.map((a) => [a.url, a]));
let pagefind = null;

function fillSelects() {
  for (const select of facetSelects) {
    const key = select.dataset.facet;
    const options = key === "year"
      ? [...new Set(facets.articles.map((a) => a.date.slice(0, 4)))].sort().reverse().map((y) => [y, y])
      : Object.entries(facets.terms[key] || {}).sort((a, b) => a[1].localeCompare(b[1]));
    for (const [value, label] of options) select.add(new Option(label, value));
  }
}

function readUrl() {
  const params = new URLSearchParams(location.search);
  query.value = params.get("q") || "";
  sort.value = params.get("sort") === "date" ? "date" : "relevance";
  for (const select of facetSelects) select.value = params.get(select.name) || "";
}

function writeUrl() {
  const params = new URLSearchParams();
  if (query.value.trim()) params.set("q", query.value.trim());
  if (sort.value === "date") params.set("sort", "date");
  for (const select of facetSelects) if (select.value) params.set(select.name, select.value);
  history.replaceState(null, "", `${location.pathname}${params.size ? "?" + params : ""}`);
}

function keep(article) {
  return facetSelects.every((select) => {
    if (!select.value) return true;
    if (select.dataset.facet === "year") return article.date.startsWith(select.value);
    return (article[select.dataset.facet] || []).includes(select.value);
  });
}

// The index comes in shards (pagefind/0/, pagefind/1/, …), merged into one search; each shard's
// ids.json names the article behind each result, so no result's fragment has to be fetched.
async function loadIndex() {
  const shards = facets.shards.map((n) => `${base}pagefind/${n}/`);
  const [engine, ...idMaps] = await Promise.all([
    import(`${shards[0]}pagefind.js`),
    ...shards.map(async (shard) => (await fetch(`${shard}ids.json`)).json()),
  ]);
  for (const shard of shards.slice(1)) await engine.mergeIndex(shard);
  const ids = new Map();
  for (const map of idMaps) {
    // The same id in two shards (a short hash) is ambiguous: that result's own data says which.
    for (const [id, url] of Object.entries(map)) ids.set(id, ids.has(id) ? null : url);
  }
  return { engine, ids };
}

async function matches(words) {
  if (!facets.shards.length) return [];  // a site with no articles yet
  pagefind ??= await loadIndex();
  const found = await pagefind.engine.search(words);
  const urls = await Promise.all(found.results.map(async (r) => pagefind.ids.get(r.id) ?? (await r.data()).url));
  const articles = urls.map((url) => byUrl.get(url)).filter(Boolean);
  // Best match comes from the index; newest first from the dates in facets.json, across every shard.
  if (sort.value === "date") articles.sort((a, b) => b.date.localeCompare(a.date) || a.url.localeCompare(b.url));
  return articles;
}

function show(articles, words) {
  list.replaceChildren(...articles.slice(0, MAX_SHOWN).map((a) => {
    const item = document.createElement("li");
    item.className = "search-result";
    const link = Object.assign(document.createElement("a"), { href: a.url, textContent: a.title });
    const heading = document.createElement("h2");
    heading.append(link);
    const date = Object.assign(document.createElement("time"), { dateTime: a.date, textContent: a.date });
    const meta = Object.assign(document.createElement("p"), { className: "meta" });
    meta.append(date);
    const summary = Object.assign(document.createElement("p"), { textContent: a.summary });
    item.append(heading, meta, summary);
    return item;
  }));
  const what = words ? ` for “${words}”` : "";
  const more = articles.length > MAX_SHOWN ? ` The first ${MAX_SHOWN} are shown; add words or a filter to narrow them.` : "";
  status.textContent = `${articles.length} article${articles.length === 1 ? "" : "s"}${what}.${more}`;
}

async function run() {
  writeUrl();
  const words = query.value.trim();
  const filtered = facetSelects.some((s) => s.value);
  if (!words && !filtered) {
    list.replaceChildren();
    status.textContent = "Type words to find, or choose a filter.";
    return;
  }
  status.textContent = "Searching…";
  const found = words ? await matches(words) : facets.articles;
  show(found.filter(keep), words);
}

fillSelects();
readUrl();
form.addEventListener("submit", (event) => { event.preventDefault(); run(); });
for (const select of [...facetSelects, sort]) select.addEventListener("change", run);
run();
