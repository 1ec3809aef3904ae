/* Sandbox stand-in for PortOne's V2 browser SDK (PortOne.requestIdentityVerification).
 * Served only in sandbox mode. The popup plays the 본인인증 provider.
 */
(function () {
  "use strict";
  var POPUP_URL = "{{ popup_url|escapejs }}";
  var MOBILE = /Mobi|Android|iPhone|iPad|iPod/i.test(navigator.userAgent);

  function requestIdentityVerification(params) {
    params = params || {};
    var query = new URLSearchParams();
    query.set("api", "v2");
    query.set("merchant_uid", params.identityVerificationId || "");
    query.set("imp_code", params.storeId || "");
    if (params.channelKey) query.set("channel_key", params.channelKey);
    if (params.redirectUrl && MOBILE) {
      query.set("m_redirect_url", params.redirectUrl);
      window.location.assign(POPUP_URL + "?" + query.toString());
      return new Promise(function () {});  // the page is leaving
    }
    return new Promise(function (resolve) {
      var popup = window.open(POPUP_URL + "?" + query.toString(), "portone_cert_sandbox", "width=480,height=720");
      var done = false;
      function finish(result) {
        if (done) return;
        done = true;
        window.removeEventListener("message", onMessage);
        window.clearInterval(watch);
        resolve(result);
      }
      function onMessage(event) {
        if (event.origin !== window.location.origin) return;
        if (!event.data || event.data.source !== "portone-cert-sandbox") return;
        finish(event.data.result);
      }
      window.addEventListener("message", onMessage);
      var watch = window.setInterval(function () {
        if (!popup || popup.closed) {
          window.setTimeout(function () {
            finish({ identityVerificationId: params.identityVerificationId,
                     code: "IDENTITY_VERIFICATION_CANCELLED", message: "사용자가 본인인증 창을 닫았습니다." });
          }, 300);
        }
      }, 500);
    });
  }

  window.PortOne = { requestIdentityVerification: requestIdentityVerification, sandbox: true };
})();
