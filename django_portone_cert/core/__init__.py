"""Private: what every flow builds on — attempts and sessions, the trust rules, identity storage.

Nothing here imports a flow (``verification``, ``signup``, ``recovery``, ``guardians``,
``guardian_links``), the façade (``services``) or the HTTP layer; ``tests/test_layout.py`` holds
it to that. Not part of the public API: import from :mod:`django_portone_cert.services`.
"""
