"""Canonical URLs and text cleanup shared by page objects, the store and the linker."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import parse_qsl, unquote_plus, urlencode, urljoin, urlsplit, urlunsplit

import nh3

# Query parameters that only track a click; they never select content.
_TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "hsa_")
_TRACKING_NAMES = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "ref", "ref_src", "spm", "from"}
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_url(url: str, *, https: bool = True, keep_slash: bool = False) -> str:
    """Return ``url`` in a stable form for comparison and storage.

    Lowercases scheme and host, drops default ports, fragments, tracking parameters and (unless
    ``keep_slash``) a trailing slash on non-root paths, and sorts the remaining query. ``http``
    becomes ``https`` when ``https`` is true: both sites serve one resource under either scheme.
    """
    text = url.strip()
    if text.startswith("//"):
        text = "https:" + text
    parts = urlsplit(text)
    scheme = (parts.scheme or "https").lower()
    if https and scheme == "http":
        scheme = "https"
    host = (parts.hostname or "").lower().rstrip(".")
    port = parts.port
    netloc = host if port is None or _DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    path = re.sub(r"/{2,}", "/", parts.path or "/")
    if len(path) > 1 and not keep_slash:
        path = path.rstrip("/") or "/"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith(_TRACKING_PREFIXES) and k.lower() not in _TRACKING_NAMES
    ]
    query.sort()
    return urlunsplit((scheme, netloc, path, urlencode(query), ""))


def page_url(url: str) -> str:
    """The canonical URL of a page as its site serves it: like :func:`canonical_url`, but a
    trailing slash is kept, because WordPress-style permalinks (``/2026/04/10/slug/``) answer
    only with it (without it the real site redirects and a replica answers 404)."""
    return canonical_url(url, keep_slash=True)


_SPACE_RE = re.compile(r"[ \t\u00a0\u3000\u200b\ufeff]+")
_BLANK_LINES_RE = re.compile(r"\n\s*\n+")


def clean_text(text: str) -> str:
    """NFC-normalize, collapse runs of spaces (incl. NBSP and ideographic space), trim lines."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    lines = (_SPACE_RE.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANK_LINES_RE.sub("\n\n", "\n".join(lines)).strip()


def clean_inline(text: str) -> str:
    """Like :func:`clean_text` but for one-line values such as titles and headlines."""
    return _SPACE_RE.sub(" ", clean_text(text).replace("\n", " ")).strip()


_ALLOWED_TAGS = {
    "a", "p", "br", "ul", "ol", "li", "strong", "em", "b", "i", "h1", "h2", "h3", "h4",
    "blockquote", "code", "pre", "span", "div", "section", "article", "header", "aside",
    "time", "hr", "img", "figure", "figcaption", "table", "thead", "tbody", "tr", "td", "th",
}
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "time": {"datetime"},
}


def sanitize_html(html: str) -> str:
    """Strip scripts, styles, event handlers and unknown tags; keep links and structure."""
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        link_rel="noopener noreferrer",
        url_schemes={"http", "https", "mailto"},
    ).strip()


# ---------------------------------------------------------------------------------------------
# The normalize stage's text and link rules (see :mod:`aggregator.article`)
# ---------------------------------------------------------------------------------------------
# Terminal escape sequences pasted from a console (CSI "\x1b[0m", OSC "\x1b]0;title\x07",
# two-byte ESC forms): removed as a whole, before the control characters, so no "[0m" is left
# behind. A C1 character alone (U+009B) is far more often a mis-decoded byte than an 8-bit
# introducer, so it goes as a control character and takes no text with it.
_ESCAPE_RE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC, to BEL or ST
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"  # DCS/SOS/PM/APC strings
    r"|\x1b[ -/]*[0-~]"  # other ESC sequences (charset selection, ESC c)
)
# Characters an XML document may not hold (C0 but tab/newline/CR, DEL and C1, surrogates,
# U+FFFE/U+FFFF): the store, the feeds and the exports all serialize to XML at some point.
_XML_FORBIDDEN_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def xml_safe(text: str) -> str:
    """``text`` without terminal escapes and XML-forbidden characters.

    A surrogate *pair* (text built with ``surrogatepass``) becomes the character it encodes;
    lone surrogates are dropped.
    """
    if _SURROGATE_RE.search(text):
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "ignore")
    if "\x1b" in text:
        text = _ESCAPE_RE.sub("", text)
    return _XML_FORBIDDEN_RE.sub("", text)


# Invisible characters with no meaning in stored text. ZWJ/ZWNJ stay: emoji sequences and
# some scripts need them.
_ZERO_WIDTH_RE = re.compile("[\u200b\u2060\ufeff\u180e]+")
# Fullwidth ASCII forms ("ＡＩ", "：") are noise in English text but proper in CJK text.
_FULLWIDTH_TO_ASCII = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
# CJK compatibility ideographs: NFC maps them to the unified ones, which changes the written
# character of a Chinese text, so CJK text keeps them as written.
_CJK_COMPAT_RE = re.compile("([\uf900-\ufaff\U0002f800-\U0002fa1f]+)")
_HSPACE = "[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f]"
_HSPACE_CJK_RE = re.compile(f"{_HSPACE}+")
_HSPACE_RE = re.compile(f"(?:{_HSPACE}|\u3000)+")
_MANY_BLANK_LINES_RE = re.compile(r"\n{3,}")


def is_cjk(lang: str) -> bool:
    """Whether a language tag (``zh``, ``zh-Hant``, ``ja``) is written in CJK characters."""
    return lang.split("-", 1)[0].lower() in {"zh", "ja", "ko"}


def _nfc(text: str, cjk: bool) -> str:
    if unicodedata.is_normalized("NFC", text):
        return text
    if not cjk or not _CJK_COMPAT_RE.search(text):
        return unicodedata.normalize("NFC", text)
    parts = _CJK_COMPAT_RE.split(text)  # odd indexes are the compatibility ideographs
    return "".join(p if i % 2 else unicodedata.normalize("NFC", p) for i, p in enumerate(parts))


# What normalize_chars changes besides non-NFC text. Most text has none of it, and a search
# plus an NFC check is far cheaper than the rewrite: this keeps the stage off the profile.
_CHAR_WORK = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\u200b\u2060\ufeff\u180e"
_CHAR_WORK_CJK_RE = re.compile(f"[{_CHAR_WORK}]")
_CHAR_WORK_RE = re.compile(f"[{_CHAR_WORK}\uff01-\uff5e\u3000]")
# What normalize_text's space rules change in text that needs no character work.
_SPACE_WORK = "\t\r\u00a0\u1680\u2000-\u200a\u202f\u205f"
_SPACE_WORK_RE = re.compile(f"[{_SPACE_WORK}]")


def _spaces_need_work(text: str, inline: bool) -> bool:
    # Substring tests, not one regex with alternatives: those cost ~5 µs on a long text.
    if not text:
        return False
    if text[0] in " \n" or text[-1] in " \n" or "  " in text:
        return True
    if inline:
        return "\n" in text or _SPACE_WORK_RE.search(text) is not None
    return (" \n" in text or "\n " in text or "\n\n\n" in text
            or _SPACE_WORK_RE.search(text) is not None)


def chars_need_work(text: str, *, lang: str) -> bool:
    """Whether :func:`normalize_chars` would change ``text`` (a cheap check)."""
    work = _CHAR_WORK_CJK_RE if is_cjk(lang) else _CHAR_WORK_RE
    return work.search(text) is not None or not unicodedata.is_normalized("NFC", text)


def normalize_chars(text: str, *, lang: str) -> str:
    """XML-safe, no zero-width characters, NFC; fullwidth ASCII folded unless ``lang`` is CJK.
    Spaces are left as they are (HTML text nodes need their own rules)."""
    if not chars_need_work(text, lang=lang):
        return text
    cjk = is_cjk(lang)
    text = xml_safe(text)
    if not cjk:
        text = text.translate(_FULLWIDTH_TO_ASCII)
    return _nfc(_ZERO_WIDTH_RE.sub("", text), cjk)


def normalize_text(text: str, *, lang: str, inline: bool = False) -> str:
    """A plain-text field for the store: :func:`normalize_chars`, then space runs (NBSP too)
    as one space, lines trimmed, at most one blank line in a row. ``inline`` fields (titles,
    headlines) become one line. CJK text keeps its ideographic spaces."""
    text = normalize_chars(text, lang=lang)
    if not _spaces_need_work(text, inline):
        return text  # already clean: the common case
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    space = _HSPACE_CJK_RE if is_cjk(lang) else _HSPACE_RE
    lines = [space.sub(" ", line).strip(" ") for line in text.split("\n")]
    if inline:
        return " ".join(line for line in lines if line)
    return _MANY_BLANK_LINES_RE.sub("\n\n", "\n".join(lines)).strip("\n")


# Redirect wrappers whose target is in the query: (host, path or "" for any, parameters); a
# host ending in "." is a name under any suffix ("google." is google.com, www.google.de).
# Only unwrapped when the target is itself an absolute http(s) URL.
_REDIRECT_HOSTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("google.", "/url", ("q", "url")),
    ("l.facebook.com", "/l.php", ("u",)),
    ("lm.facebook.com", "/l.php", ("u",)),
    ("l.instagram.com", "/", ("u",)),
    ("www.youtube.com", "/redirect", ("q",)),
    ("out.reddit.com", "", ("url",)),
)
# Any site's "…/redirect?url=…" (also /redir, /out, /exit, /goto, with or without .php).
_GENERIC_REDIRECT_PATH_RE = re.compile(r"/(?:redirect|redir|out|outbound|exit|goto)(?:\.php)?/?$",
                                       re.IGNORECASE)
_GENERIC_REDIRECT_PARAMS = ("url", "u", "target", "to", "dest", "destination", "link")


def _is_tracking(key: str) -> bool:
    key = key.lower()
    return key.startswith(_TRACKING_PREFIXES) or key in _TRACKING_NAMES


def _query_params(query: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        params.setdefault(key.lower(), value)
    return params


def _redirect_target(url: str) -> str | None:
    """The URL a known redirect wrapper points to, if ``url`` is one."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    path = parts.path or "/"
    names: tuple[str, ...] = ()
    for wrapper_host, wrapper_path, params in _REDIRECT_HOSTS:
        if wrapper_host.endswith("."):  # any subdomain and country: www.google.co.uk
            host_matches = f".{wrapper_host}" in f".{host}"
        else:
            host_matches = host == wrapper_host
        if host_matches and (not wrapper_path or path == wrapper_path):
            names = params
            break
    if not names and _GENERIC_REDIRECT_PATH_RE.search(path):
        names = _GENERIC_REDIRECT_PARAMS
    if not names:
        return None
    values = _query_params(parts.query)
    for name in names:
        target = values.get(name, "").strip()
        if urlsplit(target).scheme.lower() in {"http", "https"} and urlsplit(target).netloc:
            return target
    return None


def _drop_tracking(url: str) -> str:
    """``url`` without tracking parameters; the rest of the query kept byte for byte."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    pairs = parts.query.split("&")
    kept = [p for p in pairs if p and not _is_tracking(unquote_plus(p.split("=", 1)[0]))]
    if len(kept) == len(pairs):
        return url
    return urlunsplit(parts._replace(query="&".join(kept)))


def clean_link(href: str, base: str = "") -> str | None:
    """A link as the store keeps it: XML-safe and NFC, absolute (against ``base``), redirect
    wrappers unwrapped, tracking parameters dropped, otherwise as written. ``None`` unless it
    is http(s).

    Shortener links (``t.co``) cannot be resolved offline and are kept.
    """
    text = unicodedata.normalize("NFC", xml_safe(href)).strip()
    if not text:
        return None
    try:
        url = urljoin(base, text) if base else text
        # Wrappers nest (a Google link to a Facebook link); each target is a decoded part of
        # its wrapper's query, so shorter, and the loop ends. All are unwrapped at once, or a
        # second pass would find one more.
        while (target := _redirect_target(url)) is not None:
            url = target
        parts = urlsplit(url)
        if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
            return None
        return _drop_tracking(url)
    except ValueError:  # urlsplit on a broken netloc ("http://[::1")
        return None
