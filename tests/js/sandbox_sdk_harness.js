// Runs the sandbox SDK stand-in (rendered, path in argv[2]) in node with a minimal window,
// plays the popup's answers and prints what the page would receive. Used by test_sandbox_sdk.py.
const fs = require("fs");
const src = fs.readFileSync(process.argv[2], "utf8");
const listeners = [];
let opened = null;
global.window = {
  location: { origin: "http://testserver", assign() {} },
  addEventListener(type, fn) { listeners.push(fn); },
  removeEventListener() {},
  setInterval() { return 1; }, clearInterval() {}, setTimeout(fn) { fn(); },
  open(url) { opened = url; return { closed: false }; },
};
global.navigator = { userAgent: "node" };
eval(src);
const out = {};
window.IMP.init("imp00000000");
window.IMP.certification({}, (rsp) => { out.v1_missing = rsp; });
(async () => {
  out.v2_missing = await window.PortOne.requestIdentityVerification({ identityVerificationId: "abc" });
  for (const [name, result] of Object.entries({
    failed: { identityVerificationId: "abc", identityVerificationTxId: "sandbox-x", code: "IDENTITY_VERIFICATION_FAILED", message: "no" },
    cancelled: { identityVerificationId: "abc", identityVerificationTxId: null, code: "IDENTITY_VERIFICATION_CANCELLED", message: "gave up" },
    done: { identityVerificationId: "abc", identityVerificationTxId: "sandbox-y" },
  })) {
    const pending = window.PortOne.requestIdentityVerification({ storeId: "store-1", identityVerificationId: "abc" });
    listeners[listeners.length - 1]({ origin: "http://testserver", data: { source: "portone-cert-sandbox", result } });
    out[name] = await pending;
  }
  out.opened = opened;
  console.log(JSON.stringify(out));
})();
