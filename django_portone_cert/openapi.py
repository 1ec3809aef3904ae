"""OpenAPI descriptions of the endpoints, for drf-spectacular when it is installed.

``pip install django-portone-cert[openapi]``; without drf-spectacular the
decorators here do nothing. Bodies are described by the serializers that make
them (:mod:`.serializers`), for the running API version; only the error body,
which no serializer makes, is described here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rest_framework import serializers

from .exceptions import ERROR_CLASSES


class ErrorSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField()
    code = serializers.ChoiceField(choices=sorted(ERROR_CLASSES))


def describe(**kwargs: Any) -> Callable[[Any], Any]:
    """``drf_spectacular.utils.extend_schema`` if available, else nothing."""
    try:
        from drf_spectacular.utils import extend_schema
    except ImportError:
        return lambda view: view
    return extend_schema(**kwargs)


ERRORS = dict.fromkeys((400, 401, 403, 409, 429, 502, 503, 504), ErrorSerializer)


class ExportSerializer(serializers.Serializer[Any]):
    """``GET me/export/`` (made by ``rights.export_identity``): each identity value as
    ``{"value", "source"}``; the CI and DI only as ``{"stored": bool}``."""

    exported_at = serializers.DateTimeField()
    identity = serializers.DictField()
    guardian_consents_received = serializers.ListField(child=serializers.DictField())
    guardian_consents_given = serializers.ListField(child=serializers.DictField())
    tombstone = serializers.BooleanField()
    attempts = serializers.ListField(child=serializers.DictField())
