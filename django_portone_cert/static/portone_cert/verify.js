/* django-portone-cert: the verify page. No framework, no build step.
 *
 * prepare/ -> IMP.certification (popup on PC, redirect on mobile) -> certifications/ -> next.
 * Only the ids go to the server; it re-reads the result from PortOne itself.
 */
(function () {
  "use strict";

  var root = document.getElementById("portone-cert");
  var configNode = document.getElementById("portone-cert-config");
  if (!root || !configNode) return;

  var config = JSON.parse(configNode.textContent);
  var messages = config.messages || {};
  var button = root.querySelector("[data-portone-cert-start]");
  var statusNode = root.querySelector("[data-portone-cert-status]");
  var csrfInput = root.querySelector("input[name=csrfmiddlewaretoken]");
  var REDIRECT_PARAMS = [
    "imp_uid", "merchant_uid", "success", "imp_success", "error_code", "error_msg",
    "identityVerificationId", "identityVerificationTxId", "transactionType", "code", "message"
  ];

  function show(text, kind) {
    statusNode.textContent = text || "";
    statusNode.setAttribute("data-kind", kind || "error");
    statusNode.hidden = !text;
  }

  function messageFor(code, detail) {
    return messages[code] || detail || messages.error;
  }

  function busy(isBusy) {
    button.disabled = isBusy;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Accept": "application/json",
        "Content-Type": "application/json",
        "X-CSRFToken": csrfInput ? csrfInput.value : ""
      },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { ok: response.ok, status: response.status, code: data.code, detail: data.detail, data: data };
      });
    }, function () {
      return { ok: false, status: 0, code: "network" };
    });
  }

  function certify(body) {
    busy(true);
    show(messages.checking, "info");
    return post(config.certifyUrl, body).then(function (result) {
      if (result.ok) {
        show(messages.success, "success");
        window.location.assign(config.next);
        return;
      }
      show(messageFor(result.code, result.detail));
      busy(false);
    });
  }

  function isMobile() {
    return /Mobi|Android|iPhone|iPad|iPod/i.test(navigator.userAgent);
  }

  function redirectUrl() {
    return window.location.origin + window.location.pathname + "?next=" + encodeURIComponent(config.next);
  }

  function start() {
    busy(true);
    show(messages.starting, "info");
    post(config.prepareUrl).then(function (prepared) {
      if (!prepared.ok) {
        show(messageFor(prepared.code, prepared.detail));
        busy(false);
        return;
      }
      var attempt = prepared.data;
      if (attempt.api_version === "v2") {
        startV2(attempt);
        return;
      }
      var params = { merchant_uid: attempt.merchant_uid };
      if (attempt.channel_key) params.channelKey = attempt.channel_key;
      else if (attempt.pg) params.pg = attempt.pg;
      if (config.company) params.company = config.company;
      if (isMobile()) {
        params.popup = false;
        params.m_redirect_url = redirectUrl();
      } else {
        params.popup = true;
      }
      if (!window.IMP) {
        show(messages.network);
        busy(false);
        return;
      }
      window.IMP.init(attempt.imp_code);
      window.IMP.certification(params, function (rsp) {
        if (!rsp || !rsp.success) {
          var reason = rsp && rsp.error_msg ? " (" + rsp.error_msg + ")" : "";
          show(messages.cancelled + reason);
          busy(false);
          return;
        }
        certify({ imp_uid: rsp.imp_uid, merchant_uid: rsp.merchant_uid || attempt.merchant_uid });
      });
    });
  }

  // PortOne V2: PortOne.requestIdentityVerification; a result with `code` is a failure.
  function startV2(attempt) {
    if (!window.PortOne) {
      show(messages.network);
      busy(false);
      return;
    }
    var request = {
      storeId: attempt.store_id,
      identityVerificationId: attempt.identity_verification_id,
      channelKey: attempt.channel_key
    };
    // CPTITLE is Danal's key; PortOne hands each provider only its own entry of `bypass`.
    if (config.company) request.bypass = { danal: { CPTITLE: config.company } };
    if (isMobile()) request.redirectUrl = redirectUrl();
    window.PortOne.requestIdentityVerification(request).then(function (result) {
      if (!result || result.code) {
        var reason = result && result.message ? " (" + result.message + ")" : "";
        show(messages.cancelled + reason);
        busy(false);
        return;
      }
      certify({ identity_verification_id: result.identityVerificationId || attempt.identity_verification_id });
    }, function () {
      show(messages.cancelled);
      busy(false);
    });
  }

  // Mobile redirect mode lands here: V1 with ?imp_uid=…&merchant_uid=…&success=true|false,
  // V2 with ?identityVerificationId=…(&code=…&message=… on failure).
  function resumeFromRedirect() {
    var query = new URLSearchParams(window.location.search);
    var v1 = query.has("imp_uid") && query.has("merchant_uid");
    var v2 = query.has("identityVerificationId");
    if (!v1 && !v2) return;
    var body = v2
      ? { identity_verification_id: query.get("identityVerificationId") }
      : { imp_uid: query.get("imp_uid"), merchant_uid: query.get("merchant_uid") };
    var failed = v2
      ? query.has("code")
      : (query.get("success") || query.get("imp_success")) === "false";
    var reason = query.get("message") || query.get("error_msg");
    REDIRECT_PARAMS.forEach(function (name) { query.delete(name); });
    var rest = query.toString();
    window.history.replaceState(null, "", window.location.pathname + (rest ? "?" + rest : ""));
    if (failed) {
      show(messages.cancelled + (reason ? " (" + reason + ")" : ""));
      return;
    }
    certify(body);
  }

  button.addEventListener("click", start);
  resumeFromRedirect();
})();
