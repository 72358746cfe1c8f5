"""Scam checker: rules, lexicons and allowlists written by the team, plus an optional model.

`ScamAnalyzer.load(content_dir, blocklist_path, model_path).check(text)` returns a
`Verdict` (risk, signals most important first, advice). Chat texts, the quiz and
report storage are in `render`, `quiz` and `reports`.
"""
