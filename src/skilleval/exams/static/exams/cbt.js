// The computer-based exam page: the server's countdown, autosave bookkeeping (a version
// number per item, sent with every htmx save), the connection indicator with retries,
// and hand-in (by the candidate after a confirmation, or automatically at time-out).
(function () {
  "use strict";

  var timer = document.getElementById("cbt-timer");
  var state = document.getElementById("cbt-save-state");
  var submitForm = document.getElementById("cbt-submit");
  if (!timer || !state || !submitForm) {
    return;
  }
  var RETRY_MS = 3000;
  var inFlight = 0;
  var failed = new Set(); // forms whose latest save did not reach the server
  var waiters = [];
  var submitting = false;

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function clock(date) { return pad(date.getHours()) + ":" + pad(date.getMinutes()) + ":" + pad(date.getSeconds()); }
  function setState(kind, text) { state.dataset.state = kind; state.textContent = text; }
  // The words come from the page (translated on the server): data-* on the indicator.
  function say(key, values) {
    var text = state.dataset[key] || "";
    Object.keys(values || {}).forEach(function (name) { text = text.replace("{" + name + "}", values[name]); });
    return text;
  }
  function isAnswer(el) { return el && el.classList && el.classList.contains("cbt-answer"); }

  function settled() { return inFlight === 0 && failed.size === 0; }
  function release() {
    if (!settled()) { return; }
    var list = waiters; waiters = [];
    list.forEach(function (fn) { fn(); });
  }
  // Run `done` once every save has reached the server, or after `maxWait` ms at most.
  function flush(done, maxWait) {
    var called = false;
    function once() { if (!called) { called = true; done(); } }
    failed.forEach(function (form) { htmx.trigger(form, "cbt-retry"); });
    if (settled()) { once(); return; }
    waiters.push(once);
    window.setTimeout(once, maxWait);
  }

  function answered(form) {
    var kind = form.dataset.kind;
    if (kind === "short") {
      var text = form.querySelector("textarea");
      return !!(text && text.value.trim());
    }
    return !!form.querySelector("input[name=response]:checked");
  }
  function updateProgress(form) {
    var total = document.getElementById("cbt-answered");
    var strip = document.getElementById("strip-" + form.querySelector("input[name=paper_item]").value);
    if (strip && !strip.classList.contains("btn-primary")) {
      strip.classList.toggle("btn-outline-primary", answered(form));
      strip.classList.toggle("btn-outline-secondary", !answered(form));
    }
    if (total) {
      var done = 0;
      document.querySelectorAll("form.cbt-answer").forEach(function (f) { if (answered(f)) { done++; } });
      total.dataset.answered = String(done);
      if (!document.querySelector(".cbt-strip")) { total.textContent = say("answered", {n: done}); }
    }
  }

  // Each save carries the next version of its item; the server keeps only newer ones.
  document.body.addEventListener("htmx:configRequest", function (event) {
    var form = event.detail.elt;
    if (!isAnswer(form)) { return; }
    var version = parseInt(form.dataset.version || "0", 10) + 1;
    form.dataset.version = String(version);
    event.detail.parameters["version"] = String(version);
  });
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    if (!isAnswer(event.detail.elt)) { return; }
    inFlight++;
    if (state.dataset.state !== "lost") { setState("saving", say("saving")); }
  });
  document.body.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (!isAnswer(form)) { return; }
    inFlight = Math.max(0, inFlight - 1);
    var xhr = event.detail.xhr;
    var status = xhr ? xhr.status : 0;
    if (event.detail.successful) {
      failed.delete(form);
      updateProgress(form);
      if (failed.size === 0) { setState("ok", say("saved", {t: clock(new Date())})); }
    } else if (status === 0 || status >= 500) {
      // Connection lost or server trouble: keep the answer on the page and try again.
      failed.add(form);
      setState("lost", say("lost"));
      window.setTimeout(function () { if (failed.has(form)) { htmx.trigger(form, "cbt-retry"); } }, RETRY_MS);
    } else {
      failed.delete(form);
      var target = form.querySelector(".cbt-item-state");
      if (target && xhr.responseText) { target.innerHTML = xhr.responseText; }
      setState("error", say(status === 404 ? "missing" : "refused"));
    }
    release();
  });

  document.addEventListener("submit", function (event) {
    if (isAnswer(event.target)) { event.preventDefault(); }
  });

  // One item at a time: finish pending saves before moving on.
  document.querySelectorAll("a.cbt-nav").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (settled()) { return; }
      event.preventDefault();
      flush(function () { window.location.href = link.href; }, 3000);
    });
  });

  function handIn(automatic) {
    if (submitting) { return; }
    submitting = true;
    submitForm.querySelector("input[name=auto]").value = automatic ? "1" : "0";
    setState(state.dataset.state === "lost" ? "lost" : "saving", say(automatic ? "timeUp" : "handingIn"));
    flush(function () { HTMLFormElement.prototype.submit.call(submitForm); }, automatic ? 5000 : 8000);
  }

  submitForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var open = 0;
    document.querySelectorAll("form.cbt-answer").forEach(function (f) { if (!answered(f)) { open++; } });
    var text = submitForm.dataset.confirmText;
    if (open && document.querySelectorAll("form.cbt-answer").length === parseInt(
      (document.getElementById("cbt-answered") || {dataset: {}}).dataset.total || "-1", 10)) {
      text = submitForm.dataset.unansweredText.replace("{n}", open) + text;
    }
    if (window.confirm(text)) { handIn(false); }
  });

  // The countdown starts from the seconds the server gave with this page.
  var remaining = parseInt(timer.dataset.remaining || "0", 10);
  var loadedAt = window.performance.now();
  function show(seconds) {
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    timer.textContent = (h ? h + ":" + pad(m) : pad(m)) + ":" + pad(s);
    timer.classList.toggle("cbt-low", seconds <= 300);
  }
  function tick() {
    var left = Math.max(0, remaining - Math.floor((window.performance.now() - loadedAt) / 1000));
    show(left);
    if (left <= 0) { handIn(true); return; }
    window.setTimeout(tick, 250);
  }
  tick();
})();
