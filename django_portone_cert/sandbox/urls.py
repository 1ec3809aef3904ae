from django.urls import path

from . import views as sandbox

urlpatterns = [
    path("iamport.js", sandbox.sdk, name="sandbox-sdk"),
    path("browser-sdk.js", sandbox.sdk, name="sandbox-sdk-v2"),
    path("certify/", sandbox.certify, name="sandbox-certify"),
    path("otp/", sandbox.otp_codes, name="sandbox-otp"),
    path("api/<path:path>", sandbox.api, name="sandbox-api"),
]
