"""A variant of the bundled replica: the same kind of sites, different issues and formatting.

:func:`build_variant` reads every page of the bundled replica (``aggregator.replica.DEFAULT_ROOT``,
the latest snapshot of each URL) and rewrites it consistently into a new replica folder with its
own ``truth.json``:

* issues are renumbered (#481 → #1181 …) everywhere a number names an issue: URLs, ``<title>``,
  kickers, ``data-issue``, RSS titles, mirror titles "AI周刊第N期", ``内容来源`` URLs, 301s,
  and prose such as "Issue 500." / "第500期" (a podcast's "Lex Fridman #491" is left alone);
  EMLOG post ids move too (3776 → 5776);
* every structured date moves by :data:`DAY_SHIFT` days, so the archive spans New Year: one
  week reads "December 29, 2026 – January 4, 2027" / "2026年12月29日-2027年1月4日", its stories
  are dated "Dec 30" / "12月30日" and "Jan 2" / "1月2日"; datetime attributes, RSS dates, HTTP
  ``Last-Modified`` and post times shift with them (weekdays recomputed). Prose dates are left
  as they are, in both languages alike;
* mirror posts vary their formatting: fullwidth colons in the part markers, a spaced title
  "AI周刊 第 1183 期：…", a source line given as ``http://…/`` or with ``utm_`` parameters, a
  post served as GB2312 (GBK bytes, as such pages really are), a post written as ``<br>``-
  separated lines, a post without its English original (and without a source line), another
  without a source line, one without its English original only;
* one more ordinary Chinese post names many of the companies of one issue (it must not link).

Everything is served as one snapshot. Run ``python tests/variant_replica.py DEST`` to write one.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import sys
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from aggregator.replica import DEFAULT_ROOT

SOURCE = DEFAULT_ROOT

ISSUE_OFFSET = 700  # 481 → 1181
POST_OFFSET = 2000  # ?post=3776 → ?post=5776
DAY_SHIFT = timedelta(days=249)  # 2026-04-24 → 2026-12-29: issue 484's week spans New Year
_ISSUES = range(481, 506)
_POSTS = range(3700, 3900)

# Mirror formatting variants, by the bundled replica's issue number.
FULLWIDTH_COLONS = 482
SPACED_TITLE = 483
HTTP_TRAILING_SLASH = 484
GB2312 = 486
BR_LINES = 488
NO_ENGLISH_NO_SOURCE = 489
NO_ENGLISH = 491
NO_SOURCE = 492
UTM_PARAMS = 497
BARE_SOURCE = 485  # "内容来源：aiweekly.co/issues/1185" (no scheme)
PIPE_TITLE = 487  # "AI周刊第1187期｜…"
WWW_SOURCE = 493  # "https://www.aiweekly.co/issues/1193"
YEAR_STORY_DATES = 484  # story lines "… · 2027年1月2日 · …" (the week across New Year)
IME_PUNCTUATION = 505  # mirror-only issue: no English original, "（本期周期：…－…）"

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")  # fmt: skip
_MONTH_NUMBER = {name[:3]: i for i, name in enumerate(_MONTHS, start=1)}
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_RE = "(?:" + "|".join(_MONTHS) + ")"
_ABBR_RE = "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"


# ---------------------------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------------------------
def new_issue(number: int) -> int:
    return number + ISSUE_OFFSET


def new_post(post_id: int) -> int:
    return post_id + POST_OFFSET


def _renumber(match: re.Match[str]) -> str:
    number = int(match.group("n"))
    if number not in _ISSUES:
        return match.group(0)
    start, end = match.span("n")
    whole = match.group(0)
    offset = match.start(0)
    return whole[: start - offset] + str(new_issue(number)) + whole[end - offset :]


_ISSUE_NUMBER_PATTERNS = [
    re.compile(r"/issues/(?P<n>\d+)\b"),
    re.compile(r"Issue #(?P<n>\d+)\b"),
    re.compile(r"\bIssue (?P<n>\d+)\."),
    re.compile(r"\b(?P<n>\d+) Issues of AI Weekly"),
    re.compile(r'data-issue="(?P<n>\d+)"'),
    re.compile(r"AI周刊第(?P<n>\d+)期"),
    re.compile(r"AI周刊(?P<n>\d+)期"),
    re.compile(r"(?<!Fridman)第(?P<n>\d+)期"),
]
_POST_RE = re.compile(r"([?&]post=)(\d+)\b")


def renumber(text: str) -> str:
    for pattern in _ISSUE_NUMBER_PATTERNS:
        text = pattern.sub(_renumber, text)

    def post(match: re.Match[str]) -> str:
        number = int(match.group(2))
        return match.group(1) + str(new_post(number) if number in _POSTS else number)

    return _POST_RE.sub(post, text)


# ---------------------------------------------------------------------------------------------
# Dates (every yearless date of the bundled replica is in 2026)
# ---------------------------------------------------------------------------------------------
def shift(day: date) -> date:
    return day + DAY_SHIFT


def _ordinal(day: int) -> str:
    if 11 <= day % 100 <= 13:
        return f"{day}th"
    return f"{day}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(day % 10, 'th')}"


def _abbr(day: date) -> str:
    return f"{_MONTHS[day.month - 1][:3]} {day.day}"


def en_range(start: date, end: date) -> str:
    """"April 3 – 9, 2026", "July 31 – August 6, 2026", "December 29, 2026 – January 4, 2027"."""
    first = f"{_MONTHS[start.month - 1]} {start.day}"
    if start.year != end.year:
        return f"{first}, {start.year} – {_MONTHS[end.month - 1]} {end.day}, {end.year}"
    if start.month != end.month:
        return f"{first} – {_MONTHS[end.month - 1]} {end.day}, {end.year}"
    return f"{first} – {end.day}, {end.year}"


def zh_range(start: date, end: date, sep: str) -> str:
    """"2026年4月3日-9日", "2026年7月31日-8月6日", "2026年12月29日-2027年1月4日"."""
    first = f"{start.year}年{start.month}月{start.day}日"
    if start.year != end.year:
        return f"{first}{sep}{end.year}年{end.month}月{end.day}日"
    if start.month != end.month:
        return f"{first}{sep}{end.month}月{end.day}日"
    return f"{first}{sep}{end.day}日"


def _month_index(name: str) -> int:
    return _MONTH_NUMBER[name[:3]]


def _shift_en_range(match: re.Match[str]) -> str:
    m2 = match.group("m2") or match.group("m1")
    start = date(int(match.group("y")), _month_index(match.group("m1")), int(match.group("d1")))
    end = date(int(match.group("y")), _month_index(m2), int(match.group("d2")))
    return en_range(shift(start), shift(end))


def _shift_zh_range(match: re.Match[str]) -> str:
    year, m1 = int(match.group("y")), int(match.group("m1"))
    m2 = int(match.group("m2") or m1)
    start = date(year, m1, int(match.group("d1")))
    end = date(year, m2, int(match.group("d2")))
    return zh_range(shift(start), shift(end), match.group("sep"))


def _shift_modern_range(match: re.Match[str]) -> str:
    start = shift(date.fromisoformat(match.group("a")))
    end = shift(date.fromisoformat(match.group("b")))
    left = f"{_MONTHS[start.month - 1]} {start.day}"
    if start.year != end.year:
        left += f", {start.year}"
        right = f"{_MONTHS[end.month - 1]} {end.day}, {end.year}"
    elif start.month != end.month:
        right = f"{_MONTHS[end.month - 1]} {end.day}, {end.year}"
    else:
        right = f"{end.day}, {end.year}"
    return (f'<p class="range"><time datetime="{start.isoformat()}">{left}</time> – '
            f'<time datetime="{end.isoformat()}">{right}</time></p>')


def _shift_modern_time(match: re.Match[str]) -> str:
    return _shift_time_tag(match) if match.group("iso") else _shift_modern_range(match)


def _shift_time_tag(match: re.Match[str]) -> str:
    day = shift(date.fromisoformat(match.group("iso")))
    return f'<time datetime="{day.isoformat()}">{_abbr(day)}</time>'


def _shift_abbr(match: re.Match[str]) -> str:
    day = shift(date(2026, _MONTH_NUMBER[match.group("m")], int(match.group("d"))))
    return f"{match.group('pre')}{_abbr(day)}{match.group('post')}"


def _shift_zh_day(match: re.Match[str]) -> str:
    day = shift(date(2026, int(match.group("m")), int(match.group("d"))))
    return f"{match.group('pre')}{day.month}月{day.day}日{match.group('post')}"


def _shift_ordinal_day(match: re.Match[str]) -> str:
    day = shift(date(int(match.group("y")), _MONTH_NUMBER[match.group("m")],
                     int(match.group("d"))))
    return f"{_MONTHS[day.month - 1][:3]} {_ordinal(day.day)} {day.year}"


def _shift_rfc822(match: re.Match[str]) -> str:
    when = datetime(int(match.group("y")), _MONTH_NUMBER[match.group("m")],
                    int(match.group("d"))) + DAY_SHIFT
    return (f"{_DAYS[when.weekday()]}, {when.day:02d} {_MONTHS[when.month - 1][:3]} "
            f"{when.year} {match.group('t')}")


def _shift_iso_datetime(match: re.Match[str]) -> str:
    day = shift(date.fromisoformat(match.group("d")))
    return f'datetime="{day.isoformat()}T{match.group("rest")}"'


def _shift_local(match: re.Match[str]) -> str:
    day = shift(date(int(match.group("y")), int(match.group("m")), int(match.group("d"))))
    return f">{day.year}-{day.month}-{day.day} {match.group('t')}<"


_RFC822_RE = re.compile(
    rf"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (?P<d>\d{{1,2}}) (?P<m>{_ABBR_RE}) (?P<y>\d{{4}}) "
    r"(?P<t>\d\d:\d\d:\d\d (?:[+-]\d{4}|GMT))"
)
_DATE_RULES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    # modern issue header range (two <time datetime> elements) and story dates, in one pass
    (re.compile(r'<p class="range"><time datetime="(?P<a>\d{4}-\d\d-\d\d)">[^<]*</time>\s*–\s*'
                r'<time datetime="(?P<b>\d{4}-\d\d-\d\d)">[^<]*</time></p>'
                r'|<time datetime="(?P<iso>\d{4}-\d\d-\d\d)">[^<]*</time>'), _shift_modern_time),
    # "April 3 – 9, 2026", "July 31 – August 6, 2026" (archive, classic range, mirror English)
    (re.compile(rf"\b(?P<m1>{_MONTH_RE}) (?P<d1>\d{{1,2}}) – (?:(?P<m2>{_MONTH_RE}) )?"
                rf"(?P<d2>\d{{1,2}}), (?P<y>\d{{4}})\b"), _shift_en_range),
    # "2026年4月3日-9日", "2026年5月29日 – 6月4日"
    (re.compile(r"(?P<y>\d{4})年(?P<m1>\d{1,2})月(?P<d1>\d{1,2})日(?P<sep>\s*[-–]\s*)"
                r"(?:(?P<m2>\d{1,2})月)?(?P<d2>\d{1,2})日"), _shift_zh_range),
    # classic story dates and mirror story lines
    (re.compile(rf'(?P<pre><span class="date">)(?P<m>{_ABBR_RE}) (?P<d>\d{{1,2}})'
                r"(?P<post></span>)"), _shift_abbr),
    (re.compile(rf"(?P<pre> · )(?P<m>{_ABBR_RE}) (?P<d>\d{{1,2}})(?P<post> · )"), _shift_abbr),
    (re.compile(r"(?P<pre> · )(?P<m>\d{1,2})月(?P<d>\d{1,2})日(?P<post> · )"), _shift_zh_day),
    # "Apr 10th 2026" (classic issue date, numeric-era RSS titles)
    (re.compile(rf"\b(?P<m>{_ABBR_RE}) (?P<d>\d{{1,2}})(?:st|nd|rd|th) (?P<y>\d{{4}})\b"),
     _shift_ordinal_day),
    # RFC 822 (RSS pubDate, lastBuildDate)
    (_RFC822_RE, _shift_rfc822),
    # post times: datetime="2026-04-10T08:32:00+08:00" and "2026-4-10 08:32"
    (re.compile(r'datetime="(?P<d>\d{4}-\d\d-\d\d)T(?P<rest>[^"]+)"'), _shift_iso_datetime),
    (re.compile(r">(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2}) (?P<t>\d\d:\d\d)<"), _shift_local),
]


def shift_dates(text: str) -> str:
    for pattern, replace in _DATE_RULES:
        text = pattern.sub(replace, text)
    return text


def shift_http_date(value: str) -> str:
    return _RFC822_RE.sub(_shift_rfc822, value)


def shift_local_text(value: str) -> str:
    """truth.json's "2026-04-10 08:32"."""
    when = datetime.strptime(value, "%Y-%m-%d %H:%M") + DAY_SHIFT
    return when.strftime("%Y-%m-%d %H:%M")


# ---------------------------------------------------------------------------------------------
# Mirror formatting variants (applied to one post's page after renumbering and date shifting)
# ---------------------------------------------------------------------------------------------
_CONTENT_RE = re.compile(
    r'(<div class="markdown" id="articleContent">)(.*?)(</div>\s*<div class="post-copyright">)',
    re.S,
)


def _content(html: str, change: Callable[[str], str]) -> str:
    match = _CONTENT_RE.search(html)
    assert match, "no article content"
    return html[: match.start(2)] + change(match.group(2)) + html[match.end(2) :]


def _fullwidth_colons(body: str) -> str:
    return re.sub(r"<p>(内容来源|内容总结|中文翻译|英文来源):", r"<p>\1：", body)


def _drop_source(body: str) -> str:
    return re.sub(r"<p>内容来源[:：].*?</p>\s*", "", body, count=1, flags=re.S)


def _drop_english(body: str) -> str:
    at = body.index("<p>英文来源")
    return body[:at].rstrip()


def _br_lines(body: str) -> str:
    body = re.sub(r"<li>(.*?)</li>", r"- \1<br>", body, flags=re.S)
    body = re.sub(r"</?ul>\s*", "", body)
    body = re.sub(r"<p>(.*?)</p>", r"\1<br>", body, flags=re.S)
    return f"<p>{body}</p>"


def _scrub_source(text: str, source_url: str) -> str:
    """Remove what remains of a dropped source line: the post's meta description and listing
    snippets ("内容来源: URL 内容总结: …") and the feed's copy of the post."""
    url = re.escape(source_url)
    text = re.sub(rf"<p>内容来源[:：]<a href=\"{url}\"[^>]*>[^<]*</a></p>\s*", "", text)
    return re.sub(rf"内容来源[:：]\s*{url}\s*", "", text)


def _set_source(url: str, colon: str = ": ") -> Callable[[str], str]:
    def change(body: str) -> str:
        return re.sub(r"<p>内容来源:.*?</p>", f"<p>内容来源{colon}{url}</p>", body, count=1,
                      flags=re.S)

    return change


def _story_years(body: str) -> str:
    """Chinese story dates written with their year: "· 2027年1月2日 ·"."""
    def with_year(match: re.Match[str]) -> str:
        month, day = int(match.group(1)), int(match.group(2))
        year = 2026 if month == 12 else 2027
        return f" · {year}年{month}月{day}日 · "

    return re.sub(r" · (\d{1,2})月(\d{1,2})日 · ", with_year, body)


def _ime_period(body: str) -> str:
    """Punctuation typed with a Chinese input method: fullwidth parentheses, colon and dash."""
    body = re.sub(r"\(本期周期:(\d{4}年\d{1,2}月\d{1,2}日)-", r"（本期周期：\1－", body)
    body = re.sub(r"(本期周期：[^)]*)\)", r"\1）", body)
    return re.sub(r"<p>(\d{4}年\d{1,2}月\d{1,2}日) – ", r"<p>\1－", body)


def _pipe_title(text: str, number: int) -> str:
    return text.replace(f"AI周刊第{number}期:", f"AI周刊第{number}期｜")


def _spaced_title(text: str, number: int) -> str:
    return text.replace(f"AI周刊第{number}期:", f"AI周刊 第 {number} 期：")


# ---------------------------------------------------------------------------------------------
# The extra ordinary post (names the companies of issue 481, but is no mirror)
# ---------------------------------------------------------------------------------------------
_EXTRA_TITLE = "大模型赛道月度观察:OpenAI、Anthropic、Meta与谷歌的路线之争"
_EXTRA_LEAD = "本月,大模型行业的竞争焦点继续集中在几家头部公司。"
_EXTRA_BODY = (
    "<p>本月,大模型行业的竞争焦点继续集中在几家头部公司。OpenAI与Anthropic在企业市场的争夺日趋激烈,"
    "Meta调整了开源策略,谷歌则持续更新Gemma系列开源模型。马斯克旗下的xAI与特斯拉、SpaceX也在加码算力投入。</p>"
    "<p>与此同时,英伟达、英特尔与华为在AI芯片领域的角力仍在继续,DeepSeek等国内团队尝试在国产芯片上训练大模型。"
    "彭博社、CNBC和TechCrunch等媒体的报道显示,奥特曼与马斯克之间的法律纠纷仍未平息。</p>"
    "<p>业内人士认为,随着Claude、Llama与Gemma等模型能力逐步接近,行业竞争将从参数规模转向应用生态与商业化能力。</p>"
)


def _extra_post(template: str, post_id: int, when: datetime) -> str:
    html = re.sub(r"<title>.*?</title>", f"<title>{_EXTRA_TITLE} - 启幕AI资讯</title>", template,
                  count=1, flags=re.S)
    html = re.sub(r'(<h1 class="log-title">).*?(</h1>)', rf"\g<1>{_EXTRA_TITLE}\g<2>", html,
                  count=1)
    html = re.sub(r'<meta name="description" content="[^"]*"',
                  f'<meta name="description" content="{_EXTRA_LEAD}"', html, count=1)
    html = re.sub(r'<time datetime="[^"]*">[^<]*</time>',
                  f'<time datetime="{when:%Y-%m-%dT%H:%M:00}+08:00">'
                  f"{when.year}-{when.month}-{when.day} {when:%H:%M}</time>", html, count=1)
    html = re.sub(r'(id="articleContent">).*?(</div>)', rf"\g<1>{_EXTRA_BODY}\g<2>", html,
                  count=1, flags=re.S)
    html = re.sub(r'<nav class="neighbor-log">.*?</nav>', "", html, count=1, flags=re.S)
    return re.sub(r"[?&]post=\d+", f"?post={post_id}", html)


_CARD_RE = re.compile(
    r'\s*<div class="shadow-theme bottom-5">.*?<div class="log-count">.*?</div>\s*</div>\s*</div>',
    re.S,
)


def _add_card(listing: str, post_id: int, when: datetime) -> str:
    first = _CARD_RE.search(listing)
    assert first, "no post card on the home page"
    card = first.group(0)
    card = re.sub(r"post=\d+", f"post={post_id}", card)
    card = re.sub(r'(class="loglist-title">).*?(</a>)', rf"\g<1>{_EXTRA_TITLE}\g<2>", card,
                  count=1)
    card = re.sub(r'(<span class="loglist-sort">\s*<a href="https://news.qimuai.cn/\?sort=)\d+(">)'
                  r"[^<]*", r"\g<1>1\g<2>行业资讯", card, count=1)
    card = re.sub(r'(class="loglist-content markdown">).*?(</div>)',
                  r"\g<1>本月,大模型行业的竞争焦点继续集中在几家头部公司...\g<2>", card, count=1,
                  flags=re.S)
    card = re.sub(r"<time>[^<]*</time>",
                  f"<time>{when.year}-{when.month}-{when.day} {when:%H:%M}</time>", card, count=1)
    return listing[: first.start()] + card + listing[first.start() :]


# ---------------------------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------------------------
def _charset(headers: dict[str, str]) -> str:
    kind = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    match = re.search(r"charset=([\w-]+)", kind, re.I)
    return match.group(1).lower() if match else "utf-8"


def _file_name(url: str) -> str:
    rest = re.sub(r"^https?://", "", url)
    host, _, path = rest.partition("/")
    name = re.sub(r"[^A-Za-z0-9.-]+", "_", path).strip("_") or "index"
    return f"sites/{host}/v/{name}.html"


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest()[:20] + '"'


def _latest_entries(root: Path) -> list[dict[str, Any]]:
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    latest: dict[str, dict[str, Any]] = {}
    for entry in manifest:
        seen = latest.get(entry["url"])
        if seen is None or entry["snapshot"] > seen["snapshot"]:
            latest[entry["url"]] = entry
    return list(latest.values())


def _mirror_urls(truth: dict[str, Any]) -> dict[int, str]:
    """Original issue number → original URL of its (first) mirror post."""
    found: dict[int, str] = {}
    for post in truth["mirror_posts"]:
        found.setdefault(post["issue_number"], post["url"])
    return found


def build_variant(dest: Path, source: Path = SOURCE) -> dict[str, Any]:
    """Write the variant replica into ``dest`` and return its truth dict."""
    dest = Path(dest)
    old_truth = json.loads((source / "truth.json").read_text(encoding="utf-8"))
    issues = {i["number"]: i for i in old_truth["issues"]}
    mirrors = _mirror_urls(old_truth)
    post_changes: dict[str, list[Callable[[str], str]]] = {}

    def on_post(number: int, change: Callable[[str], str]) -> None:
        post_changes.setdefault(mirrors[number], []).append(lambda html: _content(html, change))

    on_post(FULLWIDTH_COLONS, _fullwidth_colons)
    on_post(BR_LINES, _br_lines)
    on_post(NO_ENGLISH_NO_SOURCE, lambda body: _drop_english(_drop_source(body)))
    on_post(NO_ENGLISH, _drop_english)
    on_post(NO_SOURCE, _drop_source)
    on_post(HTTP_TRAILING_SLASH,
            _set_source(f"http://aiweekly.co/issues/{new_issue(HTTP_TRAILING_SLASH)}/"))
    on_post(UTM_PARAMS, _set_source(
        issues[UTM_PARAMS]["url"] + "?utm_source=qimuai&utm_medium=referral&utm_campaign=weekly"))
    on_post(BARE_SOURCE, _set_source(f"aiweekly.co/issues/{new_issue(BARE_SOURCE)}", "："))
    on_post(WWW_SOURCE, _set_source(f"https://www.aiweekly.co/issues/{new_issue(WWW_SOURCE)}"))
    on_post(YEAR_STORY_DATES, _story_years)
    on_post(IME_PUNCTUATION, lambda body: _ime_period(_drop_english(body)))
    variants = {
        FULLWIDTH_COLONS: "fullwidth_colons", SPACED_TITLE: "spaced_title",
        HTTP_TRAILING_SLASH: "http_trailing_slash", GB2312: "gb2312", BR_LINES: "br_lines",
        NO_ENGLISH_NO_SOURCE: "no_english_no_source", NO_ENGLISH: "no_english",
        NO_SOURCE: "no_source_line", UTM_PARAMS: "utm_params", BARE_SOURCE: "bare_source",
        PIPE_TITLE: "pipe_title", WWW_SOURCE: "www_source",
        IME_PUNCTUATION: "ime_punctuation_no_english",
    }  # fmt: skip

    entries = _latest_entries(source)
    out_manifest: list[dict[str, Any]] = []
    template = ""
    home_index: int | None = None
    for entry in entries:
        headers = dict(entry["headers"])
        url = renumber(entry["url"])
        body: bytes | None = None
        if entry["file"] is not None:
            charset = _charset(headers)
            text = (source / entry["file"]).read_bytes().decode(charset)
            text = shift_dates(renumber(text))
            text = _spaced_title(text, new_issue(SPACED_TITLE))
            text = _pipe_title(text, new_issue(PIPE_TITLE))
            for change in post_changes.get(entry["url"], []):
                text = change(text)
            if "news.qimuai.cn" in url:
                for number in (NO_ENGLISH_NO_SOURCE, NO_SOURCE):
                    text = _scrub_source(text, renumber(issues[number]["url"]))
            if entry["url"] == "https://news.qimuai.cn/?post=3782":
                template = text
            if entry["url"] == mirrors[GB2312]:
                text = text.replace('<meta charset="utf-8">', '<meta charset="gb2312">')
                charset = "gb2312"
                headers["Content-Type"] = "text/html; charset=gb2312"
            # GB2312 pages are really GBK (browsers decode them so); other characters as NCRs.
            codec = "gbk" if charset in ("gbk", "gb2312") else charset
            body = text.encode(codec, errors="xmlcharrefreplace")
        for key, value in list(headers.items()):
            if key.lower() == "location":
                headers[key] = renumber(value)
            elif key.lower() == "last-modified":
                headers[key] = shift_http_date(value)
            elif key.lower() == "etag" and body is not None:
                headers[key] = _etag(body)
        record: dict[str, Any] = {"url": url, "file": None, "status": entry["status"],
                                  "headers": headers, "snapshot": 1}
        if body is not None:
            record["file"] = _file_name(url)
            (dest / record["file"]).parent.mkdir(parents=True, exist_ok=True)
            (dest / record["file"]).write_bytes(body)
        if url == "https://news.qimuai.cn/":
            home_index = len(out_manifest)
        out_manifest.append(record)

    # The extra ordinary post, newest on the blog.
    latest = max(datetime.strptime(p["date"], "%Y-%m-%d %H:%M")
                 for p in old_truth["mirror_posts"] + old_truth["other_posts"])
    extra_when = latest + DAY_SHIFT + timedelta(days=1, hours=2)
    extra_id = new_post(max(p["post_id"] for p in old_truth["mirror_posts"]) + 3)
    extra_url = f"https://news.qimuai.cn/?post={extra_id}"
    extra_body = _extra_post(template, extra_id, extra_when).encode("utf-8")
    extra_file = _file_name(extra_url)
    (dest / extra_file).write_bytes(extra_body)
    out_manifest.append({
        "url": extra_url, "file": extra_file, "status": 200,
        "headers": {"Content-Type": "text/html; charset=UTF-8",
                    "Last-Modified": extra_when.strftime("%a, %d %b %Y %H:%M:%S GMT"),
                    "ETag": _etag(extra_body)},
        "snapshot": 1,
    })  # fmt: skip
    assert home_index is not None
    home = out_manifest[home_index]
    home_path = dest / home["file"]
    home_html = _add_card(home_path.read_text(encoding="utf-8"), extra_id, extra_when)
    home_path.write_bytes(home_html.encode("utf-8"))
    home["headers"]["ETag"] = _etag(home_html.encode("utf-8"))

    (dest / "manifest.json").write_text(json.dumps(out_manifest, ensure_ascii=False, indent=1),
                                        encoding="utf-8")
    truth = _truth(old_truth, variants)
    truth["other_posts"].append({"url": extra_url, "title": _EXTRA_TITLE, "snapshot": 1,
                                 "sort": 1, "date": extra_when.strftime("%Y-%m-%d %H:%M")})
    (dest / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1),
                                     encoding="utf-8")
    (dest / "README.md").write_text(
        "Variant of the bundled replica written by tests/variant_replica.py "
        f"(issues #{new_issue(_ISSUES[0])}..#{new_issue(_ISSUES[-1])}, one snapshot).\n",
        encoding="utf-8")
    return truth


def _truth(old: dict[str, Any], variants: dict[int, str]) -> dict[str, Any]:
    truth: dict[str, Any] = {"issues": [], "mirror_posts": [], "other_posts": []}
    for issue in old["issues"]:
        new = copy.deepcopy(issue)
        new["number"] = new_issue(issue["number"])
        new["url"] = renumber(issue["url"])
        new["numeric_url"] = renumber(issue["numeric_url"])
        new["week_start"] = shift(date.fromisoformat(issue["week_start"])).isoformat()
        new["week_end"] = shift(date.fromisoformat(issue["week_end"])).isoformat()
        new["first_snapshot"] = 1
        for story in new["stories"]:
            story["date"] = shift(date.fromisoformat(story["date"])).isoformat()
        truth["issues"].append(new)
    for post in old["mirror_posts"]:
        new = dict(post)
        new["url"] = renumber(post["url"])
        new["post_id"] = new_post(post["post_id"])
        new["issue_number"] = new_issue(post["issue_number"])
        new["duplicate_of"] = renumber(post["duplicate_of"]) if post["duplicate_of"] else None
        if post["variant"] == "normal" and post["issue_number"] in variants:
            new["variant"] = variants[post["issue_number"]]
        if post["issue_number"] == YEAR_STORY_DATES:
            new["variant"] += "+year_story_dates"
        new["snapshot"] = 1
        new["date"] = shift_local_text(post["date"])
        truth["mirror_posts"].append(new)
    for post in old["other_posts"]:
        new = dict(post)
        new["url"] = renumber(post["url"])
        new["snapshot"] = 1
        new["date"] = shift_local_text(post["date"])
        truth["other_posts"].append(new)
    truth["snapshot2"] = {"new_issue_numbers": [], "edited_issue_numbers": [], "edits": [],
                          "mirror_only_issue_numbers": [
                              new_issue(n) for n in old["snapshot2"]["mirror_only_issue_numbers"]]}
    truth["snapshot_times"] = {
        "1": (datetime.fromisoformat(old["snapshot_times"]["2"]) + DAY_SHIFT).isoformat()}
    return truth


if __name__ == "__main__":
    target = Path(sys.argv[1])
    target.mkdir(parents=True, exist_ok=True)
    result = build_variant(target)
    print(f"wrote {target}: {len(result['issues'])} issues, {len(result['mirror_posts'])} mirrors")
