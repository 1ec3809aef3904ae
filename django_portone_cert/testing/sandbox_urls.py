from django.urls import path

from . import sandbox

urlpatterns = [
    path("iamport.js", sandbox.sdk, name="sandbox-sdk"),
    path("certify/", sandbox.certify, name="sandbox-certify"),
    path("api/<path:path>", sandbox.api, name="sandbox-api"),
]
