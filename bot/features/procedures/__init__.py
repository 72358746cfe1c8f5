"""Administrative procedures: the catalogue (curated content + national import), search and cards.

- `model`: the `Procedure` record.
- `importer`: the national procedure database's JSON/JSONL shape → `Procedure`.
- `catalogue`: curated YAML from `content/procedures/` plus imported records from the database.
- `search`: `ProcedureIndex`, diacritics-insensitive, typo-tolerant, synonym-aware ranking.
- `cards`: a procedure as phone-sized chat messages.
- `commands`: `bot procedures search|import|list|show`.
"""
