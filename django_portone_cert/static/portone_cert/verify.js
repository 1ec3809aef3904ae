/* django-portone-cert: the verify page. No framework, no build step.
 *
 * prepare/ -> IMP.certification / PortOne.requestIdentityVerification -> certifications/ -> next.
 * Only the ids go to the server; it re-reads the result from PortOne itself.
 *
 * Browsers let a page open a window only from the user's click. So on a PC the page prepares an
 * attempt ahead (on load, and again after one is used, failed or went stale) and the click calls
 * the SDK at once; the SDK opens PortOne's popup inside the click. Without a ready attempt, or
 * when the popup is blocked anyway, it runs in redirect mode, which needs no popup. Phones,
 * iPads (also in desktop mode) and in-app browsers always use redirect mode.
 *
 * The page shows only its own messages: a failure's code picks one of them, and no text that
 * PortOne's SDK or the address bar carries is ever put on the page. A redirect landing resumes
 * only the attempt this tab sent to PortOne (remembered before it left), never ids someone else
 * put in a link.
 *
 * V2: when the server says this requester's latest attempt is unfinished (config.resume), the
 * page first asks resume/ to finish it: the phone that completed in PASS and never came back.
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
  // In-app browsers (WebViews) block or mishandle popups: KakaoTalk, Naver, Instagram,
  // Facebook, Line, Daum, and any Android WebView ("; wv)").
  var IN_APP = /KAKAOTALK|NAVER\(inapp|Instagram|FBAN|FBAV|FB_IAB|\bLine\/|DaumApps|; wv\)/i;
  // An attempt counts as stale this long before the server's expiry.
  var EXPIRY_MARGIN_MS = 60 * 1000;
  // After a failed prepare/, wait this long before preparing ahead again.
  var RETRY_AFTER_MS = 15 * 1000;
  // sessionStorage key of the attempt this tab handed to PortOne (it survives the redirect).
  var SENT_KEY = "portone-cert:sent";
  // sessionStorage key of the attempt this tab prepared ahead and has not handed to PortOne:
  // PortOne has nothing for it, so opening the page again does not ask resume/ about it.
  var PREPARED_KEY = "portone-cert:prepared";

  function show(text, kind) {
    statusNode.textContent = text || "";
    statusNode.setAttribute("data-kind", kind || "error");
    statusNode.hidden = !text;
  }

  function messageFor(code, detail) {
    return messages[code] || detail || messages.error;
  }

  // A failure PortOne's SDK reported, in the page's own words: the messages the server sent
  // for PortOne's documented codes ("portone:<code>"), else the generic one.
  function failureMessage(code) {
    var key = "portone:" + code;
    var known = code && Object.prototype.hasOwnProperty.call(messages, key);
    return known ? messages[key] : messages.cancelled;
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
        return {
          ok: response.ok, status: response.status, code: data.code, detail: data.detail,
          data: data, date: response.headers.get("Date")
        };
      });
    }, function () {
      return { ok: false, status: 0, code: "network" };
    });
  }

  function certify(body) {
    // A page may add to the body (the guardian's page: the guardian's yes to its sentence).
    root.dispatchEvent(new CustomEvent("portone-cert:certify", { detail: body, bubbles: true }));
    busy(true);
    show(messages.checking, "info");
    return post(config.certifyUrl, body).then(function (result) {
      if (result.ok) {
        succeeded(result);
        return;
      }
      show(messageFor(result.code, result.detail));
      busy(false);
      prepareAhead();
    });
  }

  function succeeded(result) {
    show(messages.success, "success");
    // Pages that show the outcome themselves (account recovery, guardian consent) listen
    // for this event and set no `next`; the verify page goes on to `next`.
    root.dispatchEvent(new CustomEvent("portone-cert:done", { detail: result.data, bubbles: true }));
    if (config.next) window.location.assign(config.next);
  }

  // --- where the SDK may open a popup ---

  function isMobile() {
    var ua = navigator.userAgent;
    // iPadOS in desktop mode says "Macintosh"; only its touch screen gives it away.
    return /Mobi|Android|iPhone|iPad|iPod/i.test(ua) ||
      (/Macintosh/.test(ua) && navigator.maxTouchPoints > 1);
  }

  function redirectOnly() {
    return isMobile() || IN_APP.test(navigator.userAgent);
  }

  function redirectUrl() {
    var back = window.location.origin + window.location.pathname;
    return config.next ? back + "?next=" + encodeURIComponent(config.next) : back;
  }

  // --- the attempt this tab sent to PortOne, for the redirect landing ---

  function attemptId(attempt) {
    return attempt.api_version === "v2" ? attempt.identity_verification_id : attempt.merchant_uid;
  }

  function remember(key, value) {
    try {
      if (value === null) window.sessionStorage.removeItem(key);
      else window.sessionStorage.setItem(key, value);
    } catch (err) { /* no storage: at worst one needless resume/ */ }
  }

  function recall(key) {
    try {
      return window.sessionStorage.getItem(key);
    } catch (err) {
      return null;
    }
  }

  function rememberSent(attempt) {
    if (recall(PREPARED_KEY) === attemptId(attempt)) remember(PREPARED_KEY, null);
    try {
      window.sessionStorage.setItem(SENT_KEY, JSON.stringify({
        id: attemptId(attempt), path: window.location.pathname
      }));
    } catch (err) { /* no storage: a redirect landing cannot resume, the person verifies again */ }
  }

  // Whether `id` is the attempt this tab sent from this page; the memory is used once.
  function takeSent(id) {
    var sent = null;
    try {
      sent = JSON.parse(window.sessionStorage.getItem(SENT_KEY) || "null");
      window.sessionStorage.removeItem(SENT_KEY);
    } catch (err) {
      sent = null;
    }
    return !!(sent && id && sent.id === id && sent.path === window.location.pathname);
  }

  // --- attempts prepared ahead ---

  var ready = null;      // {attempt, staleAt, inClick}: the next click's attempt
  var pending = null;    // the prepare/ request under way
  var failedAt = 0;
  var running = false;   // an SDK call is under way
  var resuming = false;  // resume/ is under way: no new attempt may become the latest meanwhile

  function fresh() {
    return ready !== null && Date.now() < ready.staleAt;
  }

  // The attempt's life as the server counts it, so a wrong local clock does not matter.
  function staleAt(result, sentAt) {
    var expires = Date.parse(result.data.expires_at);
    var serverNow = result.date ? Date.parse(result.date) : NaN;
    var life = expires - (isNaN(serverNow) ? Date.now() : serverNow);
    return sentAt + (isNaN(life) ? 0 : life) - EXPIRY_MARGIN_MS;
  }

  function prepare() {
    if (!pending) {
      var sentAt = Date.now();
      pending = post(config.prepareUrl).then(function (result) {
        pending = null;
        if (result.ok) {
          ready = { attempt: result.data, staleAt: staleAt(result, sentAt), inClick: false };
          remember(PREPARED_KEY, attemptId(result.data));
        } else {
          failedAt = Date.now();
        }
        return result;
      });
    }
    return pending;
  }

  // One attempt ahead, only where a click may open a popup; each costs a throttled request.
  function prepareAhead() {
    if (redirectOnly() || running || resuming || pending || fresh()) return;
    if (failedAt && Date.now() - failedAt < RETRY_AFTER_MS) return;
    prepare();
  }

  function take() {
    var entry = ready;
    ready = null;
    return entry;
  }

  // --- one run of the SDK ---

  function start() {
    if (running || resuming) return;
    if (fresh() && (!redirectOnly() || ready.inClick)) {
      launch(take(), "popup");  // synchronously, inside the click
      return;
    }
    // No attempt ready (or a device without popups): prepare now and use redirect mode.
    busy(true);
    show(messages.starting, "info");
    if (!fresh()) ready = null;
    (ready ? Promise.resolve({ ok: true }) : prepare()).then(function (result) {
      if (!result.ok || !ready) {
        show(messageFor(result.code, result.detail));
        busy(false);
        return;
      }
      launch(take(), "redirect");
    });
  }

  // Watches the SDK's window.open until its first call: null there means a blocked popup.
  function watchOpen(onBlocked) {
    var realOpen = window.open;
    function watching() {
      restore();
      var opened = realOpen.apply(window, arguments);
      if (!opened) onBlocked();
      return opened;
    }
    function restore() {
      if (window.open === watching) window.open = realOpen;
    }
    window.open = watching;
    return restore;
  }

  function launch(entry, mode) {
    var attempt = entry.attempt;
    var v2 = attempt.api_version === "v2";
    if (!(v2 ? window.PortOne : window.IMP)) {
      show(messages.network);
      busy(false);
      ready = null;
      return;
    }
    running = true;
    busy(true);
    show(messages.starting, "info");
    var over = false;
    var stopWatching = watchOpen(function () {
      if (over) return;
      over = true;  // whatever the SDK answers about its blocked window is not the result
      window.setTimeout(function () {
        running = false;
        if (mode === "popup") {
          // The provider never opened: the same attempt goes on in redirect mode.
          launch(entry, "redirect");
          return;
        }
        // Redirect mode still wanted a popup (PortOne forces V1's on PCs): keep the attempt
        // for the next click, which calls the SDK from the click itself.
        ready = { attempt: attempt, staleAt: entry.staleAt, inClick: true };
        show(messages.popup_blocked);
        busy(false);
      }, 0);
    });
    function end(failureCode, body) {
      stopWatching();
      if (over) return;
      over = true;
      running = false;
      takeSent(null);  // answered here: no redirect will land
      if (body) {
        certify(body);
        return;
      }
      show(failureMessage(failureCode));
      busy(false);
      prepareAhead();
    }
    // Before the SDK may leave the page (redirect mode; some V2 providers even from a popup).
    rememberSent(attempt);
    try {
      if (v2) runV2(attempt, mode, end);
      else runV1(attempt, mode, end);
    } catch (err) {
      window.setTimeout(function () { end(null, null); }, 0);
    }
  }

  function runV1(attempt, mode, end) {
    var params = { merchant_uid: attempt.merchant_uid };
    if (attempt.channel_key) params.channelKey = attempt.channel_key;
    else if (attempt.pg) params.pg = attempt.pg;
    if (config.company) params.company = config.company;
    if (mode === "redirect") {
      params.popup = false;
      params.m_redirect_url = redirectUrl();
    } else {
      params.popup = true;
    }
    window.IMP.init(attempt.imp_code);
    window.IMP.certification(params, function (rsp) {
      // A WebView bridge may answer success as the string "false": only true succeeds.
      if (!rsp || (rsp.success !== true && rsp.success !== "true")) {
        end(rsp && rsp.error_code, null);
        return;
      }
      end(null, { imp_uid: rsp.imp_uid, merchant_uid: rsp.merchant_uid || attempt.merchant_uid });
    });
  }

  // PortOne V2: a result with `code` is a failure.
  function runV2(attempt, mode, end) {
    var request = {
      storeId: attempt.store_id,
      identityVerificationId: attempt.identity_verification_id,
      channelKey: attempt.channel_key,
      // Always: some providers come back by redirect even on a PC.
      redirectUrl: redirectUrl()
    };
    // CPTITLE is Danal's key; PortOne hands each provider only its own entry of `bypass`.
    if (config.company) request.bypass = { danal: { CPTITLE: config.company } };
    if (mode === "redirect") request.windowType = { pc: "REDIRECTION", mobile: "REDIRECTION" };
    window.PortOne.requestIdentityVerification(request).then(function (result) {
      if (!result || result.code) {
        end(result && result.code, null);
        return;
      }
      end(null, { identity_verification_id: result.identityVerificationId || attempt.identity_verification_id });
    }, function () {
      end(null, null);
    });
  }

  // Redirect mode lands here: V1 with ?imp_uid=…&merchant_uid=…&success=true|false,
  // V2 with ?identityVerificationId=…(&code=…&message=… on failure). Anyone can write such an
  // address: only the attempt this tab sent goes on, and only a code is read of a failure.
  function resumeFromRedirect() {
    var query = new URLSearchParams(window.location.search);
    var v1 = query.has("imp_uid") && query.has("merchant_uid");
    var v2 = query.has("identityVerificationId");
    if (!v1 && !v2) return false;
    var id = v2 ? query.get("identityVerificationId") : query.get("merchant_uid");
    var body = v2
      ? { identity_verification_id: id }
      : { imp_uid: query.get("imp_uid"), merchant_uid: id };
    var success = query.get("success") || query.get("imp_success");
    var failed = v2 ? query.has("code") : success !== null && success !== "true";
    var code = v2 ? query.get("code") : query.get("error_code");
    REDIRECT_PARAMS.forEach(function (name) { query.delete(name); });
    var rest = query.toString();
    window.history.replaceState(null, "", window.location.pathname + (rest ? "?" + rest : ""));
    if (!takeSent(id)) {
      show(messages.not_sent_here);
      prepareAhead();
      return true;
    }
    if (failed) {
      show(failureMessage(code));
      prepareAhead();
      return true;
    }
    certify(body);
    return true;
  }

  // The server's word that this requester's latest V2 attempt may be finished at PortOne.
  // resume/ re-reads it under every rule of certifications/; any refusal leaves the page as
  // if freshly opened.
  function resumeOnOpen() {
    var resume = config.resume;
    if (!resume || !resume.url || recall(PREPARED_KEY) === resume.attempt) return false;
    resuming = true;
    busy(true);
    show(messages.checking, "info");
    post(resume.url).then(function (result) {
      resuming = false;
      if (result.ok) {
        succeeded(result);
        return;
      }
      show("");
      busy(false);
      prepareAhead();
    });
    return true;
  }

  button.addEventListener("click", start);
  // A stale attempt is replaced as soon as the visitor shows interest again.
  button.addEventListener("pointerenter", prepareAhead);
  button.addEventListener("focus", prepareAhead);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") prepareAhead();
  });
  if (!resumeFromRedirect() && !resumeOnOpen()) prepareAhead();
})();
