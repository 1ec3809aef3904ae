"""The one fake PortOne: an in-memory model of PortOne's 본인인증 APIs, V1 and V2.

Faithful to their published behaviour, checked against PortOne's own schemas and its
official clients (``tests/test_contract.py``, ``make contract``). For development and
tests only: the sandbox serves it from the site (:mod:`django_portone_cert.sandbox`),
users' tests take it from :mod:`django_portone_cert.testing` (its public names, re-exported);
the client never imports it.

- :mod:`.api`: :class:`FakePortOne`, its halves behind one ``handle()``;
- :mod:`.v1`, :mod:`.v2`: each version's endpoints and the shapes of its results;
- :mod:`.state`: credentials, the fake's clock, stored results, counters;
- :mod:`.people`, :mod:`.store`, :mod:`.faults`, :mod:`.wire`: who verifies, where state
  lives, what can go wrong, what a request and an answer are;
- :mod:`.responses_adapter`: ``activate()``'s transport.
"""
