"""Judge each domain a message links to.

Official domains (the allowlist and every ``.gov.vn``) are trusted; others are
checked for a blocklist entry, an IP host, lookalike letters from other scripts,
protected brand names inside them (exact, typo-squatted or with extra words), ``gov``
outside ``.gov.vn``, URL shorteners, free site builders, cheap TLDs and ``.apk`` files.
Finding the links is `bot.features.scam.linkfind` (re-exported here).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rapidfuzz.distance import OSA

from bot.features.scam.blocklist import Blocklist
from bot.features.scam.chars import LEET, has_other_script, mixes_scripts, skeleton
from bot.features.scam.content import Allowlist, LinkLists, Organisation
from bot.features.scam.linkfind import (
    MAX_LINKS,
    FoundLink,
    LinkFinding,
    LinkReport,
    _parents,
    find_links,
    is_ip,
    scan_links,
    split_host,
    to_ascii,
    to_unicode,
)

__all__ = [
    "MAX_LINKS",
    "FoundLink",
    "LinkChecker",
    "LinkFinding",
    "LinkReport",
    "find_links",
    "scan_links",
    "split_host",
]

GOVERNMENT_CATEGORIES = frozenset({"government", "police", "tax", "social_insurance"})

# A short brand followed by one of these is an ordinary word ("vibes"), not a brand.
_WORD_ENDINGS = frozenset({"s", "es", "e", "er", "ers", "ing", "y", "a", "o", "ed"})
_TOKEN_SPLIT = re.compile(r"[-\d]+")
_CONSONANT_RUN = re.compile(r"[bcdfghjklmnpqrstvwxz]{5,}")
_CASE_FLIP = re.compile(r"[a-z][A-Z]")
_DIGIT_FLIP = re.compile(r"(?:[a-z]\d|\d[a-z])")
# A personal Zalo profile (zalo.me/<phone number>), as opposed to an Official Account.
_ZALO_PERSONAL = re.compile(r"^/(?:\+?84|0)?\d{8,11}/?$")


def _brand_forms(label: str) -> set[str]:
    """A domain label as it may read to a person: as written, with digits read as letters."""
    forms = {label, label.replace("-", "")}
    if any(ch.isdigit() for ch in label) and any(ch.isalpha() for ch in label):
        leet = label.translate(LEET)
        forms |= {leet, leet.replace("-", ""), leet.replace("i", "l")}
    return forms


class LinkChecker:
    """Judges links against the allowlist, the link lists and an optional blocklist."""

    def __init__(
        self,
        allowlist: Allowlist,
        lists: LinkLists,
        suspicious_words: Iterable[str],
        blocklist: Blocklist | None = None,
        gambling_words: Iterable[str] = (),
    ) -> None:
        self.allowlist = allowlist
        self.blocklist = blocklist or Blocklist()
        self._official: dict[str, Organisation] = {}
        for org in allowlist.organisations:
            for domain in org.domains:
                self._official.setdefault(domain, org)
        self._commune_groups = frozenset(link.lower().rstrip("/") for link in allowlist.chat_groups)
        self._gov_suffixes = tuple(allowlist.government_suffixes)
        self._edu_suffixes = tuple(allowlist.education_suffixes)
        long_brands: list[tuple[str, Organisation]] = []
        short_brands: dict[str, Organisation] = {}
        for org in allowlist.organisations:
            for brand in org.brands:
                if len(brand) >= 6:
                    long_brands.append((brand, org))
                else:
                    short_brands.setdefault(brand, org)
        self._long_brands = sorted(long_brands, key=lambda item: -len(item[0]))
        self._short_brands = short_brands
        self._fuzzy_brands = [
            (b, o) for b, o in [*long_brands, *short_brands.items()] if len(b) >= 5
        ]
        self._shorteners = frozenset(lists.shorteners)
        self._hosting = frozenset(lists.free_hosting)
        self._chat_apps = tuple(lists.chat_apps)
        self._app_links = frozenset(lists.app_links)
        self._high_tlds = frozenset(lists.high_tlds)
        self._moderate_tlds = frozenset(lists.moderate_tlds)
        self._suspicious_words = tuple(sorted(set(suspicious_words), key=len, reverse=True))
        words = sorted(set(gambling_words), key=len, reverse=True)
        self._gambling = re.compile("|".join(map(re.escape, words))) if words else None

    # -- official domains ------------------------------------------------------------
    def official_for(self, host: str) -> Organisation | None:
        """The organisation owning `host` (or a parent of it), if it is official."""
        host = host.lower().removeprefix("www.")
        for parent in _parents(host):
            org = self._official.get(parent)
            if org is not None:
                return org
        if host.isascii():
            _, domain, suffix = split_host(host)
            if domain and suffix in self._gov_suffixes:
                return _GOVERNMENT
            if domain and suffix in self._edu_suffixes:
                return _EDUCATION
        return None

    def official_domain(self, org: Organisation) -> str:
        return org.domains[0]

    # -- brands ----------------------------------------------------------------------
    def brand_in(self, labels: Iterable[str]) -> Organisation | None:
        """The protected organisation whose brand a domain's labels carry, if any."""
        for label in labels:
            for form in _brand_forms(label):
                for brand, org in self._long_brands:
                    if brand in form:
                        return org
                if "-" in label and "-" not in form:
                    continue  # short brands are matched per hyphen-separated part
                tokens = [t for t in _TOKEN_SPLIT.split(form) if t]
                for token in tokens:
                    for brand, org in self._short_brands.items():
                        if token == brand or (
                            len(token) > len(brand)
                            and token.startswith(brand)
                            and token[len(brand) :] not in _WORD_ENDINGS
                        ):
                            return org
                        if len(token) > len(brand) and token.endswith(brand) and len(brand) >= 3:
                            return org
        return None

    def typo_of(self, labels: Iterable[str]) -> tuple[str, Organisation] | None:
        """(brand, organisation) when a label is one or two typos away from a brand."""
        for label in labels:
            leeted = label != label.translate(LEET)
            for form in _brand_forms(label):
                candidates = {form, *(t for t in _TOKEN_SPLIT.split(form) if t)}
                for token in candidates:
                    if len(token) < 4:
                        continue
                    for brand, org in self._fuzzy_brands:
                        limit = 2 if len(brand) >= 10 else 1
                        if abs(len(token) - len(brand)) > limit or token == brand:
                            continue
                        if OSA.distance(token, brand, score_cutoff=limit) <= limit:
                            return brand, org
                    if leeted and len(token) == 4:
                        for brand, org in self._short_brands.items():
                            if len(brand) == 4 and OSA.distance(token, brand) == 1:
                                return brand, org
        return None

    # -- the verdict on one link -------------------------------------------------------
    def check(self, link: FoundLink) -> LinkReport:
        host = link.host.removeprefix("www.")
        ascii_host = to_ascii(host)
        unicode_host = to_unicode(host)
        sub, domain, suffix = split_host(ascii_host)
        registrable = f"{domain}.{suffix}" if domain and suffix else ascii_host
        ctx = {"domain": unicode_host}
        findings: list[LinkFinding] = []

        if self._commune_group(ascii_host, link.path):
            return LinkReport(link, registrable, _COMMUNE_GROUP, ())
        hosting = self._in_set(ascii_host, self._hosting) or self._path_in(
            ascii_host, link.path, self._hosting
        )
        chat = self._chat_app(ascii_host, link.path)
        if chat:
            findings.append(LinkFinding("link_chat_app", {**ctx, "domain": chat}))
        official = None if hosting else self.official_for(ascii_host)
        if official is _EDUCATION:
            # Schools register their own names under edu.vn; a bank's name there is still fake.
            labels = [label for label in [*sub.split("."), domain] if label and label != "www"]
            if self.blocklist.match(ascii_host):
                findings.append(LinkFinding("link_blocklisted", ctx))
            findings.extend(self._brand_findings(labels, suffix, ctx))
            return LinkReport(link, registrable, None if findings else official, tuple(findings))
        if official is not None and host.isascii():
            return LinkReport(link, registrable, official, tuple(findings))

        blocked = self.blocklist.match(ascii_host) or (
            self.blocklist.match(unicode_host) if unicode_host != ascii_host else None
        )
        if blocked:
            findings.append(LinkFinding("link_blocklisted", ctx))
        if is_ip(host):
            findings.append(LinkFinding("link_ip", ctx))
            return LinkReport(link, registrable, None, tuple(findings))

        labels = [label for label in [*sub.split("."), domain] if label and label != "www"]
        if self._in_set(ascii_host, self._app_links):
            # App deep-link services: the sub-domain is the app owner's, chosen on sign-up.
            owner = self.brand_in(sub.split("."))
            if owner is not None:
                return LinkReport(link, registrable, owner, tuple(findings))
            labels = [domain]
        findings.extend(self._script_findings(host, unicode_host, ctx))
        findings.extend(self._brand_findings(labels, suffix, ctx))
        if hosting:
            findings.append(LinkFinding("link_free_hosting", {**ctx, "domain": hosting}))
        if self._in_set(ascii_host, self._shorteners):
            findings.append(LinkFinding("link_shortener", ctx))
        tld = suffix.rsplit(".", 1)[-1]
        if tld in self._high_tlds:
            findings.append(LinkFinding("link_suspicious_tld", {**ctx, "tld": tld}))
        elif tld in self._moderate_tlds:
            findings.append(LinkFinding("link_uncommon_tld", {**ctx, "tld": tld}))
        if not hosting and _looks_random(link.raw_host or host, [domain, *sub.split(".")]):
            findings.append(LinkFinding("link_random_name", ctx))
        if link.path.split("?", 1)[0].split("#", 1)[0].lower().endswith(".apk"):
            findings.append(LinkFinding("link_apk", ctx))
        joined = "".join(labels).replace("-", "")
        if any(word in joined for word in self._suspicious_words):
            findings.append(LinkFinding("link_suspicious_words", ctx))
        if self._gambling is not None and self._gambling.search(domain.replace("-", "")):
            findings.append(LinkFinding("link_gambling_name", ctx))
        if link.embedded:
            findings.append(LinkFinding("link_redirect", ctx))
        if not findings:
            findings.append(LinkFinding("link_unknown", ctx))
        return LinkReport(link, registrable, None, tuple(findings))

    def _script_findings(
        self, host: str, unicode_host: str, ctx: dict[str, str]
    ) -> list[LinkFinding]:
        if unicode_host.isascii():
            return []
        look = skeleton(unicode_host)
        imitated = self.official_for(look) or self.brand_in(look.split("."))
        if imitated is not None or any(mixes_scripts(label) for label in unicode_host.split(".")):
            brand = imitated.name if imitated else "một trang thật"
            return [LinkFinding("link_homoglyph", {**ctx, "brand": brand})]
        if has_other_script(unicode_host) and not host.isascii():
            return [LinkFinding("link_homoglyph", {**ctx, "brand": "một trang thật"})]
        return [LinkFinding("link_idn", ctx)]

    def _brand_findings(
        self, labels: list[str], suffix: str, ctx: dict[str, str]
    ) -> list[LinkFinding]:
        findings: list[LinkFinding] = []
        real_gov_suffix = "gov" in suffix.split(".")
        if not real_gov_suffix and any(_GOV_WORD.search(label) for label in labels):
            findings.append(
                LinkFinding(
                    "link_fake_gov", {**ctx, "brand": "cơ quan nhà nước", "official": ".gov.vn"}
                )
            )
        org = self.brand_in(labels)
        brand_name = None
        if org is None:
            typo = self.typo_of(labels)
            if typo is not None:
                org = typo[1]
        if org is not None:
            brand_name = org.name
            detail = {**ctx, "brand": brand_name, "official": self.official_domain(org)}
            if org.category in GOVERNMENT_CATEGORIES:
                if not findings:
                    findings.append(LinkFinding("link_fake_gov", detail))
            elif org.protect:
                findings.append(LinkFinding("link_lookalike", detail))
            else:
                findings.append(LinkFinding("link_brand_in_name", detail))
        return findings

    @staticmethod
    def _in_set(host: str, domains: frozenset[str]) -> str | None:
        for parent in _parents(host):
            if parent in domains:
                return parent
        return None

    @staticmethod
    def _path_in(host: str, path: str, domains: frozenset[str]) -> str | None:
        first = path.lstrip("/").split("/", 1)[0].lower()
        candidate = f"{host}/{first}" if first else host
        return candidate if candidate in domains else None

    def _commune_group(self, host: str, path: str) -> bool:
        """A link to one of the commune's own chat groups (`chat_groups` in allowlist.yaml)."""
        if not self._commune_groups:
            return False
        target = f"{host}{path.split('?', 1)[0].split('#', 1)[0]}".lower().rstrip("/")
        return target in self._commune_groups

    def _chat_app(self, host: str, path: str) -> str | None:
        if host == "zalo.me" and _ZALO_PERSONAL.match(path.split("?", 1)[0]):
            return "zalo.me"
        target = f"{host}{path.lower()}"
        for entry in self._chat_apps:
            if "/" in entry:
                if target.startswith(entry + "/") or target == entry:
                    return entry
            elif host == entry or host.endswith("." + entry):
                return entry
        return None


def _looks_random(raw_host: str, labels: list[str]) -> bool:
    """A throw-away name: odd capitals ("GeqrE"), long consonant runs, digit/letter mixing."""
    raw_labels = [label for label in raw_host.split(".")[:-1] if len(label) >= 5]
    for label in raw_labels:
        flips = len(_CASE_FLIP.findall(label))
        if flips >= 2 or (flips == 1 and label[-1].isupper()):
            return True
    for label in labels:
        if sum(ch.isdigit() for ch in label) >= MIN_DIGITS_IN_NAME:
            return True  # "7732599.com", "la87561.com": numbers nobody remembers
        if len(label) < 5:
            continue
        # Each hyphen-separated part is read on its own: "ghtk-giaohang" is two readable words.
        parts = [_COMPANY_ENDING.sub("", part) for part in label.split("-")]
        if any(_CONSONANT_RUN.search(part) for part in parts):
            return True
        if len(_DIGIT_FLIP.findall(label)) >= 3:
            return True
    return False


MIN_DIGITS_IN_NAME = 4
_COMPANY_ENDING = re.compile(r"(?:jsc|corp|group|ltd|co)$")
_GOV_WORD = re.compile(r"gov(?!ap)")
_GOVERNMENT = Organisation(
    name="Cơ quan nhà nước", category="government", domains=("gov.vn",), protect=True
)
# The commune's own chat groups, listed by its officials: as trusted as its .gov.vn site.
_COMMUNE_GROUP = Organisation(
    name="Nhóm chat của xã, thôn", category="government", domains=("zalo.me",)
)
_EDUCATION = Organisation(name="Trường học", category="education", domains=("edu.vn",))
