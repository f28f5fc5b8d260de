// The certificate verification page: checks the signed token after "#" in the browser.
// The token never leaves the browser; the page compares it with the record the server
// showed and verifies the platform's Ed25519 signature with the published public keys.
(function () {
  "use strict";
  var FIELDS = ["v", "kid", "number", "revision", "name", "id_type", "id_masked", "occupation_code", "occupation",
                "work_type", "level", "issued_on", "evaluation_organisation", "issuing_organisation"];
  var LABELS = {number: "证书编号", name: "姓名", id_type: "证件类型", id_masked: "证件号码", occupation_code: "职业编码",
                occupation: "职业", work_type: "工种", level: "等级", issued_on: "发证日期",
                evaluation_organisation: "评价机构", issuing_organisation: "发证机构"};
  var TAG = "skilleval-certificate-v1\n";

  function b64(text) {
    var s = text.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) { s += "="; }
    var raw = atob(s), bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return bytes;
  }

  function line(box, text, kind) {
    var p = document.createElement("p");
    p.className = "mb-1 " + (kind === "ok" ? "text-success" : kind === "bad" ? "text-danger fw-bold" : "text-muted");
    p.setAttribute("data-check", kind);
    p.textContent = text;
    box.appendChild(p);
  }

  function run() {
    var box = document.getElementById("token-check");
    var token = decodeURIComponent((window.location.hash || "").replace(/^#/, ""));
    if (!box || !token) { return; }
    document.getElementById("token-none").remove();
    var keys = JSON.parse(document.getElementById("platform-keys").textContent);
    var record = JSON.parse(document.getElementById("certificate-record").textContent);
    var parts = token.split("."), payloadBytes, fields = {};
    try {
      if (parts.length !== 2) { throw new Error("parts"); }
      payloadBytes = b64(parts[0]);
      var values = JSON.parse(new TextDecoder("utf-8", {fatal: true}).decode(payloadBytes));
      if (!Array.isArray(values) || values[0] !== 1 || values.length !== FIELDS.length) { throw new Error("version"); }
      FIELDS.forEach(function (name, i) { fields[name] = values[i]; });
    } catch (e) {
      line(box, "二维码内容已损坏或不是本平台的证书二维码，核验失败。", "bad");
      return;
    }
    var mismatched = [];
    Object.keys(LABELS).forEach(function (name) {
      if (String(fields[name]) !== String(record[name])) { mismatched.push(LABELS[name]); }
    });
    if (fields.number !== record.number) {
      line(box, "二维码中的证书编号与本页证书不一致，核验失败。", "bad");
    } else if (fields.revision < record.revision) {
      line(box, "此二维码属于已作废的第 " + fields.revision + " 版证书：该证书已补发，现行为第 " + record.revision + " 版。", "bad");
    } else if (mismatched.length) {
      line(box, "二维码内容与登记信息不一致：" + mismatched.join("、") + "。", "bad");
    } else {
      line(box, "二维码内容与登记信息一致。", "ok");
    }
    var key = keys[fields.kid];
    if (!key) {
      line(box, "签名密钥“" + String(fields.kid).slice(0, 20) + "”不是平台公布的密钥，签名无效。", "bad");
      return;
    }
    if (!window.crypto || !window.crypto.subtle) {
      line(box, "本浏览器不支持离线验签；可使用平台公钥和 certificate_verify 命令核验。", "info");
      return;
    }
    var tag = new TextEncoder().encode(TAG), data = new Uint8Array(tag.length + payloadBytes.length);
    data.set(tag, 0);
    data.set(payloadBytes, tag.length);
    var signature;
    try { signature = b64(parts[1]); } catch (e) { line(box, "签名无效：二维码内容被改动或不是本平台签发。", "bad"); return; }
    window.crypto.subtle.importKey("raw", b64(key), {name: "Ed25519"}, false, ["verify"])
      .then(function (publicKey) { return window.crypto.subtle.verify({name: "Ed25519"}, publicKey, signature, data); })
      .then(function (ok) {
        if (ok) { line(box, "平台签名有效（密钥 " + fields.kid + "）。", "ok"); }
        else { line(box, "签名无效：二维码内容被改动或不是本平台签发。", "bad"); }
      })
      .catch(function () { line(box, "本浏览器不支持 Ed25519 验签；可使用平台公钥和 certificate_verify 命令核验。", "info"); });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", run); } else { run(); }
  window.addEventListener("hashchange", function () { window.location.reload(); });
})();
