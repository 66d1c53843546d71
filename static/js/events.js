// Celebration events: the class screen and the facilitator's console follow the stage live.
//
// A screen joins with `join_event` and gets a snapshot (stage, run of show, wall) with the
// stream's sequence number; it then follows `event:<id>` from that number, so nothing between
// the snapshot and the subscription is lost. Reconnecting joins again: the snapshot shows the
// current stage at once. Counters and the roll call arrive as aggregated signals a few times a
// second. Clicks are batched here (one message per kind every quarter second at most).
(function () {
  "use strict";

  const body = document.body;
  // Forms that carry an idempotency key (a retried send is stored once).
  document.querySelectorAll("[data-client-id]").forEach((input) => {
    input.value = window.Exchange && window.Exchange.newClientId ? window.Exchange.newClientId() : "";
  });
  const page = body.dataset.eventPage;
  if (!page || !window.Exchange || !window.io) return;

  const Exchange = window.Exchange;
  const eventId = Number(body.dataset.eventId);
  const classId = body.dataset.classId ? Number(body.dataset.classId) : null;
  const stream = "event:" + eventId;
  const rt = Exchange.realtime();
  const $ = (selector) => document.querySelector(selector);
  const $$ = (selector) => Array.from(document.querySelectorAll(selector));
  let stageVersion = -1;
  let joinedOnce = false;
  let following = false;
  let applauseOpen = false;
  let eventState = "scheduled";

  function showError(text) {
    const box = $("[data-console-error]");
    if (!box) return;
    box.textContent = text || "";
    box.hidden = !text;
  }

  function setText(selector, text) {
    const el = $(selector);
    if (el) el.textContent = text;
  }

  // ----- the stage ------------------------------------------------------------------------

  function renderStage(stage, announce) {
    if (!stage || stage.version < stageVersion) return; // an older fact arriving late
    stageVersion = stage.version;
    eventState = stage.state;
    const segment = stage.segment;
    const stateLabels = {
      scheduled: "The event has not started yet.",
      paused: "Paused: the event will continue shortly.",
      ended: "The event has ended. Thank you for taking part!",
      cancelled: "This event was cancelled.",
    };
    setText("[data-stage-segment]", segment ? segment.title : stateLabels[stage.state] || "");
    const stateEl = $("[data-stage-state]");
    if (stateEl) {
      stateEl.hidden = stage.state === "live" || !segment;
      stateEl.textContent = stateLabels[stage.state] || "";
    }
    const spot = $("[data-stage-spotlight]");
    if (spot) {
      spot.hidden = !stage.spotlight;
      setText("[data-stage-spotlight-label]", stage.spotlight ? stage.spotlight.label : "");
    }
    const itemEl = $("[data-stage-item]");
    if (itemEl) {
      const item = stage.item;
      itemEl.hidden = !item;
      setText("[data-stage-item-title]", item ? item.title : "");
      setText(
        "[data-stage-item-by]",
        item ? [item.author, item.class_label].filter(Boolean).join(", ") : ""
      );
      setText("[data-stage-item-text]", item ? item.text || "" : "");
    }
    $$("[data-run-of-show] [data-position]").forEach((li) => {
      const current = segment && Number(li.dataset.position) === segment.position;
      li.classList.toggle("current", Boolean(current));
      if (current) li.setAttribute("aria-current", "step");
      else li.removeAttribute("aria-current");
    });
    setApplause(stage.applause_open);
    updateControls();
    if (announce) {
      const parts = [segment ? "Now: " + segment.title : stateLabels[stage.state]];
      if (stage.item) parts.push("On stage: " + stage.item.title);
      if (stage.spotlight) parts.push("Spotlight on " + stage.spotlight.label);
      Exchange.announce(parts.filter(Boolean).join(". "));
    }
  }

  function renderSegments(segments, myClass) {
    const list = $("[data-run-of-show]");
    if (!list || page !== "screen") return;
    list.textContent = "";
    segments.forEach((segment) => {
      const li = document.createElement("li");
      li.className = "segment";
      li.dataset.position = segment.position;
      const title = document.createElement("span");
      title.className = "segment-title";
      title.textContent = segment.title;
      li.appendChild(title);
      const yours = myClass !== null && segment.class_ids && segment.class_ids.includes(myClass);
      const labels = segment.class_labels && segment.class_labels.length;
      if (labels) {
        const who = document.createElement("span");
        who.className = "muted";
        who.textContent = " · " + segment.class_labels.join(" and ");
        li.appendChild(who);
      }
      if (yours) {
        li.classList.add("yours");
        const badge = document.createElement("span");
        badge.className = "badge info";
        badge.textContent = "Your class is on";
        li.appendChild(badge);
      }
      list.appendChild(li);
    });
  }

  // ----- the wall ---------------------------------------------------------------------------

  function addShout(shout, announce) {
    const wall = $("[data-wall]");
    if (!wall || !shout || shout.shoutout_id === undefined) return;
    if (wall.querySelector('[data-shout="' + shout.shoutout_id + '"]')) return;
    const li = document.createElement("li");
    li.dataset.shout = shout.shoutout_id;
    li.dataset.item = shout.item_id;
    const text = document.createElement("p");
    text.textContent = shout.text;
    const who = document.createElement("p");
    who.className = "muted";
    who.textContent = shout.author + ", " + shout.class_label;
    li.append(text, who);
    wall.prepend(li);
    while (wall.children.length > 50) wall.lastElementChild.remove();
    const empty = $("[data-wall-empty]");
    if (empty) empty.hidden = true;
    if (announce) setText("[data-wall-latest]", "Shout-out from " + shout.class_label + ": " + shout.text);
  }

  function removeShout(itemId) {
    $$("[data-wall] [data-item]").forEach((li) => {
      if (Number(li.dataset.item) === itemId) li.remove();
    });
  }

  // ----- counters and roll call -------------------------------------------------------------

  function setApplause(open) {
    applauseOpen = Boolean(open);
    setText("[data-applause-state]", applauseOpen ? "Applause is open: clap now!" : "Applause is closed.");
    const button = $('[data-react="applause"]');
    if (button) button.disabled = !applauseOpen || eventState !== "live";
  }

  function renderCounters(counters) {
    if (!counters) return;
    Object.entries(counters.reactions || {}).forEach(([kind, total]) => {
      $$('[data-counter="' + kind + '"]').forEach((el) => (el.textContent = total));
    });
    $$('[data-counter="applause"]').forEach((el) => (el.textContent = counters.applause || 0));
    setApplause(counters.applause_open);
  }

  function renderRollCall(roll) {
    if (!roll) return;
    setText("[data-roll-classes]", roll.classes_in === 1 ? "1 class" : roll.classes_in + " classes");
    setText("[data-roll-screens]", roll.screens === 1 ? "1 screen" : roll.screens + " screens");
    const list = $("[data-roll-list]");
    if (!list || !roll.classes) return;
    list.textContent = "";
    roll.classes.forEach((entry) => {
      const li = document.createElement("li");
      li.className = entry.screens ? "in" : "out";
      li.textContent = entry.label + ": " + (entry.screens ? entry.screens + " screen(s)" : "not connected");
      list.appendChild(li);
    });
  }

  // ----- facts and signals ------------------------------------------------------------------

  function onFact(message) {
    switch (message.kind) {
      case "stage_changed":
        renderStage(message.stage, true);
        break;
      case "item_approved":
        if (message.item_kind === "shoutout") addShout(message, true);
        break;
      case "item_removed":
        removeShout(message.item_id);
        break;
      case "plan_changed":
        refreshSnapshot();
        break;
      case "counters":
        renderCounters(message);
        break;
      case "roll_call":
      case "roll_call_detail":
        renderRollCall(message);
        break;
      default:
        break;
    }
  }

  async function refreshSnapshot() {
    const answer = await Exchange.api("GET", "/api/v1/events/" + eventId + "/stage");
    if (answer.ok && answer.body && answer.body.data) {
      renderSegments(answer.body.data.segments, classId);
      renderStage(answer.body.data.stage, false);
    }
  }

  async function join() {
    const ack = await rt.command("join_event", { event_id: eventId, classroom_id: classId });
    if (!ack || !ack.ok) {
      showError((ack && ack.message) || "Could not join the event.");
      return;
    }
    showError("");
    const snap = ack.snapshot;
    renderSegments(snap.segments, snap.class_id);
    stageVersion = -1;
    renderStage(snap.stage, joinedOnce);
    (snap.shoutouts || []).forEach((shout) => addShout(shout, false));
    renderCounters(snap.counters);
    renderRollCall(snap.roll_call);
    if (!following) {
      following = true;
      rt.follow(stream, snap.seq, onFact);
      // The console also follows the per-class roll call.
      if (page === "console") rt.follow(stream + ":console", null, onFact);
    }
    joinedOnce = true;
  }

  rt.onStatus((status) => {
    if (status === "connected") join(); // first connection and every reconnection
  });
  Exchange.showConnection();
  if (rt.socket.connected) join();

  // ----- reactions (batched) ----------------------------------------------------------------

  const pending = {};
  let flushTimer = null;

  function flushReactions() {
    flushTimer = null;
    Object.keys(pending).forEach((kind) => {
      const count = Math.min(pending[kind], 10);
      delete pending[kind];
      rt.socket.timeout(5000).emit("react", { kind: kind, count: count }, (err, ack) => {
        const status = $("[data-react-status]");
        if (!status) return;
        status.textContent = err ? "" : ack && !ack.ok ? ack.message : "";
      });
    });
  }

  $$("[data-react]").forEach((button) => {
    button.addEventListener("click", () => {
      const kind = button.dataset.react;
      pending[kind] = (pending[kind] || 0) + 1;
      if (!flushTimer) flushTimer = window.setTimeout(flushReactions, 250);
    });
  });

  // ----- shout-outs from the screen ---------------------------------------------------------

  const shoutForm = $("[data-shoutout-form]");
  if (shoutForm) {
    shoutForm.addEventListener("submit", async (e) => {
      e.preventDefault();
      const input = shoutForm.querySelector('input[name="text"]');
      const ack = await rt.command("send_shoutout", {
        event_id: eventId,
        text: input.value,
        client_id: Exchange.newClientId(),
      });
      const status = $("[data-shoutout-status]");
      if (ack.ok) {
        input.value = "";
        status.textContent = "Sent: your teacher reads it first, then the facilitator.";
      } else {
        status.textContent = ack.message || "Could not send that.";
      }
    });
  }

  // ----- the backchannel --------------------------------------------------------------------

  const back = $("[data-backchannel]");
  if (back) {
    const log = $("[data-backchannel-log]");
    rt.follow(back.dataset.stream, back.dataset.seq, (message) => {
      if (message.kind === "staff_message") {
        const li = document.createElement("li");
        const who = document.createElement("strong");
        who.textContent = message.author;
        li.appendChild(who);
        li.append(
          (message.class_label ? " (" + message.class_label + ")" : "") + ": " + message.text
        );
        log.appendChild(li);
      } else if (message.kind === "showcase_ready" || message.kind === "item_approved") {
        addReady(message.showcase || message);
      }
    });
    $("[data-backchannel-form]").addEventListener("submit", async (e) => {
      e.preventDefault();
      const input = e.target.querySelector('input[name="text"]');
      const ack = await rt.command("send_staff_message", { event_id: eventId, text: input.value });
      if (ack.ok) input.value = "";
      else showError(ack.message);
    });
  }

  // ----- the console ------------------------------------------------------------------------

  function updateControls() {
    if (page !== "console") return;
    const allowed = {
      start: eventState === "scheduled",
      next: eventState === "live" || eventState === "paused",
      pause: eventState === "live",
      resume: eventState === "paused",
      end: eventState === "live" || eventState === "paused",
      applause_open: eventState === "live" && !applauseOpen,
      applause_close: applauseOpen,
    };
    $$("[data-action]").forEach((button) => {
      const action = button.dataset.action;
      if (action in allowed) button.disabled = !allowed[action];
      else button.disabled = !(eventState === "live" || eventState === "paused");
    });
  }

  function addReady(entry) {
    const list = $("[data-ready-list]");
    if (!list || !entry || entry.showcase_id === undefined) return;
    if (list.querySelector('[data-showcase-id="' + entry.showcase_id + '"]')) return;
    const li = document.createElement("li");
    li.dataset.showcaseId = entry.showcase_id;
    const label = document.createElement("span");
    label.textContent = entry.title + " · " + entry.class_label;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button small";
    button.dataset.action = "show";
    button.dataset.showcase = entry.showcase_id;
    button.textContent = "Put on stage";
    li.append(label, button);
    list.appendChild(li);
    const empty = $("[data-ready-empty]");
    if (empty) empty.hidden = true;
    updateControls();
  }

  async function act(payload) {
    const ack = await rt.command("stage_action", Object.assign({ event_id: eventId }, payload));
    showError(ack.ok ? "" : ack.message);
  }

  if (page === "console") {
    document.addEventListener("click", (e) => {
      const button = e.target.closest("[data-action]");
      if (!button) return;
      if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) return;
      const payload = { action: button.dataset.action };
      if (button.dataset.position) payload.position = Number(button.dataset.position);
      if (button.dataset.showcase) payload.showcase_id = Number(button.dataset.showcase);
      act(payload);
    });
    $("[data-spotlight-form]").addEventListener("submit", (e) => {
      e.preventDefault();
      const value = e.target.querySelector("select").value;
      act({ action: "spotlight", classroom_id: value ? Number(value) : null });
    });
    updateControls();
  }
})();
