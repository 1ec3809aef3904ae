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
  var REDIRECT_PARAMS = ["imp_uid", "merchant_uid", "success", "imp_success", "error_code", "error_msg"];

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

  function certify(impUid, merchantUid) {
    busy(true);
    show(messages.checking, "info");
    return post(config.certifyUrl, { imp_uid: impUid, merchant_uid: merchantUid }).then(function (result) {
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
      var params = { merchant_uid: attempt.merchant_uid };
      if (attempt.channel_key) params.channelKey = attempt.channel_key;
      else if (attempt.pg) params.pg = attempt.pg;
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
        certify(rsp.imp_uid, rsp.merchant_uid || attempt.merchant_uid);
      });
    });
  }

  // Mobile redirect mode lands here with ?imp_uid=…&merchant_uid=…&success=true|false.
  function resumeFromRedirect() {
    var query = new URLSearchParams(window.location.search);
    if (!query.has("imp_uid") || !query.has("merchant_uid")) return;
    var impUid = query.get("imp_uid");
    var merchantUid = query.get("merchant_uid");
    var success = query.get("success") || query.get("imp_success");
    REDIRECT_PARAMS.forEach(function (name) { query.delete(name); });
    var rest = query.toString();
    window.history.replaceState(null, "", window.location.pathname + (rest ? "?" + rest : ""));
    if (success === "false") {
      show(messages.cancelled);
      return;
    }
    certify(impUid, merchantUid);
  }

  button.addEventListener("click", start);
  resumeFromRedirect();
})();
