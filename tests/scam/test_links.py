"""Link finding and judging: one positive and one negative case (at least) per link signal."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.features.scam.analyzer import ScamAnalyzer
from bot.features.scam.blocklist import Blocklist, clean_entry
from bot.features.scam.links import FoundLink, find_links
from tests.scam.conftest import CONTENT_DIR, codes

OFFICIAL = Path(__file__).parent / "data" / "official_domains.txt"


def hosts(text: str) -> list[str]:
    return [link.host for link in find_links(text)]


def link_codes(analyzer: ScamAnalyzer, host: str, path: str = "") -> set[str]:
    report = analyzer.links.check(FoundLink(raw=host, host=host, path=path, explicit=True))
    return {f.code for f in report.findings}


# -- finding links --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Vào https://dichvucong.gov.vn/p/home nhé", ["dichvucong.gov.vn"]),
        ("truy cap www.vietcombank-xacthuc.top de xac thuc", ["www.vietcombank-xacthuc.top"]),
        ("bấm vneid.com để kích hoạt", ["vneid.com"]),
        ("Vào dichvucong . gov . vn nhé", ["dichvucong.gov.vn"]),
        ("hxxps://vneid[.]com/kich-hoat", ["vneid.com"]),
        ("vào trang vneid chấm com", ["vneid.com"]),
        ("link: https:// scb-vips.com de huy", ["scb-vips.com"]),
        ("Bam vao www.abcde.icude lay ngay", ["www.abcde.icu"]),
        ("tai khoan [ ehoaq. com ] giu can than", ["ehoaq.com"]),
        ("https://www.google.com/search?q=cash123.com", ["www.google.com", "cash123.com"]),
        ("vao http://103.21.45.67/login", ["103.21.45.67"]),
    ],
)
def test_links_are_found_in_plain_and_disguised_forms(text: str, expected: list[str]) -> None:
    assert hosts(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Số dư 1.359.319 VND lúc 12.30",
        "gửi email cho toi@gmail.com nhé",
        "nhan tien.de lay ngay",  # "de" is a TLD but here the Vietnamese word "để"
        "TP.HCM ngày 2.9, v.v.",
        "Ref Ecom.EW29034939512860.ZALOPAY.6681522554.CashIn.d6d5dcf10f20",
        "Tôi đi chợ. Mẹ ở nhà.",
    ],
)
def test_ordinary_text_has_no_links(text: str) -> None:
    assert hosts(text) == []


def test_two_hundred_links_are_capped_and_fast_to_judge(analyzer: ScamAnalyzer) -> None:
    text = " ".join(f"https://site{i}-vietcombank.top/a" for i in range(200))
    verdict = analyzer.check(text)
    assert verdict.is_scam
    assert len(verdict.links) <= 64


# -- judging domains: positives ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "code"),
    [
        ("vietcombank-xacthuc.top", "link_lookalike"),  # brand plus extra words
        ("vietcombamk.com", "link_lookalike"),  # one typo
        ("vietcombank.com", "link_lookalike"),  # right name, wrong suffix
        ("techcombank.vn-pl.top", "link_lookalike"),  # brand as a sub-domain
        ("sh0pie.vip", "link_brand_in_name"),  # digits for letters (a shop: lighter signal)
        ("vietc0mbank.com", "link_lookalike"),  # digits for letters
        ("ebidv.vip", "link_lookalike"),  # short brand with a prefix
        ("dichvucong-gov.com", "link_fake_gov"),
        ("gplx-gov.vn", "link_fake_gov"),
        ("cucgplxgov.vn", "link_fake_gov"),
        ("vneid.com", "link_fake_gov"),
        ("dichvucong.gov.vn.abc-xyz.com", "link_fake_gov"),
        ("thuedientuu.vn", "link_fake_gov"),
        ("103.21.45.67", "link_ip"),
        ("bit.ly", "link_shortener"),
        ("t.ly", "link_shortener"),
        ("movgov-vn.weeblysite.com", "link_free_hosting"),
        ("ho-tro.github.io", "link_free_hosting"),
        ("nhanqua.xyz", "link_suspicious_tld"),
        ("login-online.icu", "link_suspicious_words"),
        ("t.me", "link_chat_app"),
        ("aqwzxprt.com", "link_random_name"),
        ("xn--vietcombnk-6qi.com", "link_homoglyph"),  # "vietcombаnk" with a Cyrillic а
        ("mot-trang-la.com", "link_unknown"),
        ("nhanqua.online", "link_uncommon_tld"),
        ("nohu88-club.com", "link_gambling_name"),
        ("7732599.com", "link_random_name"),
        ("agribanks.edu.vn", "link_lookalike"),  # a bank's name under a school suffix
    ],
)
def test_suspicious_domains_are_flagged(analyzer: ScamAnalyzer, host: str, code: str) -> None:
    assert code in link_codes(analyzer, host)


def test_cyrillic_lookalike_letters_are_caught(analyzer: ScamAnalyzer) -> None:
    assert "link_homoglyph" in codes(analyzer, "https://vіetcombank.com.vn/login")  # Cyrillic і
    assert "link_homoglyph" in codes(analyzer, "https://shоpee.vn")  # Cyrillic о


def test_vietnamese_idn_is_only_a_light_signal(analyzer: ScamAnalyzer) -> None:
    found = link_codes(analyzer, "cửahàngtạphóa.vn")
    assert "link_idn" in found
    assert "link_homoglyph" not in found


def test_apk_links_are_flagged(analyzer: ScamAnalyzer) -> None:
    assert "link_apk" in link_codes(analyzer, "tai-app.com", "/vneid.apk")
    assert "link_apk" not in link_codes(analyzer, "tai-app.com", "/huong-dan.html")


def test_zalo_group_and_personal_links_are_chat_links(analyzer: ScamAnalyzer) -> None:
    assert "link_chat_app" in codes(analyzer, "vào nhóm https://zalo.me/g/abcdef123")
    assert "link_chat_app" in codes(analyzer, "kết bạn https://zalo.me/0912345678")
    assert "link_chat_app" not in codes(analyzer, "quan tâm OA https://zalo.me/1234567890123456789")


def test_redirect_through_a_search_link(analyzer: ScamAnalyzer) -> None:
    assert "link_redirect" in codes(analyzer, "https://www.google.com/search?q=nhanthuong88.com")


def test_brand_named_in_text_with_a_foreign_link(analyzer: ScamAnalyzer) -> None:
    found = codes(analyzer, "Agribank thong bao: cap nhat thong tin tai https://abc-capnhat.com")
    assert "link_brand_mismatch" in found
    assert "link_brand_mismatch" not in codes(
        analyzer, "Agribank thong bao: xem chi tiet tai https://agribank.com.vn"
    )


# -- judging domains: negatives ----------------------------------------------------------------


def official_domains() -> list[str]:
    lines = OFFICIAL.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_the_official_domain_list_is_long_enough() -> None:
    assert len(official_domains()) >= 100


@pytest.mark.parametrize("domain", official_domains())
def test_official_domains_are_never_flagged(analyzer: ScamAnalyzer, domain: str) -> None:
    assert link_codes(analyzer, domain) <= {"link_unknown"}
    verdict = analyzer.check(f"Xem tại https://{domain}")
    assert verdict.risk == "low"


@pytest.mark.parametrize(
    "host",
    [
        "anything.gov.vn",
        "xa-abc.huyen-xyz.gov.vn",
        "thpt-abc.edu.vn",
        "cskh.evn.com.vn",
        "my.vnpt.com.vn",
    ],
)
def test_official_suffixes_and_subdomains_are_trusted(analyzer: ScamAnalyzer, host: str) -> None:
    assert link_codes(analyzer, host) == set()


@pytest.mark.parametrize(
    "host", ["vibes-music.com", "pineapple.com", "nhakhoagovap.com", "vnexpress.net"]
)
def test_ordinary_domains_are_not_lookalikes(analyzer: ScamAnalyzer, host: str) -> None:
    assert not link_codes(analyzer, host) & {"link_lookalike", "link_fake_gov", "link_homoglyph"}


# -- blocklist -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "entry"),
    [
        ("scam-site.com", "scam-site.com"),
        ("www.scam-site.com", "scam-site.com"),
        ("0.0.0.0 scam-site.com", "scam-site.com"),
        ("||scam-site.com^", "scam-site.com"),
        ("https://scam-site.com/path?x=1", "scam-site.com"),
        ("# comment", None),
        ("", None),
        ("localhost", None),
    ],
)
def test_blocklist_lines(line: str, entry: str | None) -> None:
    assert clean_entry(line) == entry


def test_blocklist_matches_domain_and_subdomains(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_text("# list\nbad-domain.net\n\n", encoding="utf-8")
    blocklist = Blocklist.load(path)
    assert len(blocklist) == 1
    assert blocklist.match("bad-domain.net") == "bad-domain.net"
    assert "login.bad-domain.net" in blocklist
    assert "good-domain.net" not in blocklist
    assert "domain.net" not in blocklist


def test_blocklisted_domain_needs_the_list(tmp_path: Path, analyzer: ScamAnalyzer) -> None:
    path = tmp_path / "list.txt"
    path.write_text("tinnhan-laxa.com\n", encoding="utf-8")
    with_list = ScamAnalyzer.load(CONTENT_DIR, blocklist_path=path)
    assert "link_blocklisted" in codes(with_list, "xem tinnhan-laxa.com")
    assert with_list.check("xem tinnhan-laxa.com").is_scam
    assert "link_blocklisted" not in codes(analyzer, "xem tinnhan-laxa.com")
