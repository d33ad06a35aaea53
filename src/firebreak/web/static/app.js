// firebreak UI: the phone menu, copy buttons for runbook commands, and pages that refresh
// themselves (the incident list's rows; the incident page's parts nobody is typing in).
// Hand-written, no dependencies. Every page works without it.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function copyText(text, button) {
    var done = function () {
      var old = button.textContent;
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = old; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { fallback(text); done(); });
    } else { fallback(text); done(); }
  }

  function fallback(text) {
    var area = document.createElement("textarea");
    area.value = text; area.setAttribute("readonly", "");
    area.style.position = "absolute"; area.style.left = "-9999px";
    document.body.appendChild(area); area.select();
    try { document.execCommand("copy"); } catch (e) { /* nothing more to try */ }
    document.body.removeChild(area);
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    var toggle = target.closest && target.closest("[data-menu-toggle]");
    if (toggle) {
      var bar = toggle.closest("[data-topbar]");
      var open = bar.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      return;
    }
    var button = target.closest && target.closest("button.copy");
    if (!button) { return; }
    var pre = button.parentElement.querySelector("pre");
    if (pre) { copyText(pre.textContent, button); }
  });

  function signedOut(regions) {
    var banner = document.querySelector("[data-signed-out]");
    if (banner) { banner.classList.remove("hidden"); }
    regions.forEach(function (r) { r.classList.add("stale"); });
  }

  function isSignedOut(response) {
    return response.status === 401 || (response.redirected && response.url.indexOf("/login") !== -1);
  }

  // A part of the page is left alone while the user works in it: a focused or edited field,
  // an open disclosure the new copy would close.
  function busy(region) {
    var active = document.activeElement;
    if (active && active !== document.body && region.contains(active) &&
        /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName)) { return true; }
    var fields = region.querySelectorAll("input, select, textarea");
    for (var i = 0; i < fields.length; i++) {
      var f = fields[i];
      if (f.type === "hidden") { continue; }
      if (f.type === "checkbox" || f.type === "radio") {
        if (f.checked !== f.defaultChecked) { return true; }
      } else if (f.tagName === "SELECT") {
        for (var j = 0; j < f.options.length; j++) {
          if (f.options[j].selected !== f.options[j].defaultSelected) { return true; }
        }
      } else if (f.value !== f.defaultValue) { return true; }
    }
    var details = region.querySelectorAll("details[open]");
    return details.length > 0;
  }

  function start(every, run) {
    var timer = setInterval(function () {
      if (document.hidden) { return; }
      run(function () { clearInterval(timer); });
    }, every);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var stamp = document.querySelector("[data-updated]");
    var mark = function (text, offline) {
      if (!stamp) { return; }
      stamp.textContent = text;
      stamp.classList.toggle("offline", !!offline);
    };

    // The incident list: fetch the rows again every few seconds, keeping the filters.
    var body = document.querySelector("[data-poll]");
    if (body) {
      start(parseInt(body.getAttribute("data-every") || "10", 10) * 1000, function (stop) {
        fetch(body.getAttribute("data-poll"), { credentials: "same-origin", headers: { "Accept": "text/html" } })
          .then(function (r) {
            if (isSignedOut(r)) { stop(); signedOut([body]); mark("signed out: not updating", true); return null; }
            if (!r.ok) { throw new Error(String(r.status)); }
            return r.text();
          })
          .then(function (html) {
            if (html === null) { return; }
            body.innerHTML = html;
            mark("updated " + new Date().toLocaleTimeString());
          })
          .catch(function () { mark("cannot reach the server: retrying", true); });
      });
    }

    // The incident page: fetch the page again and swap each [data-live] part nobody is using.
    var page = document.querySelector("[data-live-page]");
    if (page) {
      start(parseInt(page.getAttribute("data-every") || "5", 10) * 1000, function (stop) {
        fetch(window.location.pathname, { credentials: "same-origin", headers: { "Accept": "text/html" } })
          .then(function (r) {
            var regions = Array.prototype.slice.call(document.querySelectorAll("[data-live]"));
            if (isSignedOut(r)) { stop(); signedOut(regions); mark("signed out: not updating", true); return null; }
            if (!r.ok) { throw new Error(String(r.status)); }
            return r.text();
          })
          .then(function (html) {
            if (html === null) { return; }
            var fresh = new DOMParser().parseFromString(html, "text/html");
            document.querySelectorAll("[data-live]").forEach(function (old) {
              var next = fresh.getElementById(old.id);
              if (next && !busy(old) && next.innerHTML !== old.innerHTML) { old.innerHTML = next.innerHTML; }
            });
            mark("updated " + new Date().toLocaleTimeString());
          })
          .catch(function () { mark("cannot reach the server: retrying", true); });
      });
    }
  });
})();
