// firebreak UI: copy buttons for runbook commands, and the incident list that refreshes itself.
// Hand-written, no dependencies. Pages work without it.
(function () {
  "use strict";

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
    var button = event.target.closest && event.target.closest("button.copy");
    if (!button) { return; }
    var pre = button.parentElement.querySelector("pre");
    if (pre) { copyText(pre.textContent, button); }
  });

  // The incident list: fetch the rows again every few seconds, keeping the filters.
  var body = document.querySelector("[data-poll]");
  if (body) {
    var every = parseInt(body.getAttribute("data-every") || "10", 10) * 1000;
    var stamp = document.querySelector("[data-updated]");
    var refresh = function () {
      if (document.hidden) { return; }
      fetch(body.getAttribute("data-poll"), { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.text(); })
        .then(function (html) {
          body.innerHTML = html;
          if (stamp) { stamp.textContent = "updated " + new Date().toLocaleTimeString(); }
        })
        .catch(function () { if (stamp) { stamp.textContent = "offline: retrying"; } });
    };
    setInterval(refresh, every);
  }
})();
