// The search page: full-text matches from Pagefind, filters and date order from search/facets.json.
const root = document.querySelector("[data-search]");
const base = root.dataset.base;
const form = root.querySelector("form");
const query = form.elements.q;
const sort = form.elements.sort;
const status = root.querySelector(".search-status");
const list = root.querySelector(".search-results");
const facetSelects = [...form.querySelectorAll("select[data-facet]")];
const MAX_MATCHES = 200;

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

async function matches(words) {
  pagefind ??= await import(`${base}pagefind/pagefind.js`);
  const found = await pagefind.search(words, sort.value === "date" ? { sort: { date: "desc" } } : {});
  const data = await Promise.all(found.results.slice(0, MAX_MATCHES).map((r) => r.data()));
  return data.map((d) => byUrl.get(d.url)).filter(Boolean);
}

function show(articles, words) {
  list.replaceChildren(...articles.map((a) => {
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
  status.textContent = `${articles.length} article${articles.length === 1 ? "" : "s"}${what}.`;
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
