"""`bot scam …`: check messages (one, or a batch of JSON lines) and train the optional model."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.jsonl import dump, run_batch

# The team's held-back labelled set (a checkout's tests; absent from an installed package).
HELD_BACK = Path(__file__).resolve().parents[3] / "tests" / "scam" / "data" / "team_labelled.tsv"
# The shared evaluation files sit beside the checkout (``../shared/datasets``).
DATASETS = Path(__file__).resolve().parents[3].parent / "shared" / "datasets"
# Where the model of the team's examples is cached (named by the examples' hash; not in git).
CACHE_DIR = Path("data/cache")


def register(subparsers: Any) -> None:
    scam = subparsers.add_parser("scam", help="scam checker")
    sub = scam.add_subparsers(dest="scam_command", metavar="COMMAND", required=True)

    check = sub.add_parser("check", help="check a message, a link or a description of a call")
    check.add_argument("text", nargs="?", help="the message (omit with --batch)")
    check.add_argument("--json", action="store_true", help="print the verdict as JSON")
    check.add_argument(
        "--batch", action="store_true", help='read {"text": …} JSON lines, write one verdict each'
    )
    check.add_argument("--blocklist", type=Path, help="domain blocklist file (one a line)")
    check.add_argument("--model", type=Path, help="trained model file (see `bot scam train`)")
    check.add_argument(
        "--learned", action="store_true", help="add the model of the team's examples (cached)"
    )
    check.add_argument("--cache-dir", type=Path, default=CACHE_DIR, help="model cache folder")
    check.set_defaults(func=cmd_check)

    train = sub.add_parser(
        "train", help="train the optional model (from the team's examples, or from a CSV)"
    )
    train.add_argument(
        "csv", type=Path, nargs="?", help="CSV with columns text,label (default: examples.yaml)"
    )
    train.add_argument("--out", type=Path, help="where to write the model (default: the cache)")
    train.add_argument("--cache-dir", type=Path, default=CACHE_DIR, help="model cache folder")
    train.set_defaults(func=cmd_train)

    evaluate = sub.add_parser("eval", help="recall, precision and FPR on the labelled sets")
    evaluate.add_argument(
        "--datasets", type=Path, default=DATASETS, help="folder of the shared evaluation files"
    )
    evaluate.add_argument("--misses", action="store_true", help="list misses (row, kind, codes)")
    evaluate.add_argument("--blocklist", type=Path, help="domain blocklist file (one a line)")
    evaluate.add_argument("--model", type=Path, help="trained model file (see `bot scam train`)")
    evaluate.add_argument(
        "--learned", action="store_true", help="add the model of the team's examples (cached)"
    )
    evaluate.add_argument("--cache-dir", type=Path, default=CACHE_DIR, help="model cache folder")
    evaluate.set_defaults(func=cmd_eval)


def _analyzer(args: argparse.Namespace) -> Any:
    from bot.config import get_settings
    from bot.features.scam.analyzer import ScamAnalyzer

    settings = get_settings()
    blocklist = args.blocklist or settings.scam_blocklist_path
    model = args.model or settings.scam_model_path
    for label, path in (("blocklist", blocklist), ("model", model)):
        if path is not None and not Path(path).exists():
            msg = f"{label} file not found: {path}"
            raise SystemExit(msg)
    analyzer = ScamAnalyzer.load(settings.content_dir, blocklist, model)
    if getattr(args, "learned", False) and model is None:
        from bot.features.scam.model import ScamModel

        learned = ScamModel.from_content(analyzer.content.examples, args.cache_dir)
        analyzer = ScamAnalyzer(analyzer.content, analyzer.blocklist, learned)
    return analyzer


def cmd_check(args: argparse.Namespace) -> int:
    analyzer = _analyzer(args)
    if args.batch:
        return run_batch("text", lambda text: analyzer.check(text).to_json())
    if args.text is None:
        sys.stderr.write("bot scam check: give a TEXT, or use --batch\n")
        return 2
    verdict = analyzer.check(args.text)
    if args.json:
        dump(verdict.to_json())
        return 0
    from bot.features.scam.render import verdict_message

    sys.stdout.write(verdict_message(verdict, analyzer.content.advice) + "\n")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    import time

    from bot.features.scam.model import ScamModel, examples_hash, read_labelled_csv

    started = time.perf_counter()
    if args.csv is None:
        from bot.config import get_settings
        from bot.features.scam.content import ScamContent

        examples = ScamContent.load(get_settings().content_dir).examples
        texts = [*examples.scam, *examples.legit]
        labels = [True] * len(examples.scam) + [False] * len(examples.legit)
        if args.out is None:
            ScamModel.from_content(examples, args.cache_dir)
            out = args.cache_dir / f"scam-model-{examples_hash(examples)}.pkl"
        else:
            ScamModel.train(texts, labels).save(args.out)
            out = args.out
    else:
        texts, labels = read_labelled_csv(args.csv)
        if not texts or args.out is None:
            sys.stderr.write(f"{args.csv}: no labelled rows (text,label), or no --out given\n")
            return 1
        ScamModel.train(texts, labels).save(args.out)
        out = args.out
    sys.stdout.write(
        f"trained on {len(texts)} messages ({sum(labels)} scam) in "
        f"{time.perf_counter() - started:.1f} s → {out}\n"
    )
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from bot.features.scam.evaluate import dataset_sets, read_rows, score, team_rows

    analyzer = _analyzer(args)

    def predict(text: str) -> tuple[bool, str]:
        verdict = analyzer.check(text)
        return verdict.is_scam, ",".join(s.code for s in verdict.signals)

    sets = [("team examples", team_rows(analyzer.content))]
    # The team's held-back set: written by the team, never taught to the model.
    held_back = [("team held-back (tests/scam/data/team_labelled.tsv)", HELD_BACK)]
    for name, path in [*held_back, *dataset_sets(args.datasets)]:
        if not path.exists():
            sys.stdout.write(f"{name}: not found at {path}, skipped\n")
            continue
        sets.append((name, read_rows(path)))
    for name, rows in sets:
        scores = score(name, rows, predict)
        lines = scores.lines() + (["  " + m for m in scores.misses] if args.misses else [])
        sys.stdout.write("\n".join(lines) + "\n")
    return 0
