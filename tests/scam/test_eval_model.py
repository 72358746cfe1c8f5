"""`bot scam eval`, the scikit-learn model cached by content hash, and module sizes."""

from __future__ import annotations

import ast
import csv
from pathlib import Path

import pytest

from bot.features.scam import analyzer as analyzer_module
from bot.features.scam.analyzer import ScamAnalyzer
from bot.features.scam.content import Examples
from bot.features.scam.evaluate import Row, read_rows, score, team_rows
from bot.features.scam.model import ScamModel, examples_hash
from tests.scam.test_cli import run

SCAM_DIR = Path(analyzer_module.__file__).parent


def test_score_counts_recall_with_and_without_links() -> None:
    rows = [
        Row("vao vcb-xacthuc.top ngay", True),
        Row("chuyen tien gap", True),
        Row("thon hop", False),
        Row("nha van hoa", False),
    ]
    flagged = {"vao vcb-xacthuc.top ngay", "nha van hoa"}
    scores = score("t", rows, lambda text: (text in flagged, ""))
    assert scores.recall_link == (1, 1)
    assert scores.recall_plain == (0, 1)
    assert scores.fpr == 0.5
    assert scores.precision == 0.5
    assert [m.split(" ")[0] for m in scores.misses] == ["FN", "FP"]


def test_read_rows_takes_tsv_and_csv(tmp_path: Path) -> None:
    tsv = tmp_path / "a.tsv"
    tsv.write_text("text\tlabel\tkind\nmot\t1\tx\nhai\t0\ty\nba\t?\tz\n", encoding="utf-8")
    assert read_rows(tsv) == [Row("mot", True, "x"), Row("hai", False, "y")]
    sms = tmp_path / "b.csv"
    with sms.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([["text", "label"], ["bon", "scam"], ["nam", "legit"]])
    assert read_rows(sms) == [Row("bon", True), Row("nam", False)]


def test_team_examples_meet_the_targets(analyzer: ScamAnalyzer) -> None:
    """The rules alone (no model) on the team's own labelled set."""

    def predict(text: str) -> tuple[bool, str]:
        return analyzer.check(text).is_scam, ""

    scores = score("team", team_rows(analyzer.content), predict)
    link_hit, link_total = scores.recall_link
    plain_hit, plain_total = scores.recall_plain
    assert link_total and plain_total
    assert link_hit / link_total >= 0.9
    assert plain_hit / plain_total >= 0.85
    assert scores.fpr <= 0.02


def test_eval_command_reports_and_skips_missing_datasets(tmp_path: Path) -> None:
    (tmp_path / "scam-dev-realistic.tsv").write_text(
        "text\tlabel\tkind\n"
        "Tôi là công an, bà chuyển tiền vào tài khoản tạm giữ, giữ bí mật\t1\tpolice\n"
        "Thôn họp lúc 8 giờ ở nhà văn hóa\t0\tnotice\n",
        encoding="utf-8",
    )
    code, out = run(["scam", "eval", "--datasets", str(tmp_path), "--misses"])
    assert code == 0
    assert "team examples:" in out
    assert "scam-dev-realistic.tsv: 1 scam, 1 legit" in out
    assert "without links 1/1 (100.0%)" in out
    assert "scam-sms-dev.csv: not found" in out
    assert "FPR" in out and "with links" in out


def test_model_is_scikit_learn_and_cached_by_content_hash(tmp_path: Path) -> None:
    examples = Examples(
        scam=tuple(f"chuyen {i} trieu vao tai khoan tam giu gap" for i in range(8)),
        legit=tuple(f"thon {i} hop o nha van hoa sang mai" for i in range(8)),
    )
    model = ScamModel.from_content(examples, tmp_path)
    assert type(model.pipeline).__module__.startswith("sklearn.")
    cached = tmp_path / f"scam-model-{examples_hash(examples)}.pkl"
    assert cached.exists()
    stamp = cached.stat().st_mtime_ns
    again = ScamModel.from_content(examples, tmp_path)
    assert cached.stat().st_mtime_ns == stamp  # loaded, not retrained
    text = "chuyen 3 trieu vao tai khoan tam giu gap"
    assert again.probability(text) == model.probability(text) > 0.5
    changed = examples.model_copy(update={"legit": (*examples.legit, "mai troi mua")})
    assert examples_hash(changed) != examples_hash(examples)
    ScamModel.from_content(changed, tmp_path)
    assert len(list(tmp_path.glob("scam-model-*.pkl"))) == 2


def test_a_stale_cache_file_is_rebuilt(tmp_path: Path) -> None:
    examples = Examples(scam=("chuyen tien gap",) * 3, legit=("thon hop",) * 3)
    path = tmp_path / f"scam-model-{examples_hash(examples)}.pkl"
    path.write_bytes(b"not a model")
    model = ScamModel.from_content(examples, tmp_path)
    assert model.probability("chuyen tien gap") > 0.5


def test_train_command_trains_from_the_team_examples(tmp_path: Path) -> None:
    code, out = run(["scam", "train", "--cache-dir", str(tmp_path)])
    assert code == 0, out
    assert "messages" in out
    assert list(tmp_path.glob("scam-model-*.pkl"))


def _functions(path: Path) -> dict[str, int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name: (node.end_lineno or node.lineno) - node.lineno + 1
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def test_check_is_under_80_lines() -> None:
    assert _functions(SCAM_DIR / "analyzer.py")["check"] < 80


@pytest.mark.parametrize("path", sorted(SCAM_DIR.glob("*.py")), ids=lambda p: p.name)
def test_modules_stay_under_500_lines(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 500
