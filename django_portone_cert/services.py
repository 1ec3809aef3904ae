"""The documented Python API, in one place: every name here is imported eagerly from the
flow that owns it (so type checkers and readers see it), and nothing here holds a rule.

- verification: :func:`start_attempt`, :func:`verify_certification`, :class:`Verification`;
  :func:`resume_verification` (V2: a result whose browser never came back)
- sign-up: :func:`pending_verification`, :func:`claim_verification`,
  :class:`PendingVerification`
- account recovery: :func:`find_accounts`, :func:`recover`
- children: :func:`is_child`, :func:`request_guardian_consent`,
  :func:`revoke_guardian_consent`, :func:`guardian_consent_state`
- the person's rights: :func:`export_identity`, :func:`withdraw_identity`; the access log:
  :func:`record_access`, :func:`verify_access_log`
"""

from __future__ import annotations

from .accesslog import record as record_access
from .accesslog import verify_chain as verify_access_log
from .core.attempts import start_attempt
from .core.rules import is_child
from .guardian_links import request_guardian_consent
from .guardians import guardian_consent_state, revoke_guardian_consent
from .recovery import find_accounts, recover
from .resume import resume_verification
from .rights import export_identity, withdraw_identity
from .signup import PendingVerification, claim_verification, pending_verification
from .verification import Verification, verify_certification

__all__ = [
    "PendingVerification",
    "Verification",
    "claim_verification",
    "export_identity",
    "find_accounts",
    "guardian_consent_state",
    "is_child",
    "pending_verification",
    "record_access",
    "recover",
    "request_guardian_consent",
    "resume_verification",
    "revoke_guardian_consent",
    "start_attempt",
    "verify_access_log",
    "verify_certification",
    "withdraw_identity",
]
