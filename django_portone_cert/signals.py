"""Signals, sent after the transaction that decided the outcome has committed."""

from django.dispatch import Signal

#: A PortOne result was accepted and stored.
#: kwargs: ``identity`` (VerifiedIdentity), ``user``, ``attempt`` (CertificationAttempt),
#: ``created`` (bool: first verification of this user), ``request`` (HttpRequest or None).
identity_verified = Signal()

#: A verification was refused or could not be completed.
#: kwargs: ``user``, ``attempt`` (CertificationAttempt or None when none matched),
#: ``code`` (the stable error code), ``error`` (the exception), ``request`` (or None).
verification_failed = Signal()
