"""Curated procedure content: loads, is well-formed, complete, accurate markers, renders."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from bot.features.procedures.cards import (
    MESSAGE_LIMIT,
    CardTemplates,
    render_card,
    render_general,
    render_more,
)
from bot.features.procedures.catalogue import (
    Catalogue,
    ContentError,
    load_curated,
    procedure_files,
)
from bot.features.procedures.model import CODE_RE, Procedure
from bot.features.procedures.search import Lexicon
from tests.procedures.conftest import CONTENT_DIR

# The procedures of the reference's table (domain.md §2.1) that have a national code.
# 1.012753 is the organisations' version of first land registration; 1.013978 is the one
# households use. 1.014027 (social pension) comes from a third-party source and is marked.
REFERENCE_CODES = {
    "1.001193", "2.000986", "1.000656", "1.000894", "1.004873", "2.000635", "1.004859",
    "1.004837", "2.000815", "2.000884", "2.001035", "1.004222", "1.004194", "1.002755",
    "1.010038", "1.010041", "1.003677", "1.014061", "1.014062", "1.014063", "1.014064",
    "1.012566", "3.000228", "1.001612", "2.000720", "1.001570", "1.001266", "1.001939",
    "1.002759", "1.002179", "1.001613", "2.000821", "1.014027", "1.011607", "1.012753",
    "1.013978", "1.012812", "1.013967", "3.000333", "3.000347", "1.013076",
}  # fmt: skip


def test_every_file_loads_and_codes_are_unique(curated_catalogue: Catalogue) -> None:
    files = procedure_files(CONTENT_DIR)
    assert len(files) >= 8
    codes: list[str] = []
    for path in files:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        codes += [str(p["code"]) for p in raw["procedures"]]
    assert len(codes) == len(set(codes))
    assert all(CODE_RE.fullmatch(code) for code in codes)
    assert set(codes) == set(curated_catalogue.procedures)


def test_reference_procedures_are_all_curated(curated_catalogue: Catalogue) -> None:
    missing = REFERENCE_CODES - set(curated_catalogue.procedures)
    assert not missing
    assert len(curated_catalogue) >= 37


def test_every_procedure_has_source_review_date_link_and_plain_parts(
    curated_catalogue: Catalogue,
) -> None:
    for p in curated_catalogue.values():
        assert p.origin == "curated"
        assert p.source and p.reviewed is not None, p.code
        assert p.link is not None and urlsplit(p.link).scheme == "https", p.code
        assert urlsplit(p.link).netloc.endswith(".gov.vn"), p.code
        assert p.short_name and p.summary, p.code
        assert p.where and p.channels and p.documents, p.code
        assert p.aliases, p.code
        for channel in p.channels:
            assert channel.fee_text or channel.fee_vnd is not None, p.code


def test_fees_set_by_the_province_say_reference_only(curated_catalogue: Catalogue) -> None:
    for p in curated_catalogue.values():
        for channel in p.channels:
            text = (channel.fee_text or "").lower()
            if "hđnd" in text:
                assert "tham khảo" in text, (p.code, channel.fee_text)


def test_reference_verify_markers_are_kept(curated_catalogue: Catalogue) -> None:
    # Items the reference marks "verify" or "TODO verify" must stay flagged.
    must_verify = {
        "1.001193",  # which commune may register a birth after the 2025 changes
        "1.000656",  # deadline of the interlinked death registration (NĐ 63/2024)
        "1.004859",  # processing time 3 days vs "1" in the database
        "2.001035",  # processing time of contract certification
        "1.002755",  # inconsistent fee of extending temporary residence
        "1.014062",  # first ID card for children under 14 free of charge
        "1.002759",  # health-insurance card timing
        "1.014027",  # social pension amount
        "3.000333",  # criminal record certificate fee
        "3.000347",  # online driving licence fee after 31/12/2025
    }
    unmarked = {code for code in must_verify if not curated_catalogue.procedures[code].verify}
    assert not unmarked
    listed = {p.code for p in curated_catalogue.to_verify()}
    assert must_verify <= listed


def test_key_facts_from_the_reference(curated_catalogue: Catalogue) -> None:
    get = curated_catalogue.procedures.__getitem__
    birth_notes = " ".join(get("1.001193").notes_hay_hoi)
    assert "60 ngày" in birth_notes and "miễn" in birth_notes.lower()
    assert "sổ hộ khẩu" in birth_notes
    residence = {c.kind: c.fee_vnd for c in get("1.004222").channels}
    assert residence == {"truc_tiep": 20000, "truc_tuyen": 10000}
    assert any(d.form == "CT01" for d in get("1.004222").documents)
    assert any(d.form == "DC02" for d in get("1.014064").documents)
    assert {c.fee_vnd for c in get("1.014064").channels} == {35000}
    assert "31/12/2026" in (get("1.014063").channels[0].fee_text or "")
    assert get("1.000894").channels[0].fee_vnd == 0
    assert "6 tháng" in " ".join(get("1.004873").notes_hay_hoi)
    assert {c.fee_vnd for c in get("1.010041").channels} == {0}


def test_general_rules_cover_the_reference(curated_catalogue: Catalogue) -> None:
    ids = {rule.id for rule in curated_catalogue.general.rules}
    assert {"noi_nop", "gio_nhan", "so_ho_khau", "uy_quyen"} <= ids
    text = " ".join(rule.text for rule in curated_catalogue.general.rules)
    assert "15 giờ" in text and "không cần chứng thực" in text


def test_every_template_renders_strictly_and_fits_a_message(
    curated_catalogue: Catalogue,
) -> None:
    templates = CardTemplates.load(CONTENT_DIR)
    for p in curated_catalogue.values():
        for message in render_card(p, templates) + render_more(p, templates):
            assert 0 < len(message) <= MESSAGE_LIMIT, p.code
    for message in render_general(curated_catalogue.general, templates):
        assert len(message) <= MESSAGE_LIMIT


def test_synonyms_load(lexicon: Lexicon) -> None:
    assert lexicon.synonyms["ho khau"] == ("dang ky thuong tru",)
    assert "so do" in lexicon.synonyms
    assert "cho minh hoi" in lexicon.stopwords


def test_resident_text_never_asks_for_secrets(curated_catalogue: Catalogue) -> None:
    for p in curated_catalogue.values():
        for text in [*p.notes_hay_hoi, p.summary or ""]:
            lowered = text.lower()
            if "otp" in lowered or "mật khẩu" in lowered:
                assert "không" in lowered, (p.code, text)


# -- broken content is reported, not half-loaded ---------------------------------------------


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR / "procedures", target / "procedures")
    return target


def test_broken_files_are_listed_as_problems(content_copy: Path) -> None:
    folder = content_copy / "procedures"
    (folder / "broken.yaml").write_text("procedures: [\n", encoding="utf-8")
    (folder / "wrong.yaml").write_text(
        "procedures:\n  - code: '12345'\n    name: X\n    source: s\n    reviewed: 2026-01-01\n"
        "  - code: '1.001193'\n    name: Trùng mã\n    source: s\n    reviewed: 2026-01-01\n"
        "  - code: '1.999999'\n    name: Link\n    source: s\n    reviewed: 2026-01-01\n"
        "    link: http://example.gov.vn\n    typo_field: 1\n",
        encoding="utf-8",
    )
    with pytest.raises(ContentError) as excinfo:
        load_curated(content_copy)
    text = str(excinfo.value)
    assert "broken.yaml: cannot read YAML" in text
    assert "must look like 1.001193" in text
    assert "code already used" in text
    assert "link must be an https URL" in text
    assert "typo_field" in text


def test_missing_review_date_is_a_problem(content_copy: Path) -> None:
    (content_copy / "procedures" / "new.yaml").write_text(
        "procedures:\n  - code: '1.999998'\n    name: Mới\n    source: s\n", encoding="utf-8"
    )
    with pytest.raises(ContentError, match="no review date"):
        load_curated(content_copy)


def test_card_template_typos_are_caught(content_copy: Path, curated_catalogue: Catalogue) -> None:
    path = content_copy / "procedures" / "_card.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("{{ title }}", "{{ titel }}", 1), encoding="utf-8"
    )
    templates = CardTemplates.load(content_copy)
    procedure: Procedure = curated_catalogue.procedures["1.001193"]
    with pytest.raises(Exception, match="titel"):
        render_card(procedure, templates)


def test_card_file_missing_a_section(content_copy: Path) -> None:
    path = content_copy / "procedures" / "_card.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    del raw["card"]["fees_times"]
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ContentError, match=r"card\.fees_times is missing"):
        CardTemplates.load(content_copy)
