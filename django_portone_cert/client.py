"""The PortOne client, as imported before V2 support: see :mod:`django_portone_cert.portone`."""

from .portone import (
    IMP_UID_PATTERN,
    IMP_UID_RE,
    Certification,
    PortOneClient,
    PortOneV2Client,
    get_client,
    validate_imp_uid,
    validate_result_id,
)

__all__ = [
    "IMP_UID_PATTERN",
    "IMP_UID_RE",
    "Certification",
    "PortOneClient",
    "PortOneV2Client",
    "get_client",
    "validate_imp_uid",
    "validate_result_id",
]
