// An invitation link opens /join#token=...: the token stays in the URL fragment, so it never
// reaches server logs or a Referer header. Read it, wipe it from the address bar, post it.
(function () {
  "use strict";

  function open() {
    var form = document.getElementById("join-open");
    if (!form) {
      return;
    }
    var status = document.getElementById("join-status");
    var params = new URLSearchParams(window.location.hash.slice(1));
    var token = params.get("token");
    // The fragment must not stay in the address bar, the history or a bookmark.
    window.history.replaceState(null, "", window.location.pathname);
    if (!token) {
      status.textContent = "This invitation link is not complete. Copy the whole link from your "
        + "email, or ask for the invitation to be sent again.";
      return;
    }
    form.querySelector('input[name="token"]').value = token;
    form.submit();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", open);
  } else {
    open();
  }
})();
