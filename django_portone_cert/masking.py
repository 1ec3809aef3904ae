"""How personal values are shown where they must not be shown in full."""

from __future__ import annotations


def mask_name(name: str | None) -> str:
    """홍길동 → 홍*동, 김철 → 김*, Jane Doe → J******e."""
    if not name:
        return ""
    if len(name) <= 2:
        return name[0] + "*" * (len(name) - 1)
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_ci(ci: str | None, keep: int = 6) -> str:
    """Only a short prefix, enough to tell two records apart by eye."""
    if not ci:
        return ""
    return ci[:keep] + "…"
