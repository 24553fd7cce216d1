"""The glossary moved to :mod:`aggregator.anchors.glossary` (its data: ``glossary.tsv`` there);
this module keeps the old import path working."""

from __future__ import annotations

from aggregator.anchors.glossary import (
    DEFAULT_GLOSSARY,
    ENTITY_KINDS,
    Glossary,
    GlossaryEntry,
    GlossaryMatch,
    load_glossary_file,
    load_glossary_text,
    load_glossary_tsv,
)

__all__ = [
    "DEFAULT_GLOSSARY",
    "ENTITY_KINDS",
    "Glossary",
    "GlossaryEntry",
    "GlossaryMatch",
    "load_glossary_file",
    "load_glossary_text",
    "load_glossary_tsv",
]
