"""The HTML report: one self-contained file, readable offline and printable.

No network request of any kind: the CSS and the sorting script are inline,
plots are PNG data URIs, and the file names no address. Every string that
comes from the cohort, the request or the solver (ids, names, reasons,
explanations, group labels, constraint names) is HTML-escaped.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from importlib import metadata
from typing import Any

import numpy as np

from alummatch.report.facts import Alert, Facts, facts, reason_category
from alummatch.report.plots import (
    PALETTE,
    contributions_plot,
    group_plot,
    loads_plot,
    scores_plot,
)
from alummatch.report.words import (
    goal_sentence,
    mentors_sentence,
    quality_sentence,
    status_sentence,
    technical_lines,
    waiting_sentence,
)
from alummatch.result import MatchResult, Status

__all__ = ["render_fragment", "render_report"]

FIRST_PAIRS = 10
"""Pairs shown in a notebook before "and N more"."""


def esc(value: object) -> str:
    """HTML-escape any value's text (quotes too: safe inside attributes)."""
    return html.escape(str(value), quote=True)


_CSS = """
:root { --ink: #222; --muted: #666; --line: #d9dde3; --soft: #f4f6f8;
  --accent: #1f5f8b; --warn: #9a5b00; --warnbg: #fff6e5; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue",
  Arial, sans-serif; color: var(--ink); margin: 0; background: #fff; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 36px 0 10px; padding-bottom: 4px;
  border-bottom: 2px solid var(--line); }
h3 { font-size: 16px; margin: 20px 0 6px; }
p { margin: 6px 0; }
.sub { color: var(--muted); margin: 0 0 16px; }
nav { display: flex; flex-wrap: wrap; gap: 6px 16px; margin: 8px 0 4px;
  font-size: 14px; }
nav a { color: var(--accent); text-decoration: none; }
nav a:hover { text-decoration: underline; }
.lead { font-size: 18px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr));
  gap: 12px; margin: 16px 0; }
.card { background: var(--soft); border-radius: 8px; padding: 10px 14px; }
.card b { display: block; font-size: 24px; }
.card span { color: var(--muted); font-size: 13px; }
ul.alerts { list-style: none; padding: 0; margin: 0; }
ul.alerts li { background: var(--warnbg); border-left: 4px solid var(--warn);
  padding: 8px 12px; margin: 8px 0; border-radius: 0 6px 6px 0; }
ul.alerts .who { display: block; color: var(--muted); font-size: 13px; }
.nw { white-space: nowrap; }
.ok { color: #2e7d32; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 13.5px; margin: 8px 0; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px;
  border-bottom: 1px solid var(--line); }
thead th { background: var(--soft); position: sticky; top: 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums;
  white-space: nowrap; }
th button { all: unset; cursor: pointer; }
th button:hover, th button:focus-visible { text-decoration: underline; }
th[aria-sort="ascending"] button::after { content: " \\25B2"; font-size: 10px; }
th[aria-sort="descending"] button::after { content: " \\25BC"; font-size: 10px; }
td ul { margin: 0; padding-left: 18px; }
td li { margin: 2px 0; }
.id { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
  font-size: 12.5px; overflow-wrap: anywhere; }
td.person { max-width: 13em; }
td.why { min-width: 22em; }
.name { display: block; color: var(--muted); font-size: 12.5px; }
.rank { color: var(--muted); }
.flag { display: inline-block; background: var(--warnbg); color: var(--warn);
  border: 1px solid #e8c48a; border-radius: 10px; padding: 0 7px; font-size: 12px;
  margin: 2px 4px 2px 0; white-space: nowrap; }
.stack { display: flex; width: 120px; height: 10px; background: var(--soft);
  border-radius: 3px; overflow: hidden; margin-top: 4px; }
.stack i { display: block; height: 100%; }
.legend { font-size: 13px; color: var(--muted); }
.legend i { display: inline-block; width: 10px; height: 10px; margin: 0 4px 0 10px;
  border-radius: 2px; vertical-align: baseline; }
figure { margin: 12px 0 24px; break-inside: avoid; }
figure img { max-width: 100%; height: auto; display: block; }
figcaption { color: var(--muted); font-size: 13px; }
dl.settings { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px; }
dl.settings dt { font-weight: 600; }
dl.settings dd { margin: 0; }
pre { background: var(--soft); padding: 10px 12px; border-radius: 6px;
  font-size: 12.5px; white-space: pre-wrap; }
footer { color: var(--muted); font-size: 12px; margin-top: 40px; }
* { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
@media print {
  @page { margin: 14mm 12mm; }
  body { font-size: 11pt; }
  main { max-width: none; padding: 0; }
  nav, .screen-only, .crit { display: none; }
  .scroll { overflow: visible; }
  table { font-size: 9.5pt; }
  .stack { width: 70px; }
  h2 { break-after: avoid; margin-top: 18pt; }
  thead { display: table-header-group; }
  thead th { position: static; }
  tr, figure, ul.alerts li { break-inside: avoid; }
  th button::after { content: none !important; }
  a { color: inherit; text-decoration: none; }
}
"""

_SORT_JS = """
(function () {
  function key(cell) {
    var v = cell.getAttribute("data-sort");
    if (v === null) { v = cell.textContent.trim(); }
    var n = parseFloat(v);
    return (v !== "" && !isNaN(n) && isFinite(v)) ? n : v.toLowerCase();
  }
  function sortBy(th) {
    var table = th.closest("table"), body = table.tBodies[0];
    var col = Array.prototype.indexOf.call(th.parentNode.children, th);
    var asc = th.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(th.parentNode.children, function (h) {
      h.removeAttribute("aria-sort");
    });
    th.setAttribute("aria-sort", asc ? "ascending" : "descending");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a.cells[col]), y = key(b.cells[col]);
      if (typeof x !== typeof y) { x = String(x); y = String(y); }
      var c = x < y ? -1 : x > y ? 1 : 0;
      return asc ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  document.querySelectorAll("table.sortable th button").forEach(function (b) {
    b.addEventListener("click", function () { sortBy(b.closest("th")); });
  });
})();
"""


def _version() -> str:
    try:
        return metadata.version("alummatch")
    except metadata.PackageNotFoundError:  # pragma: no cover - not installed
        return ""


def _plural(k: int, one: str, many: str | None = None) -> str:
    return f"{k} {one if k == 1 else (many or one + 's')}"


def _th(label: str, *, num: bool = False, sort: bool = True, cls: str = "") -> str:
    names = " ".join(x for x in ("num" if num else "", cls) if x)
    cls = f' class="{names}"' if names else ""
    inner = f'<button type="button">{esc(label)}</button>' if sort else esc(label)
    return f'<th scope="col"{cls}>{inner}</th>'


def _person(ident: str, name: str) -> str:
    out = f'<span class="id">{esc(ident)}</span>'
    if name:
        out += f'<span class="name">{esc(name)}</span>'
    return out


_ALERT_ITEMS = 60
"""People or pairs listed under one alert; the rest are counted (every pair is
in the pairs table, every waiting student in theirs)."""


def _alerts_html(alerts: Sequence[Alert], *, limit: int | None = None) -> str:
    if not alerts:
        return '<p class="ok">Nothing to look at: no weak pair, no idle mentor.</p>'
    items = []
    for a in alerts:
        who = a.items if limit is None else a.items[:limit]
        more = len(a.items) - len(who)
        tail = f", and {more} more" if more > 0 else ""
        listed = ", ".join(f'<span class="nw">{esc(w)}</span>' for w in who)
        names = f'<span class="who">{listed}{esc(tail)}</span>' if who else ""
        items.append(f"<li><strong>{esc(a.text)}</strong>{names}</li>")
    return '<ul class="alerts">' + "".join(items) + "</ul>"


def _stack(f: Facts, k: int) -> str:
    """A small stacked bar of each criterion's contribution to pair ``k``."""
    if not f.weighted or not f.criteria:
        return ""
    parts = []
    for n, c in enumerate(f.criteria):
        v = float(f.shares[c][k])
        if math.isfinite(v) and v > 0:
            color = PALETTE[n % len(PALETTE)]
            parts.append(
                f'<i style="width:{100 * min(v, 1.0):.1f}%;background:{color}" '
                f'title="{esc(c)} {v:.3f}"></i>'
            )
    return '<span class="stack" aria-hidden="true">' + "".join(parts) + "</span>"


def _legend(f: Facts) -> str:
    if not f.weighted or not f.criteria:
        return ""
    keys = "".join(
        f'<i style="background:{PALETTE[n % len(PALETTE)]}"></i>{esc(c)}'
        for n, c in enumerate(f.criteria)
    )
    return f'<p class="legend">Bars under each score: points from{keys}</p>'


def _pairs_table(f: Facts, rows: Iterable[int], *, explain: bool = True) -> str:
    res = f.result
    head = [_th("Student"), _th("Mentor"), _th("Score", num=True)]
    head += [_th(c, num=True, cls="crit") for c in f.criteria]
    head.append(_th("Why", sort=False))
    body = []
    for k in rows:
        p = res.pairs[k]
        i, j = (int(x) for x in res.pair_indices[k])
        cells = [
            f'<td class="person" data-sort="{esc(p.mentee_id)}">'
            f"{_person(p.mentee_id, f.mentee_name(i))}</td>",
            f'<td class="person" data-sort="{esc(p.mentor_id)}">'
            f"{_person(p.mentor_id, f.mentor_name(j))}</td>",
            f'<td class="num" data-sort="{p.score:.6f}">{p.score:.3f}'
            f"{_stack(f, k)}</td>",
        ]
        for c in f.criteria:
            v = float(f.shares[c][k])
            cells.append(
                f'<td class="num crit" data-sort="{v:.6f}">{v:.3f}</td>'
                if math.isfinite(v)
                else '<td class="num crit" data-sort="-1">no data</td>'
            )
        flags = "".join(
            f'<span class="flag">{esc(w)}</span>' for w in f.pair_warnings(k)
        )
        why = [f'<span class="rank">{esc(f.rank(i, j))}</span>'] if f.rank(i, j) else []
        if flags:
            why.append(f"<div>{flags}</div>")
        if explain:
            lines = f.explain_pair(i, j)
            if lines:
                why.append(
                    "<ul>" + "".join(f"<li>{esc(s)}</li>" for s in lines) + "</ul>"
                )
        cells.append(f'<td class="why">{"".join(why)}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        '<div class="scroll"><table class="sortable"><thead><tr>'
        + "".join(head)
        + "</tr></thead><tbody>"
        + "".join(body)
        + "</tbody></table></div>"
    )


def _waiting_table(f: Facts) -> str:
    res = f.result
    index = {m: i for i, m in enumerate(f.mentee_ids)}
    got = f.mentee_counts
    head = [
        _th("Student"),
        _th("Reason"),
        _th("Best mentor they could have had"),
        _th("Score", num=True),
        _th("Why not", sort=False),
    ]
    body = []
    for mentee_id, reason in res.unmatched.items():
        i = index.get(mentee_id)
        name = f.mentee_name(i) if i is not None else ""
        category = reason_category(reason)
        plain = category == reason or res.status is Status.INFEASIBLE
        detail = "" if plain else f'<br><span class="rank">{esc(reason)}</span>'
        if i is not None and got[i] > 0:
            detail += (
                f'<br><span class="rank">has {int(got[i])} mentor(s) already</span>'
            )
        alt = f.alternative(i) if i is not None else None
        if alt is not None and alt.mentor is not None:
            best = _person(f.mentor_ids[alt.mentor], f.mentor_name(alt.mentor))
            score = f'<td class="num" data-sort="{alt.score:.6f}">{alt.score:.3f}</td>'
            why = esc(alt.why)
        else:
            best = '<span class="rank">none</span>'
            score = '<td class="num" data-sort="-1"></td>'
            why = esc(alt.why) if alt is not None else ""
        body.append(
            "<tr>"
            f'<td class="person" data-sort="{esc(mentee_id)}">'
            f"{_person(mentee_id, name)}</td>"
            f'<td data-sort="{esc(category)}"><strong>{esc(category)}</strong>{detail}'
            "</td>"
            f"<td>{best}</td>{score}<td>{why}</td>"
            "</tr>"
        )
    return (
        '<div class="scroll"><table class="sortable"><thead><tr>'
        + "".join(head)
        + "</tr></thead><tbody>"
        + "".join(body)
        + "</tbody></table></div>"
    )


def _cards(f: Facts) -> str:
    res = f.result
    n = len(f.mentee_ids)
    got = f.mentee_counts
    matched = int(np.count_nonzero(got)) if res.is_feasible() else 0
    cards = [
        (f"{matched} of {n}", "students have a mentor"),
        (str(n - matched), "students waiting"),
    ]
    prob = f.problem
    if prob is not None:
        cap = prob.mentor_capacity
        free = int(np.sum(np.maximum(cap - f.loads, 0)))
        cards.append((str(free), "free mentor seats"))
    scores = [p.score for p in res.pairs]
    if scores:
        cards.append((f"{float(np.median(scores)):.2f}", "median pair score (of 1)"))
    return (
        '<div class="cards">'
        + "".join(
            f'<div class="card"><b>{esc(v)}</b><span>{esc(t)}</span></div>'
            for v, t in cards
        )
        + "</div>"
    )


def _figure(uri: str | None, alt: str, caption: str) -> str:
    """A plot with its caption; ``"Title: text"`` puts the title above it."""
    if uri is None:
        return ""
    title, sep, text = caption.partition(": ")
    head = f"<h3>{esc(title)}</h3>" if sep else ""
    text = text[:1].upper() + text[1:] if sep else caption
    return (
        f'<figure>{head}<img src="{uri}" alt="{esc(alt)}">'
        f"<figcaption>{esc(text)}</figcaption></figure>"
    )


def _groups_html(f: Facts, extra: Sequence[Any]) -> str:
    out = []
    quotas = {
        (getattr(c, "attribute", None) or "group"): float(c.min_share)
        for c in f.result.constraints
        if hasattr(c, "min_share")
    }
    for label, table in f.groups(extra):
        quota = quotas.get(label)
        rows = "".join(
            "<tr>"
            f"<td>{esc(g)}</td>"
            f'<td class="num">{int(r.mentees)}</td>'
            f'<td class="num">{int(r.demand)}</td>'
            f'<td class="num">{int(r.matched)}</td>'
            f'<td class="num">{_pct(r.coverage)}</td>'
            f'<td class="num">{_num(r.mean_score)}</td>'
            "</tr>"
            for g, r in table.iterrows()
        )
        head = "".join(
            _th(h, num=k > 0)
            for k, h in enumerate(
                ["Group", "Students", "Requests", "Matched", "Coverage", "Mean score"]
            )
        )
        q = f" (quota: at least {100 * quota:.0f}% of each group)" if quota else ""
        out.append(
            f"<h3>By {esc(label)}{esc(q)}</h3>"
            f'<table class="sortable"><thead><tr>{head}</tr></thead>'
            f"<tbody>{rows}</tbody></table>"
            + _figure(
                group_plot(table, quota),
                f"coverage by {label}",
                f"Share of each {label} group's requests that are matched"
                + (" (the dashed line marks the quota)." if quota else "."),
            )
        )
    if not out:
        return ""
    return '<section id="groups"><h2>Groups</h2>' + "".join(out) + "</section>"


def _pct(v: object) -> str:
    x = float(v)  # type: ignore[arg-type]
    return "" if math.isnan(x) else f"{100 * x:.0f}%"


def _num(v: object) -> str:
    x = float(v)  # type: ignore[arg-type]
    return "" if math.isnan(x) else f"{x:.3f}"


def _settings_html(f: Facts) -> str:
    res = f.result
    cons = [str(c) for c in res.constraints]
    weights = ", ".join(f"{c} {w:.2f}" for c, w in f.weights.items() if w > 0)
    rows = [
        ("Solver", res.solver),
        ("Goal", f"{res.objective_name}: {goal_sentence(res.objective_name)}"),
        ("Constraints", "; ".join(cons) if cons else "none beyond capacities"),
        ("Criterion weights", weights or "not known (scores given directly)"),
        ("Status", f"{status_sentence(res)} (status '{res.status}')"),
        ("Solver time", f"{res.runtime_s:.3f} s"),
    ]
    if res.gap is not None:
        rows.append(("Proven gap", f"{100 * res.gap:.2f}% (bound {res.bound})"))
    info = getattr(res, "info", None) or {}
    if info:
        figures = ", ".join(
            f"{k} {v:.6g}" if isinstance(v, float) else f"{k} {v}"
            for k, v in info.items()
        )
        rows.append(("Solver figures", figures))
    rows += [("Diagnosis", d) for d in res.diagnosis]
    dl = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in rows)
    tech = esc("\n".join(technical_lines(res)))
    return (
        '<section id="settings"><h2>Settings</h2>'
        f'<dl class="settings">{dl}</dl>'
        "<h3>Technical figures</h3>"
        '<p class="legend">For analysts: p10 is the score that 90% of pairs reach; '
        "Gini measures how unevenly students are spread over mentors (0 = even); "
        "a blocking pair is a student and a mentor who both score each other "
        "higher than the partners they got.</p>"
        f"<pre>{tech}</pre></section>"
    )


def render_report(result: MatchResult, *, groups: Sequence[Any] = ()) -> str:
    """The whole report as an HTML string (see ``MatchResult.report``)."""
    f = facts(result)
    res = f.result
    alerts = f.warnings()
    n_pairs, n_wait = len(res.pairs), len(res.unmatched)
    lead = " ".join(waiting_sentence(f))
    extra = [s for s in (mentors_sentence(f), quality_sentence(f)) if s]
    if res.status is not Status.INFEASIBLE:
        extra.append(status_sentence(res))
    scores = np.array([p.score for p in res.pairs], dtype=np.float64)
    prob = f.problem
    figures = [
        _figure(
            scores_plot(scores),
            "histogram of pair scores",
            "How well the pairs fit: the number of pairs at each score.",
        ),
        _figure(
            contributions_plot(f.criteria, f.shares, f.weighted),
            "contribution of each criterion",
            "What the scores are made of: on average, the points each criterion "
            "adds to a pair's score."
            if f.weighted
            else "What the scores are made of: the average score of the pairs on "
            "each criterion.",
        ),
    ]
    if prob is not None:
        figures.append(
            _figure(
                loads_plot(f.loads, prob.mentor_capacity, f.mentor_ids),
                "mentor loads",
                "How full the mentors are: students per mentor against the seats "
                "they offered."
                if prob.n_mentors <= 60
                else "How full the mentors are: how many mentors have each number "
                "of students.",
            )
        )
    groups_html = _groups_html(f, groups)
    nav = [
        ("summary", "Summary"),
        ("warnings", f"To look at ({len(alerts)})"),
        ("pairs", f"Pairs ({n_pairs})"),
        ("waiting", f"Waiting ({n_wait})"),
        ("plots", "Plots"),
    ]
    if groups_html:
        nav.append(("groups", "Groups"))
    nav.append(("settings", "Settings"))
    waiting = (
        _waiting_table(f)
        if n_wait
        else '<p class="ok">Every student has all the mentors they asked for.</p>'
    )
    pairs = (
        _legend(f) + _pairs_table(f, range(n_pairs))
        if n_pairs
        else "<p>No pairs were made.</p>"
    )
    version = _version()
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>Mentoring matches: report</title>\n"
        f"<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
        "<h1>Mentoring matches</h1>\n"
        f'<p class="sub">{esc(_plural(len(f.mentee_ids), "student"))}, '
        f"{esc(_plural(len(f.mentor_ids), 'mentor'))}; "
        f"solver {esc(res.solver)}, status {esc(res.status)}</p>\n"
        "<nav>" + "".join(f'<a href="#{k}">{esc(t)}</a>' for k, t in nav) + "</nav>\n"
        '<section id="summary"><h2>Summary</h2>'
        f'<p class="lead">{esc(lead)}</p>'
        + "".join(f"<p>{esc(s)}</p>" for s in extra)
        + _cards(f)
        + "</section>\n"
        '<section id="warnings"><h2>To look at</h2>'
        + _alerts_html(alerts, limit=_ALERT_ITEMS)
        + "</section>\n"
        f'<section id="pairs"><h2>Pairs ({n_pairs})</h2>'
        '<p class="legend screen-only">Click a column heading to sort.</p>'
        + pairs
        + "</section>\n"
        f'<section id="waiting"><h2>Waiting students ({n_wait})</h2>'
        + waiting
        + "</section>\n"
        '<section id="plots"><h2>Plots</h2>'
        + "".join(figures)
        + "</section>\n"
        + groups_html
        + _settings_html(f)
        + f"\n<footer>Made with alummatch {esc(version)}.</footer>\n"
        "</main>\n"
        f"<script>{_SORT_JS}</script>\n"
        "</body>\n</html>\n"
    )


_FRAGMENT_CSS = """
.alummatch-result { font-family: system-ui, sans-serif; font-size: 14px; }
.alummatch-result p { margin: 4px 0; }
.alummatch-result ul { margin: 4px 0 8px; }
.alummatch-result .id { font-family: monospace; }
.alummatch-result .name, .alummatch-result .rank, .alummatch-result .muted {
  color: #666; }
.alummatch-result .name { display: block; font-size: 12px; }
.alummatch-result .flag { background: #fff6e5; color: #9a5b00; padding: 0 6px;
  border-radius: 8px; font-size: 12px; margin-right: 4px; }
.alummatch-result table { border-collapse: collapse; }
.alummatch-result th, .alummatch-result td { text-align: left; padding: 3px 8px;
  vertical-align: top; }
"""


def render_fragment(result: MatchResult) -> str:
    """Summary, warnings and the first pairs, for a notebook cell."""
    f = facts(result)
    res = f.result
    lines = [*waiting_sentence(f)]
    lines += [s for s in (mentors_sentence(f), quality_sentence(f)) if s]
    if res.status is not Status.INFEASIBLE:
        lines.append(status_sentence(res))
    alerts = f.warnings()
    parts = [f"<style>{_FRAGMENT_CSS}</style>", '<div class="alummatch-result">']
    parts += [f"<p>{esc(s)}</p>" for s in lines]
    if alerts:
        parts.append("<p><strong>To look at</strong></p><ul>")
        for a in alerts:
            who = ", ".join(a.items[:6]) + (
                f", and {len(a.items) - 6} more" if len(a.items) > 6 else ""
            )
            extra = f' <span class="muted">({esc(who)})</span>' if who else ""
            parts.append(f"<li>{esc(a.text)}{extra}</li>")
        parts.append("</ul>")
    n = len(res.pairs)
    if n:
        shown = range(min(n, FIRST_PAIRS))
        head = "<tr><th>Student</th><th>Mentor</th><th>Score</th><th>Why</th></tr>"
        rows = []
        for k in shown:
            p = res.pairs[k]
            i, j = (int(x) for x in res.pair_indices[k])
            flags = "".join(
                f'<span class="flag">{esc(w)}</span>' for w in f.pair_warnings(k)
            )
            rows.append(
                "<tr>"
                f"<td>{_person(p.mentee_id, f.mentee_name(i))}</td>"
                f"<td>{_person(p.mentor_id, f.mentor_name(j))}</td>"
                f"<td>{p.score:.3f}</td>"
                f"<td>{flags}{esc(f.pair_reason(k))}</td>"
                "</tr>"
            )
        parts.append(
            f"<table><thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>"
        )
        if n > FIRST_PAIRS:
            parts.append(
                f'<p class="muted">... and {n - FIRST_PAIRS} more pairs: '
                '<code>result.report("report.html")</code> shows them all.</p>'
            )
    parts.append(
        f'<p class="muted">{esc(res.solver)}, {esc(res.objective_name)}: '
        f"{esc(res.status)} in {res.runtime_s:.3f} s</p>"
    )
    parts.append("</div>")
    return "".join(parts)
