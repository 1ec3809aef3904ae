"""The sandbox's stand-in for PortOne's browser SDKs answers as the real SDKs do (run in node)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.template.loader import render_to_string

from tests.portone_specs import needs_specs, specs_dir

HARNESS = Path(__file__).with_name("js") / "sandbox_sdk_harness.js"

#: The error-code enums of browser-sdk.yml's IdentityVerificationError.
CODE_ENUMS = (
    "CheckoutServiceErrorCode",
    "GrpcErrorCode",
    "TxServiceIdentityVerificationErrorCode",
)

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


@pytest.fixture(scope="module")
def answers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    script = tmp_path_factory.mktemp("sdk") / "sdk.js"
    script.write_text(render_to_string("portone_cert/sandbox/sdk.js", {"popup_url": "/p/"}))
    node = shutil.which("node") or "node"
    ran = subprocess.run(
        [node, str(HARNESS), str(script)], capture_output=True, text=True, timeout=30, check=True
    )
    result: dict[str, Any] = json.loads(ran.stdout)
    return result


def test_v1_requires_merchant_uid(answers: dict[str, Any]) -> None:
    assert answers["v1_missing"]["success"] is False and answers["v1_missing"]["error_msg"]


def test_v2_answers_have_the_sdks_fields(answers: dict[str, Any]) -> None:
    assert answers["done"] == {
        "transactionType": "IDENTITY_VERIFICATION",
        "identityVerificationId": "abc",
        "identityVerificationTxId": "sandbox-y",
    }
    assert answers["failed"]["code"] == "PGProviderError"
    assert answers["failed"]["identityVerificationTxId"] == "sandbox-x"
    assert answers["cancelled"]["code"] == "Cancelled" and answers["cancelled"]["message"]
    assert answers["v2_missing"]["code"] == "RequestParseFailed"
    assert "channel_key" not in answers["opened"]  # channelKey is optional


def _names(text: str, heading: str) -> set[str]:
    """The keys one level under ``heading`` (a 4-space-indented entry of browser-sdk.yml)."""
    block = re.search(rf"\n    {heading}\n((?:(?:      .*)?\n)+)", text)
    assert block, heading
    return set(re.findall(r"^        (\w+):", block.group(1), re.MULTILINE))


@needs_specs
def test_v2_codes_and_fields_are_documented(answers: dict[str, Any]) -> None:
    folder = specs_dir()
    assert folder is not None
    text = (folder / "browser-sdk.yml").read_text(encoding="utf-8")
    documented = set().union(*(_names(text, f"{enum}:") for enum in CODE_ENUMS))
    allowed = _names(text, "IdentityVerificationResponse:")
    assert {"identityVerificationId", "code", "message", "pgCode"} <= allowed
    for name in ("failed", "cancelled", "v2_missing", "done"):
        assert set(answers[name]) <= allowed, name
        if "code" in answers[name]:
            assert answers[name]["code"] in documented, answers[name]["code"]
