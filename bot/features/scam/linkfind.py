"""Find links in a message, also hidden ones, and split their hosts.

Finding: scheme URLs, ``hxxp``/``[.]`` defanged forms, "dichvucong . gov . vn" with
spaced dots, "chấm" for the dot, and bare domains such as ``vneid.com``. Domains are
split with the Public Suffix List shipped inside tldextract (no network, no cache
files), so ``vietcombank.vn-gss.club`` is seen as ``vn-gss.club`` wearing a
``vietcombank`` sub-domain. Judging the links is `bot.features.scam.links`.
"""

from __future__ import annotations

import ipaddress
import re
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

import tldextract

from bot.features.scam.chars import is_syllable, skeleton
from bot.features.scam.content import Organisation

MAX_LINKS = 64

# Last labels common enough in links that a spaced or "chấm"-spelled chain ending in one
# is a domain.
_CHAIN_TLDS = (
    "vn|com|net|org|gov|edu|info|xyz|top|icu|vip|cc|club|online|site|shop|me|io|app|biz|asia|"
    "link|live|tk|cfd|store|tech|win|life"
)
_DEFANG = [
    (re.compile(r"\s*[\[\(\{<]\s*(?:\.|dot|chấm|cham)\s*[\]\)\}>]\s*", re.IGNORECASE), "."),
    (re.compile(r"\b(h[xX*]{2}p(s?))\b", re.IGNORECASE), r"http\2"),
    (re.compile(r"\[:\]|\(:\)"), ":"),
    (re.compile(r"\[/\]"), "/"),
]
_SPOKEN_DOT = re.compile(
    rf"(?<![\w.-])([a-z0-9][a-z0-9-]*)((?:\s+(?:chấm|cham|dot)\s+[a-z0-9-]+)*\s+(?:chấm|cham|dot)\s+(?:{_CHAIN_TLDS}))\b",
    re.IGNORECASE,
)
_SPACED_CHAIN = re.compile(
    rf"(?<![\w.-])[a-z0-9][a-z0-9-]*(?:\s*\.\s*[a-z0-9-]+)*(?:\s+\.\s*|\s*\.\s+)(?:{_CHAIN_TLDS})(?![\w.])",
    re.IGNORECASE,
)
_SPACES = re.compile(r"\s+")
_SCHEME_SPACE = re.compile(r"\b(https?)\s*:\s*/\s*/\s*", re.IGNORECASE)

_LABEL = r"[^\W_](?:[\w-]{0,62}[^\W_])?"
_URL = re.compile(
    r"(?<![\w@.-])"
    r"(?P<scheme>(?:https?|ftp)://)?"
    rf"(?P<host>(?:{_LABEL}\.)+(?:[^\W\d_]{{2,24}}|xn--[a-z0-9-]{{2,59}})|(?:\d{{1,3}}\.){{3}}\d{{1,3}}|\[[0-9a-f:]+\])(?![\w-])"
    r"(?P<port>:\d{2,5})?"
    r"(?P<path>[/?#][^\s<>\"'\]\)}]*)?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class FoundLink:
    """A link or bare domain found in a message."""

    raw: str
    host: str  # lower-case; Unicode when the message had Unicode letters
    path: str = ""
    explicit: bool = False  # written with a scheme or "www."
    raw_host: str = ""  # the host as typed (case kept), to spot random-looking names
    embedded: bool = False  # found inside another link's query ("?q=…", "?url=…")

    @property
    def display(self) -> str:
        return self.host.removeprefix("www.")


@dataclass(frozen=True)
class LinkFinding:
    """One thing wrong with a link: a signal code and the words for its explanation."""

    code: str
    context: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LinkReport:
    """What the checker concluded about one link."""

    link: FoundLink
    registrable: str
    official: Organisation | None
    findings: tuple[LinkFinding, ...]

    @property
    def is_official(self) -> bool:
        return self.official is not None and not self.findings


def deobfuscate(text: str) -> str:
    """Undo defanging ("hxxp", "[.]"), spaced dots and spoken dots around domain names."""
    for pattern, repl in _DEFANG:
        text = pattern.sub(repl, text)
    text = _SCHEME_SPACE.sub(lambda m: m.group(1) + "://", text)
    text = _SPOKEN_DOT.sub(
        lambda m: m.group(1) + re.sub(r"\s+(?:chấm|cham|dot)\s+", ".", m.group(2), flags=re.I),
        text,
    )
    return _SPACED_CHAIN.sub(lambda m: _SPACES.sub("", m.group(0)), text)


@lru_cache(maxsize=1)
def _extractor() -> tldextract.TLDExtract:
    # The suffix list snapshot inside the package: never fetched, never written to disk.
    return tldextract.TLDExtract(cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True)


@lru_cache(maxsize=8192)
def split_host(host: str) -> tuple[str, str, str]:
    """(sub-domain, domain, public suffix) of an ASCII host, ICANN suffixes only."""
    parts = _extractor()(host)
    return parts.subdomain, parts.domain, parts.suffix


def to_ascii(host: str) -> str:
    """The IDNA (punycode) form of `host`; lookalike letters as-is when IDNA refuses them."""
    if host.isascii():
        return host
    labels = []
    for label in host.split("."):
        try:
            labels.append(label.encode("idna").decode("ascii"))
        except UnicodeError:
            labels.append(skeleton(label))
    return ".".join(labels)


def to_unicode(host: str) -> str:
    labels = []
    for label in host.split("."):
        if label.startswith("xn--"):
            try:
                labels.append(label.encode("ascii").decode("idna"))
            except UnicodeError:
                labels.append(label)
        else:
            labels.append(label)
    return ".".join(labels)


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _ambiguous_tld(suffix: str) -> bool:
    # Two-letter TLDs that are also Vietnamese words typed without diacritics ("de", "la", "co").
    return len(suffix) == 2 and is_syllable(suffix)


def _trim_glued_tld(host: str) -> str | None:
    """ "www.mvndc.icude" (a TLD glued to the next word) → "www.mvndc.icu"."""
    head, _, last = host.rpartition(".")
    for cut in range(len(last) - 1, 1, -1):
        candidate = f"{head}.{last[:cut]}"
        # Only when what follows is a word typed without a space ("de" in "icude").
        if split_host(candidate)[2] == last[:cut] and is_syllable(last[cut:]):
            return candidate
    return None


def _accept(host: str, explicit: bool, path: str) -> str | None:
    """The host to use for a candidate, or None when it is not really a domain."""
    if is_ip(host):
        return host if (explicit or path) else None
    ascii_host = to_ascii(host)
    _, domain, suffix = split_host(ascii_host)
    if not suffix or not domain:
        if explicit:
            trimmed = _trim_glued_tld(ascii_host)
            return trimmed if trimmed and host.isascii() else None
        return None
    if explicit or path.startswith("/"):
        return host
    if domain.isdigit():
        return None  # "31/12/2026.TK" (TK: "tài khoản"), not a site
    if _ambiguous_tld(suffix) and (is_syllable(domain) or len(domain) < 3):
        return None
    return host


def find_links(text: str, limit: int = MAX_LINKS) -> list[FoundLink]:
    """Links and bare domains in `text`, in order, each host once, at most `limit`."""
    return scan_links(text, limit)[0]


def scan_links(text: str, limit: int = MAX_LINKS) -> tuple[list[FoundLink], str]:
    """(links as in `find_links`, the de-obfuscated text with every link blanked out)."""
    clean = deobfuscate(text)
    found: list[FoundLink] = []
    seen: set[str] = set()
    spans: list[tuple[int, int]] = []
    for match in _URL.finditer(clean):
        raw_host = match.group("host").lower().rstrip(".")
        path = match.group("path") or ""
        explicit = bool(match.group("scheme")) or raw_host.startswith("www.")
        host = _accept(raw_host, explicit, path)
        if host is None:
            continue
        spans.append(match.span())
        key = host + ("#apk" if path.split("?", 1)[0].lower().endswith(".apk") else "")
        if key in seen:
            continue
        seen.add(key)
        found.append(FoundLink(match.group(0), host, path, explicit, raw_host=match.group("host")))
        for inner in _embedded(path):
            if inner.host not in seen:
                seen.add(inner.host)
                found.append(inner)
        if len(found) >= limit:
            break
    stripped = clean
    for start, end in reversed(spans):
        stripped = stripped[:start] + " " + stripped[end:]
    return found[:limit], stripped


_REDIRECT_KEYS = frozenset(
    {"q", "url", "u", "link", "redirect", "target", "to", "dest", "r", "continue"}
)


def _embedded(path: str) -> list[FoundLink]:
    """Domains hidden in a link's query ("google.com/search?q=scam.com", "?url=…")."""
    if "=" not in path:
        return []
    out = []
    query = urllib.parse.urlsplit("http://x" + path).query
    for key, value in urllib.parse.parse_qsl(query):
        if key.lower() not in _REDIRECT_KEYS:
            continue
        for match in _URL.finditer(value):
            host = _accept(match.group("host").lower(), True, "")
            if host:
                out.append(
                    FoundLink(
                        match.group(0),
                        host,
                        match.group("path") or "",
                        True,
                        raw_host=match.group("host"),
                        embedded=True,
                    )
                )
    return out


def _parents(host: str) -> Iterator[str]:
    labels = host.split(".")
    for start in range(len(labels) - 1):
        yield ".".join(labels[start:])
