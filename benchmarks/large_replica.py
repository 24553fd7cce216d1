"""A large replica of the three sites for the crawl benchmark, made from the bundled templates.

:func:`build` writes ``N`` AI Weekly issues (the classic issue page #481, renumbered, in
archive pages of 10 with ``rel=next``: :func:`recheck.build`), a Simplified Chinese mirror of
every issue on news.qimuai.cn (EMLOG post ?post=3776, renumbered, listed 10 a page) and a
Traditional one of every other issue on hant.example.org (WordPress post ai-weekly-482,
renumbered and moved to #481's week, category pages of 10), each site's feed with its newest
10 posts and its robots.txt. Every mirror names its issue in its source line, so each one links.
``python benchmarks/large_replica.py DEST --issues 400`` writes one.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parent))

from recheck import build as build_aiweekly

from aggregator.replica import DEFAULT_ROOT

SITES = DEFAULT_ROOT / "sites"
UTF8 = "text/html; charset=UTF-8"
RSS = "application/rss+xml; charset=UTF-8"
LAST_MODIFIED = "Fri, 10 Apr 2026 01:36:54 GMT"
PER_PAGE = 10


def _entry(url: str, file: str, tag: str, content_type: str = UTF8) -> dict[str, Any]:
    return {"url": url, "file": file, "status": 200, "snapshot": 1,
            "headers": {"Content-Type": content_type, "Last-Modified": LAST_MODIFIED,
                        "ETag": f'"{tag}"'}}


def _write(root: Path, file: str, text: str) -> str:
    path = root / file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return file


def _rss(title: str, link: str, items: list[tuple[str, str]]) -> str:
    body = "".join(f"<item><title>{escape(t)}</title><link>{escape(u)}</link>"
                   f"<guid>{escape(u)}</guid><pubDate>{LAST_MODIFIED}</pubDate></item>\n"
                   for t, u in items)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
            f"<title>{escape(title)}</title><link>{escape(link)}</link>"
            f"<description>{escape(title)}</description>\n{body}</channel></rss>\n")


def _pages(numbers: list[int]) -> list[list[int]]:
    """Newest first, 10 a page."""
    newest = sorted(numbers, reverse=True)
    return [newest[i:i + PER_PAGE] for i in range(0, len(newest), PER_PAGE)]


def _qimuai(root: Path, issues: int) -> list[dict[str, Any]]:
    base = "https://news.qimuai.cn"
    post = (SITES / "news.qimuai.cn/s1/index__post-3776.html").read_text(encoding="utf-8")
    listing = (SITES / "news.qimuai.cn/s1/index__page-1.html").read_text(encoding="utf-8")
    head, rest = listing.split('<div class="column-big">', 1)
    tail = rest.split('<div class="pagination', 1)[1].split("</div>", 1)[1]
    entries = []
    ids = {n: 10000 + n for n in range(1, issues + 1)}
    for n, pid in ids.items():
        page = (post.replace("第481期", f"第{n}期").replace("issues/481", f"issues/{n}")
                .replace("?post=3776", f"?post={pid}"))
        file = _write(root, f"sites/news.qimuai.cn/post-{pid}.html", page)
        entries.append(_entry(f"{base}/?post={pid}", file, f"q{pid}"))
    pages = _pages(list(ids))
    for k, numbers in enumerate(pages, start=1):
        cards = "".join(
            f'<div class="shadow-theme bottom-5"><div class="card-padding loglist-body">'
            f'<h3 class="card-title"><a href="{base}/?post={ids[n]}" class="loglist-title">'
            f"AI周刊第{n}期:马斯克呼吁解雇奥特曼</a></h3></div><div class=\"row info-row\">"
            f'<div class="log-info">发布于 <time>2026-4-10 08:32</time></div></div></div>\n'
            for n in numbers)
        nav = (f'<div class="pagination bottom-5"><a href="{base}/?page={k + 1}" '
               f'title="Next Page">&raquo;</a></div>' if k < len(pages) else "")
        body = f'{head}<div class="column-big">\n{cards}{nav}</div>{tail}'
        file = _write(root, f"sites/news.qimuai.cn/page-{k}.html", body)
        urls = [f"{base}/?page={k}"] + ([f"{base}/", f"{base}/?sort=3"] if k == 1 else [])
        entries += [_entry(url, file, f"qp{k}") for url in urls]
    newest = [(f"AI周刊第{n}期:马斯克呼吁解雇奥特曼", f"{base}/?post={ids[n]}") for n in pages[0]]
    file = _write(root, "sites/news.qimuai.cn/rss.xml", _rss("启幕AI资讯", base, newest))
    entries.append(_entry(f"{base}/rss.php", file, "qrss", RSS))
    return entries


def _hant(root: Path, issues: int) -> list[dict[str, Any]]:
    base = "https://hant.example.org"
    post = (SITES / "hant.example.org/s1/2026/04/19/ai-weekly-482.html").read_text(
        encoding="utf-8")
    listing = (SITES / "hant.example.org/s1/category/ai-weekly.html").read_text(encoding="utf-8")
    head, rest = listing.split("<article", 1)
    tail = rest.split('<nav class="navigation pagination"', 1)[1].split("</nav>", 1)[1]
    entries = []
    numbers = list(range(2, issues + 1, 2))

    def url(n: int) -> str:
        return f"{base}/2026/04/19/ai-weekly-{n}/"

    for n in numbers:
        pid = 20000 + n
        page = (post.replace("第482期", f"第{n}期").replace("issues/482", f"issues/{n}")
                .replace("ai-weekly-482", f"ai-weekly-{n}").replace("p=1391", f"p={pid}")
                .replace("post-1391", f"post-{pid}").replace("postid-1391", f"postid-{pid}")
                # the template mirrors #482; every generated issue is #481's week
                .replace("2026年4月10日-16日", "2026年4月3日-9日")
                .replace("2026年4月10日 – 16日", "2026年4月3日 – 9日"))
        file = _write(root, f"sites/hant.example.org/ai-weekly-{n}.html", page)
        entries.append(_entry(url(n), file, f"h{n}"))
    pages = _pages(numbers)
    for k, group in enumerate(pages, start=1):
        cards = "".join(
            f'<article class="post type-post entry"><header class="entry-header">'
            f'<h2 class="entry-title"><a href="{url(n)}">《AI週刊》第{n}期：Anthropic估值劍指'
            f'6500億美元</a></h2></header><footer class="entry-footer"><span class="posted-on">'
            f'<time class="entry-date published" datetime="2026-04-19T14:47:00+08:00">2026 年 4 '
            f"月 19 日</time></span></footer></article>\n" for n in group)
        nav = (f'<nav class="navigation pagination"><a class="next page-numbers" '
               f'href="{base}/category/ai-weekly/page/{k + 1}/">下一頁</a></nav>'
               if k < len(pages) else "")
        file = _write(root, f"sites/hant.example.org/category-{k}.html",
                      f"{head}{cards}{nav}{tail}")
        urls = ([f"{base}/category/ai-weekly/", f"{base}/"] if k == 1
                else [f"{base}/category/ai-weekly/page/{k}/"])
        entries += [_entry(u, file, f"hp{k}") for u in urls]
    newest = [(f"《AI週刊》第{n}期：Anthropic估值劍指6500億美元", url(n)) for n in pages[0]]
    file = _write(root, "sites/hant.example.org/feed.xml", _rss("AI 觀測站", base, newest))
    entries.append(_entry(f"{base}/feed/", file, "hrss", RSS))
    return entries


def build(root: Path, issues: int) -> int:
    """Write the replica under ``root``; returns the number of pages it serves."""
    build_aiweekly(root, issues)
    manifest: list[dict[str, Any]] = json.loads((root / "manifest.json").read_text("utf-8"))
    newest = [(f"Issue #{n}: Musk Wants Altman Fired ({n})", f"https://aiweekly.co/issues/{n}")
              for n in range(issues, max(issues - PER_PAGE, 0), -1)]
    file = _write(root, "sites/aiweekly.co/issues.rss.xml",
                  _rss("AI Weekly", "https://aiweekly.co/", newest))
    manifest.append(_entry("https://aiweekly.co/issues.rss", file, "arss", RSS))
    manifest += _qimuai(root, issues) + _hant(root, issues)
    for host in ("aiweekly.co", "news.qimuai.cn", "hant.example.org"):
        robots = (SITES / host / "s1/robots.txt").read_text(encoding="utf-8")
        file = _write(root, f"sites/{host}/robots.txt", robots)
        manifest.append(_entry(f"https://{host}/robots.txt", file, f"robots-{host}",
                               "text/plain; charset=utf-8"))
    (root / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return len(manifest)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path)
    parser.add_argument("--issues", type=int, default=400)
    args = parser.parse_args()
    print(f"{build(args.dest, args.issues)} URLs written to {args.dest}")
