/* django-portone-cert: the account recovery page (아이디 찾기 / 비밀번호 재설정).
 *
 * verify.js runs the verification against recovery/prepare/ and recovery/certifications/ and,
 * with no `next`, stays on the page and dispatches `portone-cert:done` with the answer:
 * {"accounts": [{"username", "date_joined", "password_reset_url"}]}. This script lists them;
 * an account without a link (staff, no usable password) gets a line saying to contact the site.
 * Text only (textContent), never HTML from the answer.
 */
(function () {
  "use strict";

  var root = document.getElementById("portone-cert");
  var configNode = document.getElementById("portone-cert-config");
  if (!root || !configNode) return;
  var messages = JSON.parse(configNode.textContent).messages || {};
  var box = root.querySelector("[data-portone-cert-accounts]");
  var title = root.querySelector("[data-portone-cert-accounts-title]");
  var list = root.querySelector("[data-portone-cert-accounts-list]");
  var button = root.querySelector("[data-portone-cert-start]");

  function joined(value) {
    if (!value) return "";
    var when = new Date(value);
    if (isNaN(when.getTime())) return "";
    // The date as the site's visitors read it: YYYY-MM-DD in their own time zone.
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return when.getFullYear() + "-" + pad(when.getMonth() + 1) + "-" + pad(when.getDate());
  }

  root.addEventListener("portone-cert:done", function (event) {
    var accounts = (event.detail && event.detail.accounts) || [];
    while (list.firstChild) list.removeChild(list.firstChild);
    title.textContent = accounts.length ? messages.accounts_found : messages.no_accounts;
    accounts.forEach(function (account) {
      var item = document.createElement("li");
      item.setAttribute("data-portone-cert-account", "");
      var name = document.createElement("strong");
      name.textContent = account.username;
      item.appendChild(name);
      var date = joined(account.date_joined);
      if (date) item.appendChild(document.createTextNode(" (" + messages.joined + " " + date + ")"));
      if (account.password_reset_url) {
        item.appendChild(document.createTextNode(" "));
        var link = document.createElement("a");
        link.href = account.password_reset_url;
        link.textContent = messages.reset_password;
        link.setAttribute("data-portone-cert-reset", "");
        item.appendChild(link);
      } else {
        // Staff, an account without a usable password, or no reset view: never said which.
        var note = document.createElement("span");
        note.className = "portone-cert__small";
        note.textContent = " " + messages.no_reset_link;
        note.setAttribute("data-portone-cert-no-reset", "");
        item.appendChild(note);
      }
      list.appendChild(item);
    });
    box.hidden = false;
    // The result is used: a new recovery starts from a fresh page.
    if (button) button.hidden = true;
  });
})();
