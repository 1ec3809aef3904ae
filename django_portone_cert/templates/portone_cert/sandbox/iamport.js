/* Sandbox stand-in for PortOne's V1 browser SDK (IMP.init, IMP.certification).
 * Served only in sandbox mode. The popup plays the 본인인증 provider.
 */
(function () {
  "use strict";
  var POPUP_URL = "{{ popup_url|escapejs }}";
  var impCode = null;

  function certification(params, callback) {
    params = params || {};
    var query = new URLSearchParams();
    query.set("merchant_uid", params.merchant_uid || "");
    query.set("imp_code", impCode || "");
    if (params.channelKey) query.set("channel_key", params.channelKey);
    if (params.pg) query.set("pg", params.pg);
    if (params.popup === false && params.m_redirect_url) {
      query.set("m_redirect_url", params.m_redirect_url);
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
      if (typeof callback === "function") callback(result);
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
          finish({ success: false, imp_uid: null, merchant_uid: params.merchant_uid,
                   error_code: "F000", error_msg: "사용자가 본인인증 창을 닫았습니다." });
        }, 300);
      }
    }, 500);
  }

  window.IMP = {
    init: function (code) { impCode = code; },
    certification: certification,
    sandbox: true
  };
})();
