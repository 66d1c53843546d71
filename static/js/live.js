// Live sessions: countdowns on every live page, and the session room (chat, live queue, stage,
// agenda, presence, reactions, hands, teachers' channel).
//
// The server is the record. The page is rendered at a sequence number of each stream it follows;
// realtime.js catches up from there, drops duplicates and refetches on gaps. Everything in the
// room is keyed by id, so an event that repeats what the page already shows changes nothing.
// On every (re)connection the page sends live_join, which counts it as present again and returns
// the state that is signalled rather than stored (presence, reaction counts, hands).
(function () {
  "use strict";

  const Exchange = (window.Exchange = window.Exchange || {});

  // ---- small helpers ----------------------------------------------------------------------

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([key, value]) => {
      if (value === null || value === undefined || value === false) return;
      if (key === "text") node.textContent = value;
      else if (key === "className") node.className = value;
      else if (key === "dataset") Object.assign(node.dataset, value);
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    });
    (children || []).forEach((child) => {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function $(id) {
    return document.getElementById(id);
  }

  function plural(n, word) {
    return n + " " + word + (n === 1 ? "" : "s");
  }

  function announce(text) {
    if (Exchange.announce) Exchange.announce(text);
  }

  // ---- countdowns -------------------------------------------------------------------------

  function countdownWords(ms) {
    const total = Math.floor(ms / 1000);
    const days = Math.floor(total / 86400);
    const hours = Math.floor((total % 86400) / 3600);
    const minutes = Math.floor((total % 3600) / 60);
    const seconds = total % 60;
    if (days > 0) return "in " + plural(days, "day") + (hours ? ", " + plural(hours, "hour") : "");
    if (hours > 0) return "in " + plural(hours, "hour") + (minutes ? ", " + plural(minutes, "minute") : "");
    if (minutes >= 10) return "in " + plural(minutes, "minute");
    return "in " + minutes + ":" + String(seconds).padStart(2, "0");
  }

  // A tablet's clock may be wrong: count from the server's time when the page was rendered.
  let clockOffset = 0;
  function serverNow() {
    return Date.now() + clockOffset;
  }

  function startCountdowns() {
    const nodes = Array.from(document.querySelectorAll("[data-countdown-to]"));
    if (!nodes.length) return;
    const rendered = nodes[0].dataset.serverNow;
    if (rendered) clockOffset = Date.parse(rendered) - Date.now();
    const tick = () => {
      nodes.forEach((node) => {
        const left = Date.parse(node.dataset.countdownTo) - serverNow();
        node.textContent = left <= 0 ? "Starting now" : "Starts " + countdownWords(left);
      });
    };
    tick();
    window.setInterval(tick, 1000);
  }

  // Show the start in the viewer's own time too, when their clock differs from the UK's then.
  function showLocalTimes() {
    document.querySelectorAll("[data-local-time]").forEach((node) => {
      const when = new Date(node.dataset.localTime);
      const options = { hour: "2-digit", minute: "2-digit", hour12: false };
      let uk = "";
      try {
        uk = when.toLocaleTimeString("en-GB", Object.assign({ timeZone: "Europe/London" }, options));
      } catch (err) {
        return;
      }
      const local = when.toLocaleTimeString("en-GB", options);
      if (local !== uk) node.textContent = "(" + local + " your time)";
    });
  }

  // ---- the room ---------------------------------------------------------------------------

  class Room {
    constructor(data) {
      this.data = data;
      this.session = data.session;
      this.me = data.me;
      this.teacher = this.me.role === "teacher";
      this.sessionId = this.session.id;
      this.liveStream = this.session.streams.live;
      this.teachersStream = this.session.streams.teachers;
      this.chat = new Map(); // item_id -> message (with seq)
      this.mine = new Map(); // item_id -> own waiting / returned message
      this.queue = new Map(); // item_id -> review entry
      this.notes = new Map(); // note_id -> note
      this.selected = null;
      this.ended = false;
      this.state = {
        paused: this.session.chat_paused,
        segment: this.session.segment_position,
        stage: data.stage,
        reactions: data.reactions || {},
        hands: data.hands || { count: 0, raised: [] },
        presence: data.presence || { classes: [] },
        myHandUp: !!data.my_hand_up,
        phase: this.session.phase,
      };
      this.applySnapshot(data);
    }

    start() {
      this.renderAll();
      this.bindControls();
      this.scheduleReloads();
      if (this.state.phase !== "lobby" && this.state.phase !== "live") return;
      if (!window.io || !Exchange.realtime) return;
      const rt = (this.rt = Exchange.realtime());
      Exchange.showConnection();
      rt.follow(this.liveStream, this.data.seqs[this.liveStream], (m) => this.onLive(m));
      // A post or question on the stage that is withdrawn or hidden leaves the stage at once.
      rt.follow("link:" + this.session.link_id, null, (m) => {
        if (m.kind === "item_removed" && this.state.stage && m.item_id === this.state.stage.item_id) {
          this.state.stage = null;
          this.renderStage();
        }
      });
      if (this.teacher) {
        rt.follow(this.teachersStream, this.data.seqs[this.teachersStream], (m) => this.onTeachers(m));
        const q = this.me.streams.queue;
        if (q) rt.follow(q.stream, q.seq, (m) => this.onQueue(m));
      } else if (this.me.streams.pupil) {
        const p = this.me.streams.pupil;
        rt.follow(p.stream, p.seq, (m) => this.onPupil(m));
      }
      rt.onStatus((status) => {
        if (status === "connected") this.join();
      });
      if (rt.socket.connected) this.join();
    }

    command(event, payload) {
      return this.rt
        ? this.rt.command(event, Object.assign({ session_id: this.sessionId }, payload || {}))
        : Promise.resolve({ ok: false, message: "Not connected yet." });
    }

    // (Re)join: counted as present again, and the signalled state re-read.
    async join() {
      const ack = await this.command("live_join");
      if (ack && ack.ok) {
        this.applySnapshot(ack);
        this.renderAll();
      }
    }

    applySnapshot(snap) {
      (snap.chat || []).forEach((m) => this.addChat(m));
      if (snap.mine) {
        this.mine.clear();
        snap.mine.forEach((m) => this.mine.set(m.item_id, m));
      }
      if (snap.queue) {
        this.queue.clear();
        snap.queue.forEach((item) => this.queue.set(item.id, item));
      }
      (snap.notes || []).forEach((n) => this.notes.set(n.note_id, n));
      if (snap.presence) this.state.presence = snap.presence;
      if (snap.reactions) this.state.reactions = snap.reactions;
      if (snap.hands) this.state.hands = snap.hands;
      if (snap.my_hand_up !== undefined) this.state.myHandUp = !!snap.my_hand_up;
      if (snap.stage !== undefined) this.state.stage = snap.stage;
      if (snap.stage_choices) this.stageChoices = snap.stage_choices;
      if (snap.session) {
        this.state.paused = snap.session.chat_paused;
        this.state.segment = snap.session.segment_position;
      }
    }

    addChat(message) {
      const known = this.chat.get(message.item_id);
      if (known && known.seq >= (message.seq || 0)) return false;
      this.chat.set(message.item_id, message);
      this.mine.delete(message.item_id);
      return !known;
    }

    // ---- facts from the server ----

    onLive(m) {
      switch (m.kind) {
        case "item_approved":
          if (m.item_kind !== "chat") return;
          if (this.addChat(m)) {
            this.renderChat();
            this.renderMine();
            if (m.author !== this.me.name) announce(m.author + " says: " + m.text);
          }
          break;
        case "item_removed":
          if (this.chat.delete(m.item_id)) this.renderChat();
          break;
        case "stage_changed":
          this.state.stage = m.stage;
          this.renderStage(); // the stage is a polite live region: it reads itself
          break;
        case "segment_changed":
          this.state.segment = m.position;
          this.renderAgenda();
          announce("Now: " + m.title);
          break;
        case "chat_paused":
          this.state.paused = m.paused;
          this.renderControls();
          announce(m.paused ? "A teacher paused the chat." : "The chat is open again.");
          break;
        case "session_ended":
          this.endNow();
          break;
        case "presence_changed":
          this.state.presence = Object.assign({}, this.state.presence, { classes: m.classes });
          this.renderPresence();
          break;
        case "reactions_changed":
          Object.entries(m.counts || {}).forEach(([key, n]) => {
            this.state.reactions[key] = Math.max(this.state.reactions[key] || 0, n);
          });
          this.renderReactions();
          break;
        case "hands_changed":
          this.updateHands(m);
          break;
        default:
          break;
      }
    }

    onTeachers(m) {
      if (m.kind === "teacher_message") {
        if (!this.notes.has(m.note_id)) {
          this.notes.set(m.note_id, m);
          this.renderNotes();
          if (m.author !== this.me.name) announce("Message from " + m.author + ": " + m.text);
        }
      } else if (m.kind === "presence_changed") {
        this.state.presence = { classes: m.classes, people: m.people };
        this.renderPresence();
      } else if (m.kind === "hands_changed") {
        this.state.hands = Object.assign({}, this.state.hands, m);
        this.renderHands();
      }
    }

    onQueue(m) {
      if (m.kind === "queue_item_added") {
        const item = m.item;
        if (!item || item.kind !== "chat" || item.session_id !== this.sessionId) return;
        this.queue.set(item.id, item);
        this.renderQueue();
        announce("New message to check from " + item.author + ".");
      } else if (m.kind === "queue_item_removed") {
        if (this.queue.delete(m.item_id)) this.renderQueue();
      }
    }

    onPupil(m) {
      if (m.kind !== "item_status" || m.item_kind !== "chat") return;
      const known = this.mine.get(m.item_id);
      if (m.state === "approved" || m.state === "withdrawn") {
        if (this.mine.delete(m.item_id)) this.renderMine();
        return;
      }
      if (!known) return; // from another session: this page only lists its own
      known.state = m.state;
      known.feedback = m.feedback;
      this.renderMine();
      if (m.state === "returned") announce("Your teacher sent a message back: " + (m.feedback || ""));
    }

    updateHands(m) {
      const wasUp = this.state.myHandUp;
      this.state.hands = Object.assign({}, this.state.hands, { count: m.count, raised: m.raised });
      if (!this.teacher) {
        this.state.myHandUp = (m.raised || []).indexOf(this.me.id) !== -1;
        if (wasUp && !this.state.myHandUp) announce("Your hand was lowered.");
      }
      this.renderHands();
    }

    endNow() {
      if (this.ended) return;
      this.ended = true;
      this.state.phase = "ended";
      document.querySelectorAll("#live-room button, #live-room textarea").forEach((node) => {
        node.disabled = true;
      });
      const status = $("live-queue-status") || $("live-message-error");
      announce("The session has ended. Thank you!");
      if (status) {
        status.hidden = false;
        status.textContent = "The session has ended.";
      }
      window.setTimeout(() => window.location.reload(), 4000);
    }

    // Reload at the lobby opening, the start and the end, so the page shows the right room.
    scheduleReloads() {
      const rendered = this.data.server_now;
      if (rendered) clockOffset = Date.parse(rendered) - Date.now();
      const marks = [this.session.lobby_opens_at, this.session.starts_at, this.session.ends_at];
      const now = serverNow();
      const next = marks.map((t) => Date.parse(t)).filter((t) => t > now).sort((a, b) => a - b)[0];
      if (next && next - now < 2147483000) {
        window.setTimeout(() => window.location.reload(), next - now + 800);
      }
    }

    // ---- rendering ----

    renderAll() {
      this.renderChat();
      this.renderMine();
      this.renderStage();
      this.renderAgenda();
      this.renderPresence();
      this.renderReactions();
      this.renderHands();
      this.renderControls();
      if (this.teacher) {
        this.renderQueue();
        this.renderNotes();
        this.renderStageChoices();
      }
    }

    renderChat() {
      const list = $("live-chat-list");
      if (!list) return;
      const messages = Array.from(this.chat.values()).sort((a, b) => a.seq - b.seq || a.item_id - b.item_id);
      const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
      list.replaceChildren(
        ...(messages.length
          ? messages.map((m) =>
              el("li", { className: m.by_teacher ? "by-teacher" : "", dataset: { itemId: m.item_id, seq: m.seq } }, [
                el("span", { className: "live-who" }, [m.author + " ", el("span", { className: "muted", text: "(" + m.class_label + ")" })]),
                " ",
                el("span", { className: "live-text", text: m.text }),
              ])
            )
          : [el("li", { className: "live-empty muted", text: "No messages yet." })])
      );
      if (atBottom) list.scrollTop = list.scrollHeight;
    }

    renderMine() {
      const list = $("live-mine-list");
      if (!list) return;
      const mine = Array.from(this.mine.values());
      list.replaceChildren(
        ...(mine.length
          ? mine.map((m) => {
              const returned = m.state === "returned";
              return el("li", { dataset: { itemId: m.item_id } }, [
                el("span", { className: "live-text", text: m.text }),
                " ",
                el("span", { className: "badge " + (returned ? "warning" : "info"), text: returned ? "Returned" : m.state === "sending" ? "Sending…" : "Waiting for your teacher" }),
                returned && m.feedback ? el("p", { className: "live-feedback", text: "Your teacher says: " + m.feedback }) : null,
                returned
                  ? el("button", {
                      type: "button",
                      className: "button link small",
                      text: "Write it again",
                      onclick: () => {
                        const box = $("live-message");
                        box.value = m.text;
                        box.focus();
                        this.updateCount();
                      },
                    })
                  : null,
              ]);
            })
          : [el("li", { className: "live-empty muted", text: "Nothing waiting." })])
      );
    }

    renderStage() {
      const box = $("live-stage-item");
      if (!box) return;
      const stage = this.state.stage;
      if (!stage) {
        box.replaceChildren(el("p", { className: "muted", text: "Nothing on the stage yet." }));
        return;
      }
      const view = stage.view || {};
      const parts = [el("p", { className: "muted", text: stage.kind_label + (view.author ? " by " + view.author : "") + (view.class_label ? " (" + view.class_label + ")" : "") })];
      if (view.title) parts.push(el("h3", { text: view.title }));
      if (view.text) parts.push(el("p", { className: "live-stage-text", text: view.text }));
      (view.images || []).forEach((img) => {
        parts.push(el("img", { src: img.full_url || img.url || img.thumb_url, alt: img.alt || "", className: "live-stage-image", loading: "lazy" }));
      });
      box.replaceChildren(...parts);
    }

    renderAgenda() {
      const list = $("live-agenda");
      if (!list) return;
      Array.from(list.children).forEach((li, index) => {
        const current = index === this.state.segment;
        li.classList.toggle("is-current", current);
        if (current) li.setAttribute("aria-current", "step");
        else li.removeAttribute("aria-current");
      });
      const segment = this.session.segments[this.state.segment];
      const title = $("live-segment-title");
      if (title && segment) title.textContent = segment.title;
      const prev = $("live-prev-segment");
      const next = $("live-next-segment");
      if (prev) prev.disabled = this.ended || this.state.segment <= 0;
      if (next) next.disabled = this.ended || this.state.segment >= this.session.segments.length - 1;
    }

    renderPresence() {
      const list = $("live-presence");
      if (list) {
        const classes = this.state.presence.classes || [];
        list.replaceChildren(
          ...(classes.length
            ? classes.map((c) => el("li", { text: c.class_label + ": " + plural(c.pupils, "pupil") + ", " + plural(c.teachers, "teacher") }))
            : [el("li", { className: "muted", text: "Nobody has joined yet." })])
        );
      }
      const people = $("live-people");
      if (people && this.state.presence.people) {
        people.replaceChildren(
          ...this.state.presence.people.map((p) =>
            el("li", { text: p.name + " (" + (p.role === "pupil" ? "pupil" : "teacher") + ", " + p.class_label + ")" })
          )
        );
      }
    }

    renderReactions() {
      document.querySelectorAll("[data-count-for]").forEach((node) => {
        node.textContent = String(this.state.reactions[node.dataset.countFor] || 0);
      });
    }

    renderHands() {
      const count = $("live-hands-count");
      if (count) count.textContent = String(this.state.hands.count || 0);
      const button = $("live-hand-button");
      if (button) {
        button.setAttribute("aria-pressed", this.state.myHandUp ? "true" : "false");
        button.textContent = this.state.myHandUp ? "Lower my hand" : "Put my hand up";
      }
      const list = $("live-hands-list");
      if (list) {
        const people = this.state.hands.people || [];
        list.replaceChildren(
          ...(people.length
            ? people.map((p) =>
                el("li", {}, [
                  p.name + " ",
                  p.class_id === this.me.class_id
                    ? el("button", {
                        type: "button",
                        className: "button secondary small",
                        text: "Lower",
                        "aria-label": "Lower " + p.name + "'s hand",
                        onclick: () => this.command("live_lower_hand", { pupil_id: p.pupil_id }),
                      })
                    : el("span", { className: "muted", text: "(partner class)" }),
                ])
              )
            : [el("li", { className: "muted", text: "No hands up." })])
        );
      }
    }

    renderControls() {
      const paused = $("live-paused");
      if (paused) paused.hidden = !this.state.paused;
      const pause = $("live-pause");
      if (pause) {
        pause.setAttribute("aria-pressed", this.state.paused ? "true" : "false");
        pause.textContent = this.state.paused ? "Resume pupils' chat" : "Pause pupils' chat";
      }
    }

    sortedQueue() {
      return Array.from(this.queue.values()).sort((a, b) =>
        a.submitted_at < b.submitted_at ? -1 : a.submitted_at > b.submitted_at ? 1 : a.id - b.id
      );
    }

    // Keyed update: entries already shown stay in place (a half-typed feedback keeps its focus).
    renderQueue() {
      const list = $("live-queue-list");
      if (!list) return;
      const items = this.sortedQueue();
      if (!items.some((i) => i.id === this.selected)) this.selected = items.length ? items[0].id : null;
      const count = $("live-queue-count");
      if (count) count.textContent = String(items.length);
      if (!items.length) {
        list.replaceChildren(el("li", { className: "live-empty muted", text: "No messages waiting." }));
        return;
      }
      const shown = new Map();
      Array.from(list.children).forEach((li) => {
        const id = Number(li.dataset.itemId);
        if (!id || !this.queue.has(id)) li.remove();
        else shown.set(id, li);
      });
      let previous = null;
      items.forEach((item) => {
        let li = shown.get(item.id);
        if (!li || !li.classList.contains("live-queue-entry")) {
          const fresh = this.queueEntry(item);
          if (li) li.replaceWith(fresh);
          else if (previous) previous.after(fresh);
          else list.prepend(fresh);
          li = fresh;
        }
        previous = li;
      });
      this.markSelected();
    }

    markSelected() {
      document.querySelectorAll(".live-queue-entry").forEach((node) => {
        const on = Number(node.dataset.itemId) === this.selected;
        node.classList.toggle("is-selected", on);
        if (on) node.setAttribute("aria-current", "true");
        else node.removeAttribute("aria-current");
      });
    }

    queueEntry(item) {
      const selected = item.id === this.selected;
      const text = el("p", { className: "live-text" });
      (item.highlighted && item.highlighted.length ? item.highlighted : [[item.text, null]]).forEach(([piece, flag]) => {
        text.appendChild(flag ? el("mark", { title: flag.label }, [piece, el("span", { className: "visually-hidden", text: " (flagged: " + flag.label + ")" })]) : document.createTextNode(piece));
      });
      const feedbackId = "live-feedback-" + item.id;
      const entry = el("li", { className: "live-queue-entry" + (selected ? " is-selected" : ""), dataset: { itemId: item.id }, "aria-current": selected ? "true" : null }, [
        el("p", { className: "live-who" }, [item.author + " ", el("span", { className: "muted", text: "(" + item.class_label + ")" }), item.stage === "partner_teacher" ? el("span", { className: "badge info", text: " partner class, needs your approval too" }) : null]),
        text,
        item.flags && item.flags.length ? el("p", { className: "badge warning", text: "Check: " + item.flags.map((f) => f.label).join(", ") }) : null,
        el("div", { className: "button-row" }, [
          el("button", { type: "button", className: "button small", text: "Approve", "aria-label": "Approve message from " + item.author, onclick: () => this.approve(item.id) }),
          el("label", { for: feedbackId, className: "visually-hidden", text: "Feedback for " + item.author }),
          el("input", {
            id: feedbackId,
            type: "text",
            maxlength: "500",
            list: "live-feedback-choices",
            placeholder: "A word of feedback",
            className: "live-feedback-input",
            onkeydown: (e) => {
              if (e.key === "Enter") {
                e.preventDefault();
                this.returnItem(item.id);
              }
            },
          }),
          el("button", { type: "button", className: "button secondary small", text: "Return", "aria-label": "Return message to " + item.author, onclick: () => this.returnItem(item.id) }),
        ]),
      ]);
      entry.addEventListener("focusin", () => {
        this.selected = item.id;
        this.markSelected();
      });
      return entry;
    }

    renderNotes() {
      const list = $("live-notes");
      if (!list) return;
      const notes = Array.from(this.notes.values()).sort((a, b) => a.note_id - b.note_id);
      list.replaceChildren(
        ...(notes.length
          ? notes.map((n) => el("li", {}, [el("strong", { text: n.author }), ": " + n.text]))
          : [el("li", { className: "live-empty muted", text: "No messages yet." })])
      );
      list.scrollTop = list.scrollHeight;
    }

    renderStageChoices() {
      const list = $("live-stage-choices");
      if (!list || !this.stageChoices) return;
      list.replaceChildren(
        ...(this.stageChoices.length
          ? this.stageChoices.map((c) =>
              el("li", {}, [
                el("span", {}, [el("strong", { text: c.kind_label + ": " }), c.label + " ", el("span", { className: "muted", text: "(" + c.author + ")" })]),
                el("button", { type: "button", className: "button secondary small", text: "Show on stage", "aria-label": "Show on stage: " + c.label, onclick: () => this.showOnStage(c.item_id) }),
              ])
            )
          : [el("li", { className: "muted", text: "Approved posts and enquiry questions of your link appear here." })])
      );
    }

    // ---- actions ----

    status(text, id) {
      const node = $(id || "live-queue-status");
      if (node) node.textContent = text || "";
    }

    async approve(itemId) {
      const item = this.queue.get(itemId);
      const ack = await this.command("live_approve", { item_id: itemId });
      if (ack.ok) {
        this.queue.delete(itemId);
        this.renderQueue();
        this.status(item ? "Approved: " + item.author + "'s message." : "Approved.");
        this.focusSelected();
      } else {
        this.status(ack.message || "Could not approve that message.");
      }
    }

    async returnItem(itemId) {
      const input = $("live-feedback-" + itemId);
      const feedback = input ? input.value.trim() : "";
      if (!feedback) {
        this.status("Please write a word of feedback for the pupil first.");
        if (input) input.focus();
        return;
      }
      const ack = await this.command("live_return", { item_id: itemId, feedback: feedback });
      if (ack.ok) {
        this.queue.delete(itemId);
        this.renderQueue();
        this.status("Returned with your feedback.");
        this.focusSelected();
      } else {
        this.status(ack.message || "Could not return that message.");
      }
    }

    focusSelected() {
      const node = document.querySelector('.live-queue-entry[data-item-id="' + this.selected + '"] button');
      if (node) node.focus();
    }

    moveSelection(step) {
      const items = this.sortedQueue();
      if (!items.length) return;
      const index = Math.max(0, items.findIndex((i) => i.id === this.selected));
      const next = items[Math.min(items.length - 1, Math.max(0, index + step))];
      this.selected = next.id;
      this.markSelected();
      this.focusSelected();
    }

    async showOnStage(itemId) {
      const ack = await this.command("live_show_on_stage", { item_id: itemId });
      this.status(ack.ok ? "" : ack.message, "live-controls-status");
    }

    updateCount() {
      const box = $("live-message");
      const count = $("live-message-count");
      if (box && count) count.textContent = String(box.value.length);
    }

    async send(event) {
      event.preventDefault();
      const box = $("live-message");
      const error = $("live-message-error");
      const text = box.value.trim();
      error.hidden = true;
      if (!text) {
        error.textContent = "Please write something before sending.";
        error.hidden = false;
        box.focus();
        return;
      }
      const clientId = Exchange.newClientId();
      box.value = "";
      this.updateCount();
      const ack = await this.command("live_send_message", { text: text, client_id: clientId });
      if (!ack.ok) {
        box.value = text; // keep what they wrote
        this.updateCount();
        error.textContent = ack.message || "The message could not be sent.";
        error.hidden = false;
        box.focus();
        return;
      }
      if (ack.state !== "approved") {
        this.mine.set(ack.item_id, ack);
        this.renderMine();
        announce("Sent to your teacher.");
      }
    }

    async sendNote(event) {
      event.preventDefault();
      const box = $("live-note");
      const error = $("live-note-error");
      const text = box.value.trim();
      error.hidden = true;
      if (!text) return;
      box.value = "";
      const ack = await this.command("live_send_teacher_message", { text: text, client_id: Exchange.newClientId() });
      if (!ack.ok) {
        box.value = text;
        error.textContent = ack.message || "The message could not be sent.";
        error.hidden = false;
        return;
      }
      this.notes.set(ack.note_id, ack);
      this.renderNotes();
    }

    bindControls() {
      const on = (id, event, handler) => {
        const node = $(id);
        if (node) node.addEventListener(event, handler);
      };
      on("live-composer", "submit", (e) => this.send(e));
      on("live-message", "input", () => this.updateCount());
      on("live-message", "keydown", (e) => {
        if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
          e.preventDefault();
          $("live-composer").requestSubmit();
        }
      });
      on("live-note-form", "submit", (e) => this.sendNote(e));
      document.querySelectorAll("[data-reaction]").forEach((button) => {
        button.addEventListener("click", async () => {
          const ack = await this.command("live_react", { reaction: button.dataset.reaction });
          if (!ack.ok) announce(ack.message || "That reaction was not sent.");
        });
      });
      on("live-hand-button", "click", async () => {
        const ack = this.state.myHandUp ? await this.command("live_lower_hand") : await this.command("live_raise_hand");
        if (ack.ok) {
          this.state.myHandUp = !!ack.hand_up;
          this.renderHands();
          announce(ack.hand_up ? "Your hand is up." : "Your hand is down.");
        } else {
          announce(ack.message || "Please try again.");
        }
      });
      on("live-lower-all", "click", () => this.command("live_lower_hand"));
      on("live-next-segment", "click", () => this.command("live_goto_segment", { position: this.state.segment + 1 }));
      on("live-prev-segment", "click", () => this.command("live_goto_segment", { position: this.state.segment - 1 }));
      on("live-pause", "click", async () => {
        const ack = await this.command("live_pause_chat", { paused: !this.state.paused });
        if (ack.ok) {
          this.state.paused = ack.paused;
          this.renderControls();
        } else this.status(ack.message, "live-controls-status");
      });
      on("live-clear-stage", "click", () => this.showOnStage(null));
      on("live-end", "click", () => {
        $("live-end-confirm").hidden = false;
        $("live-end-yes").focus();
      });
      on("live-end-no", "click", () => {
        $("live-end-confirm").hidden = true;
        $("live-end").focus();
      });
      on("live-end-yes", "click", async () => {
        const ack = await this.command("live_end_session");
        if (ack.ok) this.endNow();
        else this.status(ack.message, "live-controls-status");
      });
      if (this.teacher) {
        document.addEventListener("keydown", (e) => this.queueKeys(e));
        const choices = el("datalist", { id: "live-feedback-choices" }, [
          el("option", { value: "Please keep it kind." }),
          el("option", { value: "Please don't share personal details." }),
          el("option", { value: "Let's keep to our topic." }),
          el("option", { value: "Could you say a little more?" }),
        ]);
        document.body.appendChild(choices);
      }
    }

    // One key press approves: A approves the selected message, R goes to its feedback box.
    queueKeys(e) {
      if (e.altKey || e.ctrlKey || e.metaKey) return;
      const target = e.target;
      if (target && target.closest && target.closest("input, textarea, select, [contenteditable]")) return;
      if (!this.queue.size || this.ended) return;
      const key = e.key.toLowerCase();
      if (key === "a") {
        e.preventDefault();
        if (this.selected !== null) this.approve(this.selected);
      } else if (key === "r") {
        e.preventDefault();
        const input = $("live-feedback-" + this.selected);
        if (input) input.focus();
      } else if (key === "j" || key === "arrowdown") {
        e.preventDefault();
        this.moveSelection(1);
      } else if (key === "k" || key === "arrowup") {
        e.preventDefault();
        this.moveSelection(-1);
      }
    }
  }

  function startRoom() {
    const block = $("live-data");
    if (!block) return;
    let data = null;
    try {
      data = JSON.parse(block.textContent);
    } catch (err) {
      return;
    }
    if (!data || !data.session) return;
    const room = new Room(data);
    room.start();
    Exchange.liveRoom = room;
  }

  function start() {
    startCountdowns();
    showLocalTimes();
    startRoom();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
