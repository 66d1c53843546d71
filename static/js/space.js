// The shared space: live arrivals and removals, reactions and comments without a reload, and a
// composer that uploads pictures as soon as they are chosen (a refused file is named at once and
// nothing typed is lost). Without JavaScript every form posts to the server and the page works.
//
// Cards are rendered by the server (GET /posts/<id>/card, /comments/<id>/card) so there is one
// renderer, and what a viewer may do with an item is decided there, never here.
(function () {
  "use strict";

  const Exchange = window.Exchange || {};
  const MAX_BYTES = 15 * 1024 * 1024;
  const MAX_PICTURES = 6;

  function ready(fn) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", fn);
    } else {
      fn();
    }
  }

  function announce(text) {
    if (Exchange.announce) Exchange.announce(text);
  }

  function plural(n, one, many) {
    return n + " " + (n === 1 ? one : many);
  }

  // A server-rendered fragment as an element (null when the viewer may not see it any more).
  async function fragment(url) {
    const response = await fetch(url, {
      credentials: "same-origin",
      headers: { Accept: "text/html" },
    });
    if (!response.ok) return null;
    const holder = document.createElement("template");
    holder.innerHTML = (await response.text()).trim();
    return holder.content.firstElementChild;
  }

  async function refreshSection(section) {
    if (!section || !section.dataset.fragment) return;
    const response = await fetch(section.dataset.fragment, {
      credentials: "same-origin",
      headers: { Accept: "text/html" },
    });
    if (!response.ok) return;
    const body = section.querySelector(".fragment-body");
    if (body) body.innerHTML = await response.text();
  }

  // ----- posts and comments arriving and leaving ------------------------------------------

  function recount(root, post) {
    if (!post) return;
    const count = post.querySelectorAll(".comment-list .comment").length;
    const label = post.querySelector(".comment-count");
    if (label) label.textContent = "(" + count + ")";
  }

  function updateEmpty(list) {
    const column = list && list.closest(".space-column");
    if (!column) return;
    const empty = column.querySelector(".empty");
    if (empty) empty.hidden = list.children.length > 0;
  }

  // Remove an element without leaving keyboard focus nowhere.
  function removeKeepingFocus(element, fallback) {
    const hadFocus = element.contains(document.activeElement);
    element.remove();
    if (hadFocus && fallback) {
      if (!fallback.hasAttribute("tabindex")) fallback.setAttribute("tabindex", "-1");
      fallback.focus();
    }
  }

  async function showPost(root, message) {
    const question = root.dataset.question;
    if (root.dataset.paged === "true") return; // older pages only show what was there
    if (question && !(message.questions || []).some((q) => q.key === question)) return;
    const list = root.querySelector('ol.posts[data-class-id="' + message.class_id + '"]');
    if (!list) return;
    const card = await fragment("/posts/" + message.post_id + "/card");
    if (!card) return;
    const existing = root.querySelector('.post-slot[data-item-id="' + message.item_id + '"]');
    if (existing) {
      existing.replaceWith(card);
    } else {
      list.prepend(card);
      card.classList.add("arrived");
    }
    updateEmpty(list);
    announce("New post from " + message.author + ", " + message.class_label + ": " + message.title);
  }

  async function showComment(root, message, quiet) {
    const post = root.querySelector("#post-" + message.post_id);
    if (!post) return;
    const card = await fragment("/comments/" + message.comment_id + "/card");
    if (!card) return;
    const existing = post.querySelector('.comment[data-item-id="' + message.item_id + '"]');
    if (existing) {
      existing.replaceWith(card);
    } else {
      const list = message.parent_id
        ? post.querySelector('ol.replies[data-parent-id="' + message.parent_id + '"]')
        : post.querySelector("ol.comment-list");
      if (!list) return;
      list.append(card);
      card.classList.add("arrived");
    }
    recount(root, post);
    if (!quiet) {
      const title = post.querySelector("h3");
      announce(
        "New comment from " + message.author + (title ? " on " + title.textContent : "")
      );
    }
  }

  async function removeItem(root, message) {
    const slot = root.querySelector('.post-slot[data-item-id="' + message.item_id + '"]');
    const comment = root.querySelector('.comment[data-item-id="' + message.item_id + '"]');
    if (slot) {
      // Teachers of the author's class keep seeing a hidden post (marked hidden).
      const card = message.reason === "hidden"
        ? await fragment("/posts/" + slot.querySelector("article").dataset.postId + "/card")
        : null;
      const list = slot.parentElement;
      if (card) {
        slot.replaceWith(card);
      } else {
        removeKeepingFocus(slot, list && list.closest(".space-column").querySelector("h2"));
        updateEmpty(list);
        announce(message.reason === "edited" ? "A post is being changed." : "A post was taken away.");
      }
    } else if (comment) {
      const post = comment.closest("article.post");
      const card = await fragment("/comments/" + comment.dataset.commentId + "/card");
      if (card) {
        comment.replaceWith(card);
      } else {
        removeKeepingFocus(comment, post && post.querySelector(".comments h4"));
        announce("A comment was taken away.");
      }
      recount(root, post);
    }
  }

  // ----- reactions ---------------------------------------------------------------------------

  function applyCounts(bar, counts) {
    if (!bar) return;
    bar.querySelectorAll("[data-reaction]").forEach((button) => {
      const count = counts[button.dataset.reaction] || 0;
      button.dataset.count = String(count);
      const label = button.querySelector(".count");
      if (label) {
        label.textContent = count ? String(count) : "";
        label.dataset.count = String(count);
      }
    });
  }

  function reactionBar(root, itemId) {
    return root.querySelector('.reactions[data-item-id="' + itemId + '"]');
  }

  async function react(form, button) {
    if (button.getAttribute("aria-disabled") === "true") return;
    const pressed = button.getAttribute("aria-pressed") === "true";
    button.setAttribute("aria-disabled", "true");
    const answer = await Exchange.api(
      pressed ? "DELETE" : "PUT",
      form.dataset.api + button.dataset.reaction
    );
    button.removeAttribute("aria-disabled");
    if (!answer.ok) {
      announce((answer.body && answer.body.message) || "That did not work. Please try again.");
      return;
    }
    applyCounts(form, answer.body.counts);
    form.querySelectorAll("button[data-reaction]").forEach((b) => {
      b.setAttribute("aria-pressed", answer.body.mine.indexOf(b.dataset.reaction) >= 0 ? "true" : "false");
    });
  }

  // ----- comments ----------------------------------------------------------------------------

  async function sendComment(root, form) {
    const field = form.elements.text;
    const error = form.querySelector(".error");
    const button = form.querySelector('button[type="submit"]');
    if (button.getAttribute("aria-disabled") === "true") return;
    const body = { text: field.value, client_id: form.elements.client_id.value };
    if (form.elements.parent_id) body.parent_id = Number(form.elements.parent_id.value);
    button.setAttribute("aria-disabled", "true");
    const answer = await Exchange.api("POST", form.dataset.api, body);
    button.removeAttribute("aria-disabled");
    if (!answer.ok) {
      const message = (answer.body && answer.body.message) || "The comment was not sent. Please try again.";
      error.textContent = message;
      field.setAttribute("aria-invalid", "true");
      return;
    }
    error.textContent = "";
    field.removeAttribute("aria-invalid");
    field.value = "";
    form.elements.client_id.value = Exchange.newClientId ? Exchange.newClientId() : String(Date.now());
    await showComment(root, answer.body, true);
    announce(
      answer.body.state === "approved"
        ? "Comment shared."
        : "Comment sent to your teacher. It will appear for the partner class when they approve it."
    );
  }

  // ----- the composer: pictures are uploaded as soon as they are chosen ----------------------

  function pictureCount(form) {
    const staying = form.querySelectorAll('.picture-list.existing input[name="remove_images"]:not(:checked)');
    const kept = form.querySelectorAll('.picture-list.staged input[name="keep_images"]:checked');
    return staying.length + kept.length;
  }

  function addError(list, text) {
    const item = document.createElement("li");
    item.textContent = text;
    list.append(item);
  }

  function addStaged(list, picture) {
    const item = document.createElement("li");
    item.dataset.imageId = String(picture.id);
    const image = document.createElement("img");
    image.src = picture.thumb_url;
    image.alt = "A picture you added";
    image.width = picture.thumb_width;
    image.height = picture.thumb_height;
    const label = document.createElement("label");
    label.className = "checkbox";
    const keep = document.createElement("input");
    keep.type = "checkbox";
    keep.name = "keep_images";
    keep.value = String(picture.id);
    keep.checked = true;
    label.append(keep, " Keep this picture");
    item.append(image, label);
    list.append(item);
  }

  function initComposer(form) {
    const input = form.querySelector('input[type="file"][name="images"]');
    const staged = form.querySelector(".picture-list.staged");
    const status = form.querySelector(".upload-status");
    const errors = form.querySelector(".upload-errors");
    const send = form.querySelector(".send-button");
    if (!input || !staged || !form.dataset.stageUrl) return;
    let busy = 0;

    input.addEventListener("change", async () => {
      const files = Array.from(input.files || []);
      if (!files.length) return;
      errors.textContent = "";
      let room = MAX_PICTURES - pictureCount(form);
      const body = new FormData();
      let chosen = 0;
      files.forEach((file) => {
        if (file.size > MAX_BYTES) {
          addError(errors, "“" + file.name + "” was not added: it is " +
            (file.size / 1024 / 1024).toFixed(1) + " MB; a picture can be at most 15 MB.");
        } else if (room <= 0) {
          addError(errors, "“" + file.name + "” was not added: a post can have at most 6 pictures.");
        } else {
          body.append("images", file, file.name);
          chosen += 1;
          room -= 1;
        }
      });
      // The chosen files are uploaded now; the form must not send them a second time.
      input.value = "";
      if (!chosen) return;
      busy += 1;
      send.setAttribute("aria-disabled", "true");
      status.textContent = "Adding " + plural(chosen, "picture", "pictures") + "…";
      const answer = await Exchange.api("POST", form.dataset.stageUrl, body);
      busy -= 1;
      if (!busy) send.removeAttribute("aria-disabled");
      const result = answer.body || {};
      const details = result.details || {};
      const kept = answer.ok ? result.kept : details.kept_images || [];
      const refused = answer.ok ? result.refused : details.refused || [];
      kept.forEach((picture) => addStaged(staged, picture));
      refused.forEach((r) => addError(errors, r.message));
      if (!answer.ok && !refused.length) {
        addError(errors, result.message || "The pictures could not be added. Please try again.");
      }
      status.textContent = kept.length ? plural(kept.length, "picture", "pictures") + " added." : "";
    });

    form.addEventListener("submit", (event) => {
      if (busy) {
        event.preventDefault();
        status.textContent = "Please wait: your pictures are still being added.";
      }
    });
  }

  // ----- following the streams ----------------------------------------------------------------

  function follow(root) {
    const streams = JSON.parse(root.dataset.streams || "{}");
    const live = Exchange.realtime();
    if (Exchange.showConnection) Exchange.showConnection();
    Object.keys(streams).forEach((stream) => {
      live.follow(stream, streams[stream], (message) => handle(root, stream, message));
    });
  }

  function handle(root, stream, message) {
    if (stream.indexOf("link:") === 0) {
      if (message.kind === "item_approved" && message.item_kind === "post") showPost(root, message);
      if (message.kind === "item_approved" && message.item_kind === "comment") showComment(root, message);
      if (message.kind === "item_removed") removeItem(root, message);
      if (message.kind === "reaction_changed") applyCounts(reactionBar(root, message.item_id), message.counts);
    } else if (stream.indexOf("pupil:") === 0 && message.kind === "item_status") {
      refreshSection(document.getElementById("mine"));
      const what = message.item_kind === "comment" ? "comment" : "post";
      if (message.state === "returned") announce("Your teacher sent your " + what + " back with a note.");
      if (message.state === "approved") announce("Your " + what + " was approved and shared.");
      if (message.state === "withdrawn") announce("A teacher took your " + what + " back.");
    } else if (stream.indexOf("queue:") === 0) {
      refreshSection(document.getElementById("waiting"));
      if (message.kind === "queue_item_added" && message.item) {
        announce("New " + message.item.kind + " from " + message.item.author + " is waiting for approval.");
      }
    }
  }

  // "Show all N comments": bring the whole conversation into the card, where the reader is.
  async function showAllComments(link) {
    const slot = link.closest(".post-slot");
    const card = slot && (await fragment(link.dataset.card));
    if (!card) {
      window.location.assign(link.href);
      return;
    }
    slot.replaceWith(card);
    const heading = card.querySelector(".comments h4");
    if (heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    }
  }

  // "Older posts": the column's next page joins the list below what the reader has seen (the
  // page keeps following live); without the fragment, the link opens the older page itself.
  async function showOlder(link) {
    const older = link.closest(".older");
    const list = older && older.closest(".space-column").querySelector("ol.posts");
    const page = list && (await fragment(link.dataset.more));
    if (!page) {
      window.location.assign(link.href);
      return;
    }
    const added = [];
    page.querySelectorAll(":scope > ol > li.post-slot").forEach((slot) => {
      if (list.querySelector('.post-slot[data-item-id="' + slot.dataset.itemId + '"]')) return;
      list.appendChild(slot);
      added.push(slot);
    });
    const next = page.querySelector(":scope > .older");
    if (next) older.replaceWith(next);
    else older.remove();
    const first = added.length && added[0].querySelector("article");
    if (first) first.focus();
    announce(added.length ? plural(added.length, "older post", "older posts") + " shown." : "No older posts.");
  }

  ready(function () {
    document.querySelectorAll("form.composer-form").forEach(initComposer);
    const root = document.getElementById("space");
    if (!root || !root.dataset.streams) return;
    root.addEventListener("submit", (event) => {
      const form = event.target;
      if (form.matches("form.reactions") && event.submitter) {
        event.preventDefault();
        react(form, event.submitter);
      } else if (form.matches("form.comment-form") && Exchange.api) {
        event.preventDefault();
        sendComment(root, form);
      }
    });
    root.addEventListener("click", (event) => {
      if (event.ctrlKey || event.metaKey || event.shiftKey) return;
      const link = event.target.closest(".more-comments a[data-card]");
      if (link) {
        event.preventDefault();
        showAllComments(link);
      }
      const more = event.target.closest(".older a[data-more]");
      if (more) {
        event.preventDefault();
        showOlder(more);
      }
    });
    if (window.io && Exchange.realtime) follow(root);
  });
})();
