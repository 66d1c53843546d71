// Moderation pages: the teacher's queue (live arrivals, one-click decisions, keyboard
// shortcuts, bulk approval), live notices on the reports and safeguarding pages, and the
// navigation counts. Every part only acts when its markup is present; without JavaScript the
// same forms post to the server and the pages work as plain HTML.
(function () {
  "use strict";

  const Exchange = window.Exchange || {};

  function ready(fn) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", fn);
    } else {
      fn();
    }
  }

  function live() {
    return window.io && Exchange.realtime ? Exchange.realtime() : null;
  }

  function announce(text) {
    if (Exchange.announce) Exchange.announce(text);
  }

  function plural(n, one, many) {
    return n === 1 ? one : many;
  }

  // ----- navigation counts ------------------------------------------------------------------
  // The server knows the counts; any event on the streams that change them makes us ask again.
  const counts = {
    url: "/api/v1/moderation/counts",
    timer: null,
    following: new Set(),
    listeners: [],
  };

  function setBadge(link, key, count) {
    let badge = link.querySelector('.badge[data-count="' + key + '"]');
    if (!count) {
      if (badge) badge.remove();
      return;
    }
    if (!badge) {
      badge = document.createElement("span");
      badge.className = "badge";
      badge.dataset.count = key;
      link.appendChild(document.createTextNode(" "));
      link.appendChild(badge);
    }
    badge.textContent = "";
    const open = document.createElement("span");
    open.className = "visually-hidden";
    open.textContent = "(";
    const close = document.createElement("span");
    close.className = "visually-hidden";
    close.textContent = " waiting)";
    badge.append(open, String(count), close);
  }

  function applyCounts(entries) {
    entries.forEach((entry) => {
      document.querySelectorAll(".site-nav a").forEach((link) => {
        if (link.getAttribute("href") === entry.url) setBadge(link, entry.key, entry.count);
      });
      // Plain counters elsewhere on the page (the home page's summary, the queue heading).
      document.querySelectorAll('[data-count="' + entry.key + '"]').forEach((el) => {
        if (!el.closest(".site-nav")) el.textContent = String(entry.count);
      });
    });
    counts.listeners.forEach((fn) => fn(entries));
  }

  async function refreshCounts() {
    if (!Exchange.api) return null;
    const answer = await Exchange.api("GET", counts.url);
    if (!answer.ok || !answer.body) return null;
    applyCounts(answer.body.entries || []);
    return answer.body;
  }

  function countsChanged() {
    window.clearTimeout(counts.timer);
    counts.timer = window.setTimeout(refreshCounts, 300);
  }

  async function navCounts() {
    const rt = live();
    if (!rt || !document.querySelector(".site-nav")) return;
    const body = await refreshCounts();
    if (!body) return;
    (body.streams || []).forEach((s) => {
      if (counts.following.has(s.stream)) return;
      counts.following.add(s.stream);
      rt.follow(s.stream, s.last_seq, countsChanged);
    });
  }

  // ----- the queue --------------------------------------------------------------------------
  function queuePage() {
    const queue = document.querySelector("[data-queue]");
    if (!queue) return;
    const rt = live();
    const decidedHere = new Set();
    const pendingFetch = new Set();
    const urls = {
      entry: queue.dataset.entryUrl,
      approve: queue.dataset.approveUrl,
      return: queue.dataset.returnUrl,
      bulk: queue.dataset.bulkUrl,
    };
    const countKey = queue.dataset.districtId ? "approvals" : "queue";

    function items() {
      return Array.from(queue.querySelectorAll("article.queue-item"));
    }

    function itemUrl(template, id) {
      return template.replace(/\/0(\/|$)/, "/" + id + "$1");
    }

    function current() {
      const active = document.activeElement;
      const inside = active && active.closest ? active.closest("article.queue-item") : null;
      return inside || queue.querySelector("article.queue-item.is-current");
    }

    function select(article) {
      items().forEach((a) => a.classList.toggle("is-current", a === article));
      if (article) {
        article.focus({ preventScroll: true });
        article.scrollIntoView({ block: "nearest", behavior: "smooth" });
      }
    }

    function move(step) {
      const all = items();
      if (!all.length) return;
      const here = all.indexOf(current());
      const next = here < 0 ? (step > 0 ? 0 : all.length - 1) : here + step;
      if (next >= 0 && next < all.length) select(all[next]);
    }

    function label(article) {
      return article.dataset.author + "'s " + article.dataset.kindLabel;
    }

    function showError(article, message) {
      const box = article.querySelector(".item-error");
      if (box) box.textContent = message;
    }

    function refreshEmpty() {
      const empty = queue.querySelector("[data-queue-empty]");
      if (empty) empty.hidden = items().length > 0;
      refreshBulk();
    }

    // Leave the list tidy: the next item takes the focus when the one in focus goes away.
    function removeItem(article) {
      const wasCurrent = article === current() || article.classList.contains("is-current");
      const all = items();
      const index = all.indexOf(article);
      article.remove();
      refreshEmpty();
      if (wasCurrent) {
        const rest = items();
        if (rest.length) {
          select(rest[Math.min(index, rest.length - 1)]);
        } else {
          const heading = document.querySelector("main h1");
          if (heading) {
            heading.setAttribute("tabindex", "-1");
            heading.focus();
          }
        }
      }
      countsChanged();
    }

    function remaining() {
      const n = items().length;
      return n + " " + plural(n, "item", "items") + " left.";
    }

    async function approve(article) {
      const id = article.dataset.itemId;
      if (article.dataset.consentWork === "false") {
        announce(label(article) + " cannot be approved: the family has not agreed to share work.");
        return;
      }
      const box = article.querySelector('input[name="photos_confirmed"]');
      if (box && !box.checked) {
        box.focus();
        showError(article, "Please tick “No pupil without photo consent is shown” first.");
        return;
      }
      article.classList.add("is-leaving");
      decidedHere.add(id);
      const answer = await Exchange.api("POST", itemUrl(urls.approve, id), {
        photos_confirmed: Boolean(box && box.checked),
      });
      article.classList.remove("is-leaving");
      if (!answer.ok) {
        decidedHere.delete(id);
        showError(article, (answer.body && answer.body.message) || "That did not work.");
        return;
      }
      const onward = answer.body.state === "pending" ? " It now waits for the next approval." : "";
      removeItem(article);
      announce("Approved " + label(article) + "." + onward + " " + remaining());
    }

    async function returnItem(article, form) {
      const id = article.dataset.itemId;
      const box = form.querySelector("textarea");
      decidedHere.add(id);
      const answer = await Exchange.api("POST", itemUrl(urls.return, id), {
        feedback: box.value,
      });
      if (!answer.ok) {
        decidedHere.delete(id);
        showError(article, (answer.body && answer.body.message) || "That did not work.");
        box.focus();
        return;
      }
      removeItem(article);
      announce("Returned " + label(article) + " with your feedback. " + remaining());
    }

    queue.addEventListener("submit", (event) => {
      const form = event.target;
      const article = form.closest("article.queue-item");
      if (!article || !Exchange.api) return;
      event.preventDefault();
      if (form.dataset.action === "approve") approve(article);
      if (form.dataset.action === "return") returnItem(article, form);
    });

    // Quick phrases add to the feedback box (they need JavaScript, so they start hidden).
    queue.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-phrase]");
      if (!button) return;
      const box = document.getElementById(button.dataset.target);
      if (!box) return;
      const phrase = button.dataset.phrase;
      box.value = box.value.trim() ? box.value.trim() + " " + phrase : phrase;
      box.focus();
    });
    // The page holds the phrases once; each item's details gets its own copy, aimed at its box.
    const phraseList = document.getElementById("quick-phrase-list");
    function showPhrases(root) {
      if (!phraseList) return;
      root.querySelectorAll(".quick-phrases").forEach((el) => {
        if (!el.querySelector("button[data-phrase]")) {
          const list = phraseList.content.cloneNode(true);
          list.querySelectorAll("button[data-phrase]").forEach((button) => {
            button.dataset.target = el.dataset.target;
          });
          el.appendChild(list);
        }
        el.hidden = false;
      });
    }
    showPhrases(queue);

    queue.addEventListener("focusin", (event) => {
      const article = event.target.closest("article.queue-item");
      if (article) items().forEach((a) => a.classList.toggle("is-current", a === article));
    });

    // Keyboard: j/k move, a approves, r goes to the feedback box. Never while typing.
    document.addEventListener("keydown", (event) => {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
      const target = event.target;
      const typing =
        target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName || "");
      if (event.key === "Escape" && typing && target.closest("article.queue-item")) {
        target.closest("article.queue-item").focus();
        return;
      }
      if (typing) return;
      const key = event.key;
      if (key === "j" || key === "k") {
        event.preventDefault();
        move(key === "j" ? 1 : -1);
      } else if (key === "a" || key === "r") {
        const article = current() || items()[0];
        if (!article) return;
        event.preventDefault();
        select(article);
        if (key === "a") {
          if (article.querySelector('form[data-action="approve"]')) approve(article);
        } else {
          const box = article.querySelector("textarea[name=feedback]");
          if (box) box.focus();
        }
      }
    });

    // Bulk approval of what the page shows as unflagged.
    const bulkForm = document.querySelector("[data-bulk-form]");
    function refreshBulk() {
      if (!bulkForm) return;
      const ids = items()
        .filter((a) => a.dataset.bulkOk === "true")
        .map((a) => a.dataset.itemId);
      const holder = bulkForm.querySelector("[data-bulk-ids]");
      holder.textContent = "";
      ids.forEach((id) => {
        const input = document.createElement("input");
        input.type = "hidden";
        input.name = "item_id";
        input.value = id;
        holder.appendChild(input);
      });
      bulkForm.querySelector("[data-bulk-count]").textContent = String(ids.length);
      bulkForm.querySelector("[data-bulk-words]").textContent = plural(ids.length, "item", "items");
      bulkForm.querySelector("[data-bulk-button]").disabled = ids.length === 0;
    }
    if (bulkForm) {
      bulkForm.addEventListener("submit", async (event) => {
        if (!Exchange.api) return;
        event.preventDefault();
        const ids = Array.from(bulkForm.querySelectorAll("input[name=item_id]")).map(Number);
        if (!ids.length) return;
        ids.forEach((id) => decidedHere.add(String(id)));
        const answer = await Exchange.api("POST", urls.bulk, { item_ids: ids });
        if (!answer.ok) {
          announce((answer.body && answer.body.message) || "That did not work.");
          return;
        }
        answer.body.approved.forEach((id) => {
          const article = document.getElementById("item-" + id);
          if (article) removeItem(article);
        });
        let text = "Approved " + answer.body.approved.length + " " +
          plural(answer.body.approved.length, "item", "items") + ".";
        if (answer.body.skipped.length) {
          text += " " + answer.body.skipped.length + " left for you to look at one by one.";
        }
        announce(text + " " + remaining());
      });
    }

    // Live: new items are fetched as server-rendered HTML; decided ones leave the list.
    async function arrive(id) {
      if (document.getElementById("item-" + id) || pendingFetch.has(id)) return;
      pendingFetch.add(id);
      const params = new URLSearchParams({ next: queue.dataset.here || "" });
      if (queue.dataset.districtId) params.set("district_id", queue.dataset.districtId);
      try {
        const response = await fetch(itemUrl(urls.entry, id) + "?" + params, {
          credentials: "same-origin",
          headers: { Accept: "text/html" },
        });
        if (!response.ok || document.getElementById("item-" + id)) return;
        const template = document.createElement("template");
        template.innerHTML = (await response.text()).trim();
        const article = template.content.querySelector("article.queue-item");
        if (!article) return;
        showPhrases(template.content);
        queue.appendChild(article);
        refreshEmpty();
        announce("New in the queue: " + label(article) + ".");
      } finally {
        pendingFetch.delete(id);
      }
    }

    function handle(message) {
      if (message.kind === "queue_item_added" && message.item) {
        arrive(String(message.item.id));
        countsChanged();
      } else if (message.kind === "queue_item_removed") {
        const id = String(message.item_id);
        const article = document.getElementById("item-" + id);
        if (article) {
          removeItem(article);
          if (!decidedHere.has(id)) {
            announce(label(article) + " was decided by someone else. " + remaining());
          }
        }
        countsChanged();
      }
    }

    counts.listeners.push((entries) => {
      const entry = entries.find((e) => e.key === countKey);
      if (!entry) return;
      const words = document.querySelector("[data-queue-total-words]");
      if (words) words.textContent = plural(entry.count, "item waits", "items wait");
    });

    if (rt) {
      const follow = JSON.parse(document.getElementById("queue-follow").textContent || "[]");
      follow.forEach((s) => rt.follow(s.stream, s.after, handle));
    }
  }

  // ----- pages that only need to know something changed ------------------------------------
  function followNotices() {
    const rt = live();
    if (!rt) return;
    document.querySelectorAll("[data-follow-stream]").forEach((el) => {
      const kinds = (el.dataset.followKinds || "").split(/\s+/);
      const notice = document.querySelector("[data-live-notice]");
      rt.follow(el.dataset.followStream, el.dataset.followAfter, (message) => {
        if (!kinds.includes(message.kind)) return;
        if (notice) notice.hidden = false;
        announce(el.dataset.followMessage || "Something changed: reload to see it.");
      });
    });
  }

  ready(() => {
    if (document.querySelector("[data-connection-status]") && Exchange.showConnection && live()) {
      Exchange.showConnection();
    }
    queuePage();
    followNotices();
    navCounts();
  });
})();
