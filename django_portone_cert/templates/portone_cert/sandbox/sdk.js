/* Sandbox stand-ins for PortOne's browser SDKs, served only in sandbox mode:
 * V1's IMP.init / IMP.certification and V2's PortOne.requestIdentityVerification.
 * The popup (or, on phones, the page) plays the 본인인증 provider.
 */
(function () {
  "use strict";
  var POPUP_URL = "{{ popup_url|escapejs }}";
  var MOBILE = /Mobi|Android|iPhone|iPad|iPod/i.test(navigator.userAgent);

  // Opens the provider page; calls onResult with what it answers (or `closed` if shut).
  function openProvider(query, redirectUrl, onResult, closed) {
    if (redirectUrl) {
      query.set("m_redirect_url", redirectUrl);
      window.location.assign(POPUP_URL + "?" + query.toString());
      return;
    }
    var popup = window.open(POPUP_URL + "?" + query.toString(), "portone_cert_sandbox", "width=480,height=720");
    var done = false;
    function finish(result) {
      if (done) return;
      done = true;
      window.removeEventListener("message", onMessage);
      window.clearInterval(watch);
      onResult(result);
    }
    function onMessage(event) {
      if (event.origin !== window.location.origin) return;
      if (!event.data || event.data.source !== "portone-cert-sandbox") return;
      finish(event.data.result);
    }
    window.addEventListener("message", onMessage);
    var watch = window.setInterval(function () {
      if (!popup || popup.closed) {
        window.setTimeout(function () { finish(closed); }, 300);
      }
    }, 500);
  }

  var impCode = null;
  window.IMP = {
    sandbox: true,
    init: function (code) { impCode = code; },
    certification: function (params, callback) {
      params = params || {};
      // IMP.certification requires merchant_uid: without one nothing is recorded.
      if (!params.merchant_uid) {
        if (typeof callback === "function") {
          callback({ success: false, imp_uid: null, merchant_uid: null,
                     error_code: "F400", error_msg: "merchant_uid는 필수입니다." });
        }
        return;
      }
      var query = new URLSearchParams();
      query.set("merchant_uid", params.merchant_uid || "");
      query.set("imp_code", impCode || "");
      if (params.channelKey) query.set("channel_key", params.channelKey);
      if (params.pg) query.set("pg", params.pg);
      var redirect = params.popup === false ? params.m_redirect_url : null;
      openProvider(query, redirect, function (result) {
        if (typeof callback === "function") callback(result);
      }, { success: false, imp_uid: null, merchant_uid: params.merchant_uid,
           error_code: "F000", error_msg: "사용자가 본인인증 창을 닫았습니다." });
    }
  };

  // The V2 SDK answers IdentityVerificationResponse (browser-sdk.yml): transactionType,
  // identityVerificationId, identityVerificationTxId, and on failure code and message
  // (pgCode, pgMessage when the provider gave them). `code` is one of the documented
  // error codes; which situation yields which is not documented, so: the provider said
  // no → PGProviderError, the person gave up → Cancelled, bad parameters → RequestParseFailed.
  var V2_CODES = {
    IDENTITY_VERIFICATION_FAILED: "PGProviderError",
    IDENTITY_VERIFICATION_CANCELLED: "Cancelled"
  };

  function v2Response(params, result) {
    var answer = {
      transactionType: "IDENTITY_VERIFICATION",
      identityVerificationId: (result && result.identityVerificationId) || params.identityVerificationId,
      identityVerificationTxId: (result && result.identityVerificationTxId) || undefined
    };
    if (!result || result.code) {
      var code = result && result.code;
      answer.code = V2_CODES[code] || code || "Cancelled";
      answer.message = (result && result.message) || "사용자가 본인인증을 취소하였습니다.";
      if (result && result.pgCode) answer.pgCode = result.pgCode;
      if (result && result.pgMessage) answer.pgMessage = result.pgMessage;
    }
    return answer;
  }

  window.PortOne = {
    sandbox: true,
    requestIdentityVerification: function (params) {
      params = params || {};
      // Required by the SDK (browser-sdk.yml IdentityVerificationRequest); channelKey is optional.
      var missing = ["storeId", "identityVerificationId"].filter(function (key) {
        return !params[key];
      });
      if (missing.length) {
        return Promise.resolve(v2Response(params, {
          code: "RequestParseFailed", message: missing.join(", ") + " 파라미터가 필요합니다."
        }));
      }
      var query = new URLSearchParams();
      query.set("api", "v2");
      query.set("merchant_uid", params.identityVerificationId);
      query.set("imp_code", params.storeId);
      if (params.channelKey) query.set("channel_key", params.channelKey);
      // windowType picks the window per device; unset, phones redirect and PCs get a popup.
      var windowType = (params.windowType || {})[MOBILE ? "mobile" : "pc"] ||
        (MOBILE ? "REDIRECTION" : "POPUP");
      var redirect = windowType === "REDIRECTION" ? params.redirectUrl || null : null;
      return new Promise(function (resolve) {
        openProvider(query, redirect, function (result) {
          resolve(v2Response(params, result));
        }, { code: "IDENTITY_VERIFICATION_CANCELLED", message: "사용자가 본인인증 창을 닫았습니다." });
      });
    }
  };
})();
