from django.urls import include, path

from .headers import guard_all
from .views import guardians, otp, recovery, rights, verification

app_name = "portone_cert"

urlpatterns = [
    path("prepare/", verification.PrepareView.as_view(), name="prepare"),
    path("certifications/", verification.CertifyView.as_view(), name="certify"),
    # V2: the requester's latest attempt, completed at PortOne but never posted back.
    path("resume/", verification.ResumeView.as_view(), name="resume"),
    path("me/", verification.MeView.as_view(), name="me"),
    # The person's rights (PIPA §35, §36): after a fresh verification (STEP_UP_MAX_AGE).
    path("me/export/", rights.ExportView.as_view(), name="me_export"),
    path("me/identity/", rights.IdentityView.as_view(), name="me_identity"),
    path("verify/", verification.VerifyPageView.as_view(), name="verify"),
    # In-app verification by SMS code: 404 unless PORTONE_CERT["OTP_ENABLED"] is on.
    path("otp/", otp.OtpSendView.as_view(), name="otp_send"),
    path("otp/<str:attempt_id>/confirm/", otp.OtpConfirmView.as_view(), name="otp_confirm"),
    path("otp/<str:attempt_id>/resend/", otp.OtpResendView.as_view(), name="otp_resend"),
    path("recovery/otp/", otp.RecoveryOtpSendView.as_view(), name="recovery_otp_send"),
    path(
        "recovery/otp/<str:attempt_id>/confirm/",
        otp.RecoveryOtpConfirmView.as_view(),
        name="recovery_otp_confirm",
    ),
    # 404 unless PORTONE_CERT["SANDBOX"] is on (and DEBUG).
    path("sandbox/", include("django_portone_cert.sandbox.urls")),
    # 404 unless PORTONE_CERT["ACCOUNT_RECOVERY"] is on.
    path("recovery/", recovery.RecoveryPageView.as_view(), name="recover"),
    path("recovery/prepare/", recovery.RecoveryPrepareView.as_view(), name="recovery_prepare"),
    path(
        "recovery/certifications/",
        recovery.RecoveryCertifyView.as_view(),
        name="recovery_certify",
    ),
    path(
        "recovery/reset/done/",
        recovery.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path(
        "recovery/reset/<str:uidb64>/<str:token>/",
        recovery.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("guardian/request/", guardians.GuardianAskView.as_view(), name="guardian_request"),
    path("guardian/<str:token>/", guardians.GuardianPageView.as_view(), name="guardian"),
    path("guardian/<str:token>/otp/", otp.GuardianOtpSendView.as_view(), name="guardian_otp_send"),
    path(
        "guardian/<str:token>/otp/<str:attempt_id>/confirm/",
        otp.GuardianOtpConfirmView.as_view(),
        name="guardian_otp_confirm",
    ),
    path(
        "guardian/<str:token>/otp/<str:attempt_id>/withdrawal/",
        otp.GuardianOtpWithdrawView.as_view(),
        name="guardian_otp_withdraw",
    ),
    path(
        "guardian/<str:token>/revoke/",
        guardians.GuardianPageView.as_view(revoke=True),
        name="guardian_revoke",
    ),
    path(
        "guardian/<str:token>/prepare/",
        guardians.GuardianPrepareView.as_view(),
        name="guardian_prepare",
    ),
    path(
        "guardian/<str:token>/certifications/",
        guardians.GuardianCertifyView.as_view(),
        name="guardian_certify",
    ),
    path(
        "guardian/<str:token>/withdrawal/",
        guardians.GuardianWithdrawView.as_view(),
        name="guardian_withdraw",
    ),
]

# Every answer of the app: Cache-Control no-store, X-Frame-Options DENY (headers.py).
guard_all(urlpatterns)
