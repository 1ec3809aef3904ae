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

#: A verified user verified again as the same person (same CI): the identity was updated
#: (name after a 개명, phone and carrier when ``STORE_PHONE``, ``verified_at``).
#: kwargs: ``identity`` (VerifiedIdentity, updated), ``user``, ``attempt``,
#: ``changed`` (the names of the fields whose value changed, e.g. ``["name", "phone"]``;
#: never the values), ``request`` (HttpRequest or None).
identity_reverified = Signal()

#: A person recovered their accounts (``ACCOUNT_RECOVERY``) by 본인인증.
#: kwargs: ``users`` (the accounts found, a list, maybe empty), ``attempt``
#: (CertificationAttempt, purpose "recovery"), ``request`` (HttpRequest or None).
#: Nothing about the person: no name, no CI.
accounts_found = Signal()

#: A child asked (or the site asked) for a guardian's consent: send ``url`` to the guardian
#: by the site's own channel (e-mail, SMS, 알림톡).
#: kwargs: ``child`` (user), ``consent_request`` (GuardianConsentRequest), ``url`` (str),
#: ``request`` (HttpRequest or None).
guardian_consent_requested = Signal()

#: A guardian verified and consented.
#: kwargs: ``child`` (user), ``consent`` (GuardianConsent), ``request`` (or None).
guardian_consented = Signal()

#: A consent was revoked (by the guardian or in the admin).
#: kwargs: ``child`` (user), ``consent`` (GuardianConsent), ``by`` ("guardian", "admin" or
#: "site"), ``request`` (or None).
guardian_consent_revoked = Signal()

#: A person downloaded what is stored about them (``GET me/export/``, PIPA §35).
#: kwargs: ``user``, ``request`` (HttpRequest or None). Never the data exported.
identity_exported = Signal()

#: A person withdrew their verification (``DELETE me/identity/``, PIPA §36): the identity is
#: gone (a tombstone kept if ``TOMBSTONE_RETENTION`` says so), the gates treat them as
#: unverified. kwargs: ``user``, ``request`` (HttpRequest or None).
identity_withdrawn = Signal()
