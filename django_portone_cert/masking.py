"""How personal values are shown where they must not be shown in full."""

from __future__ import annotations

import logging
import re


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


def mask_phone(phone: str | None) -> str:
    """01012345678 → 010****5678."""
    if not phone:
        return ""
    digits = re.sub(r"\D", "", phone)
    if len(digits) < 8:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


# What personal data looks like in free text.
_CI = re.compile(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{86}==(?![A-Za-z0-9+/=])")
_DI = re.compile(r"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/=_-]{64}(?![A-Za-z0-9+/=_-])")
_PHONE = re.compile(r"(?<!\d)01[016789][- .]?\d{3,4}[- .]?\d{4}(?!\d)")
_HANGUL_NAME = re.compile(r"(?<![가-힣])[가-힣]{2,4}(?![가-힣])")


def mask_text(text: str) -> str:
    """Mask CI, DI, phone numbers and Korean-name-like words in free text."""
    text = _CI.sub("[CI]", text)
    text = _DI.sub("[DI]", text)
    text = _PHONE.sub(lambda m: mask_phone(m.group(0)), text)
    return _HANGUL_NAME.sub(lambda m: mask_name(m.group(0)), text)


class PIIFilter(logging.Filter):
    """A logging filter that masks personal data in a record's message.

    Installed on the ``django_portone_cert`` logger; add it to your own handlers
    to cover other loggers too.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = mask_text(logging.Formatter().formatException(record.exc_info))
        return True
