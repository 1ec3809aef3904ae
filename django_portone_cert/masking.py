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


def mask_username(username: str | None) -> str:
    """An account shown to the person who recovers it: ``abcdef@naver.com`` → ``ab***@n***.com``,
    ``hong1234`` → ``hong***``.

    Enough for the owner to recognise the account, not its full name; the stars are
    always three, so the length does not show either.
    """
    if not username:
        return ""
    local, at, domain = username.partition("@")
    if at and local and domain:
        masked_domain = domain[0] + "***"
        if "." in domain[1:]:
            masked_domain += "." + domain.rsplit(".", 1)[1]
        return _keep(local, 2) + "@" + masked_domain
    return _keep(username, 4)


def _keep(value: str, most: int) -> str:
    """The first characters of ``value`` (at most ``most``, never more than half), then ``***``."""
    return value[: max(1, min(most, len(value) // 2))] + "***"


# What personal data looks like in free text.
#: CI (88 base64 characters, 86 unpadded) and DI (64), in either base64 alphabet, maybe
#: percent-encoded as in a URL: any long run of such characters that is not a plain word.
_B64_CHAR = r"(?:[A-Za-z0-9+/_-]|%2[BbFf])"
_TOKEN = re.compile(rf"(?<![A-Za-z0-9+/_%-]){_B64_CHAR}{{40,}}(?:=|%3[Dd]){{0,2}}")
_PHONE = re.compile(
    r"(?<![\d+])(?:\+?82[- .]?(?:\(0\))?|0)1[016789][- .)]?\d{3,4}[- .]?\d{4}(?!\d)"
)
#: Korean names: any run of two or more Hangul syllables (names of five and more too).
_HANGUL_NAME = re.compile(r"(?<![가-힣])[가-힣]{2,}(?![가-힣])")
#: Latin-script names: two to four capitalised words ("Hong Gildong", "HONG GIL DONG").
_LATIN_NAME = re.compile(
    r"\b(?:[A-Z][a-z]+(?:[ -][A-Z][a-z]+){1,3}|[A-Z]{2,}(?: [A-Z]{2,}){1,3})\b"
)


def _mask_token(match: re.Match[str]) -> str:
    token = match.group(0)
    random_looking = any(c.isdigit() for c in token) and any(c.isupper() for c in token)
    if not random_looking and not any(c in token for c in "+/%"):
        return token  # a long lower-case identifier or a hex digest, not a CI or DI
    return "[CI]" if len(token) >= 80 else "[DI]"


def mask_text(text: str) -> str:
    """Mask CI, DI, phone numbers and name-like words in free text."""
    text = _TOKEN.sub(_mask_token, text)
    text = _PHONE.sub(lambda m: mask_phone(m.group(0)), text)
    text = _HANGUL_NAME.sub(lambda m: mask_name(m.group(0)), text)
    return _LATIN_NAME.sub(lambda m: mask_name(m.group(0)), text)


def scrub_record(record: logging.LogRecord) -> None:
    """Mask a record's message, traceback and stack in place.

    The exception itself is dropped after its text is masked: handlers that
    read ``exc_info`` (error trackers, the admin e-mail) would otherwise see
    the raw values again.
    """
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: leave it to logging's own handling
        return
    masked = mask_text(message)
    if masked != message:
        record.msg, record.args = masked, None
    if record.exc_info and record.exc_info[1] is not None:
        record.exc_text = mask_text(logging.Formatter().formatException(record.exc_info))
        record.exc_info = None
    elif record.exc_text:
        record.exc_text = mask_text(record.exc_text)
    if record.stack_info:
        record.stack_info = mask_text(record.stack_info)


class PIIFilter(logging.Filter):
    """A logging filter that masks personal data in a record (message, traceback, stack).

    Every record under the ``django_portone_cert`` logger tree is masked already
    (see :func:`install_pii_masking`); add this filter to your own handlers to
    cover other loggers too::

        LOGGING = {..., "filters": {"pii": {"()": "django_portone_cert.masking.PIIFilter"}},
                   "handlers": {"console": {..., "filters": ["pii"]}}}
    """

    def filter(self, record: logging.LogRecord) -> bool:
        scrub_record(record)
        return True


LOGGER_NAME = "django_portone_cert"


def _in_package(name: str) -> bool:
    return name == LOGGER_NAME or name.startswith(LOGGER_NAME + ".")


def install_pii_masking() -> None:
    """Mask every record logged under ``django_portone_cert`` (child loggers included).

    A filter on a logger sees only records logged on that very logger, not those
    of its children, so the masking is done where records are made instead: the
    log record factory, wrapped once, touching only this package's records.
    """
    logger = logging.getLogger(LOGGER_NAME)
    if not any(isinstance(f, PIIFilter) for f in logger.filters):
        logger.addFilter(PIIFilter())  # also masks what a handler's own factory lets through
    previous = logging.getLogRecordFactory()
    if getattr(previous, "portone_cert_masking", False):
        return

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if _in_package(record.name):
            scrub_record(record)
        return record

    factory.portone_cert_masking = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
