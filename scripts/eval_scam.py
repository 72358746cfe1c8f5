"""Measure the scam checker on real data kept outside the repository.

    python scripts/eval_scam.py [--sms PATH] [--blocklist PATH] [--official PATH] [--model PATH]

* SMS (default ``../shared/datasets/scam-sms-dev.csv``, columns ``text,label``): precision,
  recall, F1 and false-positive rate of ``is_scam`` (and of "risk ≥ medium"), the confusion
  matrix, and the row numbers and signal codes of the misses. Message texts are never
  printed, so that real messages stay out of logs.
* Links: the share of blocklist domains the rules flag *without* the blocklist loaded (the
  interesting figure) and with it, and the share of the official domains in
  ``tests/scam/data/official_domains.txt`` that are wrongly flagged (must be 0).
* ``--model``: also score the model trained on the team's examples (``examples.yaml``), on
  the SMS file (never trained on). ``bot scam eval`` gives recall with and without links.

Missing files are skipped with a note; the exit code is 0 unless something crashed.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import PACKAGE_DIR  # noqa: E402
from bot.features.scam.analyzer import ScamAnalyzer, Verdict  # noqa: E402
from bot.features.scam.blocklist import Blocklist  # noqa: E402
from bot.features.scam.links import FoundLink  # noqa: E402
from bot.features.scam.model import ScamModel, read_labelled_csv  # noqa: E402

DATASETS = ROOT.parent / "shared" / "datasets"
DEFAULT_SMS = DATASETS / "scam-sms-dev.csv"
DEFAULT_BLOCKLIST = DATASETS / "chongluadao-domains.txt"
DEFAULT_OFFICIAL = ROOT / "tests" / "scam" / "data" / "official_domains.txt"
CONTENT = PACKAGE_DIR / "content"
LINK_SAMPLE = 5000


def metrics(truth: Sequence[bool], predicted: Sequence[bool]) -> dict[str, float]:
    tp = sum(t and p for t, p in zip(truth, predicted, strict=True))
    fp = sum((not t) and p for t, p in zip(truth, predicted, strict=True))
    fn = sum(t and (not p) for t, p in zip(truth, predicted, strict=True))
    tn = sum((not t) and (not p) for t, p in zip(truth, predicted, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    fpr = fp / (fp + tn) if fp + tn else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "tn": tn, "precision": precision, "recall": recall,
            "f1": f1, "fpr": fpr}  # fmt: skip


def print_metrics(title: str, m: dict[str, float]) -> None:
    print(f"  {title}")
    print(
        f"    precision {m['precision']:.3f}  recall {m['recall']:.3f}  F1 {m['f1']:.3f}"
        f"  FPR {m['fpr']:.3f}"
    )
    print(
        f"    confusion: TP {m['tp']}  FP {m['fp']}  FN {m['fn']}  TN {m['tn']}"
        f"  (false positives {m['fp']}, false negatives {m['fn']})"
    )


def codes(verdict: Verdict) -> str:
    return ",".join(s.code for s in verdict.signals) or "-"


def eval_sms(analyzer: ScamAnalyzer, path: Path, show_misses: bool) -> None:
    texts, labels = read_labelled_csv(path)
    scams = sum(labels)
    print(f"SMS: {path} ({len(texts)} messages, {scams} scam, {len(labels) - scams} legit)")
    started = time.perf_counter()
    verdicts = [analyzer.check(t) for t in texts]
    elapsed = time.perf_counter() - started
    print(f"  checked in {elapsed:.2f} s ({1000 * elapsed / max(1, len(texts)):.3f} ms/message)")
    print_metrics("is_scam (risk = high):", metrics(labels, [v.is_scam for v in verdicts]))
    print_metrics("risk ≥ medium:", metrics(labels, [v.risk != "low" for v in verdicts]))
    if show_misses:
        print("  false negatives (row: risk score signals):")
        for i, (verdict, label) in enumerate(zip(verdicts, labels, strict=True)):
            if label and not verdict.is_scam:
                print(f"    {i}: {verdict.risk} {verdict.score:.2f} {codes(verdict)}")
        print("  false positives (row: risk score signals):")
        for i, (verdict, label) in enumerate(zip(verdicts, labels, strict=True)):
            if not label and verdict.is_scam:
                print(f"    {i}: {verdict.risk} {verdict.score:.2f} {codes(verdict)}")


def flagged_share(check: Callable[[str], bool], domains: Sequence[str]) -> float:
    return sum(check(d) for d in domains) / len(domains) if domains else 0.0


def link_flagged(analyzer: ScamAnalyzer, domain: str) -> bool:
    """Flagged = the checker reports anything worse than "a link it does not know"."""
    report = analyzer.links.check(FoundLink(raw=domain, host=domain.lower(), explicit=True))
    return any(f.code not in ("link_unknown",) for f in report.findings)


def eval_links(blocklist_path: Path, official_path: Path, sample: int) -> None:
    rules_only = ScamAnalyzer.load(CONTENT)
    if blocklist_path.exists():
        blocklist = Blocklist.load(blocklist_path)
        domains = sorted(blocklist.domains)
        random.Random(7).shuffle(domains)
        picked = domains[:sample] if sample else domains
        with_list = ScamAnalyzer(rules_only.content, blocklist)
        print(f"Blocklist: {blocklist_path} ({len(blocklist)} domains, {len(picked)} checked)")
        share = flagged_share(lambda d: link_flagged(rules_only, d), picked)
        print(f"  flagged by the rules alone (no blocklist loaded): {share:.1%}")
        share_verdict = flagged_share(lambda d: rules_only.check(d).risk != "low", picked)
        print(f"  as a bare-domain message, risk ≥ medium (rules alone): {share_verdict:.1%}")
        share = flagged_share(lambda d: link_flagged(with_list, d), picked)
        print(f"  flagged with the blocklist loaded: {share:.1%}")
    else:
        print(f"Blocklist: {blocklist_path} not found, skipped")
    if official_path.exists():
        official = [
            line.strip()
            for line in official_path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")
        ]
        wrong = [d for d in official if link_flagged(rules_only, d)]
        wrong_risk = [d for d in official if rules_only.check(f"https://{d}").risk != "low"]
        print(f"Official domains: {official_path.name} ({len(official)})")
        print(f"  wrongly flagged: {len(wrong)}/{len(official)} ({len(wrong) / len(official):.1%})"
              + (f" {wrong}" if wrong else ""))  # fmt: skip
        print(f"  risk ≥ medium as a link message: {len(wrong_risk)}/{len(official)}"
              + (f" {wrong_risk}" if wrong_risk else ""))  # fmt: skip


def eval_model(analyzer: ScamAnalyzer, path: Path, out: Path | None) -> None:
    """The model learns from the team's examples only; the SMS file only measures."""
    examples = analyzer.content.examples
    texts, labels = read_labelled_csv(path)
    started = time.perf_counter()
    model = ScamModel.train(
        [*examples.scam, *examples.legit],
        [True] * len(examples.scam) + [False] * len(examples.legit),
    )
    print(f"Model: trained on the team's {len(examples.scam) + len(examples.legit)} examples in "
          f"{time.perf_counter() - started:.1f} s, tested on {len(texts)} SMS")  # fmt: skip
    if out:
        model.save(out)
    print_metrics(
        "model alone (p ≥ 0.5):", metrics(labels, [model.probability(t) >= 0.5 for t in texts])
    )
    combined = ScamAnalyzer(analyzer.content, analyzer.blocklist, model)
    print_metrics("rules + model:", metrics(labels, [combined.check(t).is_scam for t in texts]))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sms", type=Path, default=DEFAULT_SMS)
    parser.add_argument("--blocklist", type=Path, default=DEFAULT_BLOCKLIST)
    parser.add_argument("--official", type=Path, default=DEFAULT_OFFICIAL)
    parser.add_argument(
        "--link-sample", type=int, default=0, help="check N blocklist domains (0: all)"
    )
    parser.add_argument("--misses", action="store_true", help="list the row numbers of misses")
    parser.add_argument("--model", action="store_true", help="also train and test a model")
    parser.add_argument("--model-out", type=Path, help="save the trained model here")
    args = parser.parse_args(argv)

    analyzer = ScamAnalyzer.load(CONTENT)
    if args.sms.exists():
        eval_sms(analyzer, args.sms, args.misses)
        if args.model:
            eval_model(analyzer, args.sms, args.model_out)
    else:
        print(f"SMS: {args.sms} not found, skipped")
    eval_links(args.blocklist, args.official, args.link_sample)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
