"""OpenAPI descriptions of the endpoints, for drf-spectacular when it is installed.

``pip install django-portone-cert[openapi]``; without drf-spectacular the
decorators here do nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rest_framework import serializers

from .exceptions import ERROR_CLASSES


class ErrorSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField()
    code = serializers.ChoiceField(choices=sorted(ERROR_CLASSES))


class AttemptResponseSerializer(serializers.Serializer[Any]):
    merchant_uid = serializers.CharField()
    imp_code = serializers.CharField()
    channel_key = serializers.CharField(required=False)
    pg = serializers.CharField(required=False)
    expires_at = serializers.DateTimeField()


class CertifyResponseSerializer(serializers.Serializer[Any]):
    verified = serializers.BooleanField()
    name = serializers.CharField()
    birth_date = serializers.DateField()
    age = serializers.IntegerField()
    verified_at = serializers.DateTimeField()
    pending_signup = serializers.BooleanField(required=False)


class MeResponseSerializer(serializers.Serializer[Any]):
    verified = serializers.BooleanField()
    name = serializers.CharField(required=False)
    birth_date = serializers.DateField(required=False)
    age = serializers.IntegerField(required=False)
    gender = serializers.CharField(required=False)
    is_foreigner = serializers.BooleanField(required=False, allow_null=True)
    provider = serializers.CharField(required=False)
    certified_at = serializers.DateTimeField(required=False)
    verified_at = serializers.DateTimeField(required=False)


def describe(**kwargs: Any) -> Callable[[Any], Any]:
    """``drf_spectacular.utils.extend_schema`` if available, else nothing."""
    try:
        from drf_spectacular.utils import extend_schema
    except ImportError:
        return lambda view: view
    return extend_schema(**kwargs)


ERRORS = dict.fromkeys((400, 401, 403, 409, 429, 502, 503, 504), ErrorSerializer)
