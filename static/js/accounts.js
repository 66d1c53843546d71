// Accounts pages: login-card sign-in, copy and print buttons, confirmations before destructive posts.
// Loaded on every page (deferred); each part only acts when its markup is present.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function announce(text) {
    var region = document.getElementById("live-announcer");
    if (region) {
      region.textContent = "";
      window.setTimeout(function () { region.textContent = text; }, 50);
    }
  }

  // A login card's QR code opens /card#token=...: the token stays in the fragment, so it never
  // reaches server logs or a Referer header. Read it, wipe it from the address bar, post it.
  function cardSignIn() {
    var box = document.getElementById("card-sign-in");
    if (!box) { return; }
    var status = document.getElementById("card-status");
    var params = new URLSearchParams(window.location.hash.replace(/^#/, ""));
    var token = params.get("token");
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", window.location.pathname);
    }
    if (!token) {
      status.textContent = "This login card link is not complete. Scan the card again, or sign in with your class code.";
      return;
    }
    fetch(box.getAttribute("data-endpoint"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ token: token })
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (response.ok) {
          status.textContent = "Hello " + (body.user && body.user.display_name ? body.user.display_name : "") + "! Opening your page…";
          window.location.replace(box.getAttribute("data-home"));
        } else {
          status.textContent = body.message || "This login card did not work. Ask your teacher.";
        }
      });
    }).catch(function () {
      status.textContent = "Could not reach the server. Check the tablet's connection and scan again.";
    });
  }

  function copyButtons() {
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var source = document.querySelector(button.getAttribute("data-copy"));
        if (!source) { return; }
        source.select();
        var done = function () { announce("Link copied."); button.textContent = "Copied"; };
        if (navigator.clipboard && navigator.clipboard.writeText) {
          navigator.clipboard.writeText(source.value).then(done, function () { document.execCommand("copy"); done(); });
        } else {
          document.execCommand("copy");
          done();
        }
      });
    });
  }

  function printButtons() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  }

  function confirmations() {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) {
          event.preventDefault();
        }
      });
    });
  }

  function start() {
    cardSignIn();
    copyButtons();
    printButtons();
    confirmations();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
