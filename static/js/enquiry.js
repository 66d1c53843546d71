// The P4C enquiry board: one screen for teachers and pupils of both classes, following the
// board live. The page embeds a snapshot (what this user may see, and the stream positions it
// was read at); the board then follows its streams from those positions, so nothing is missed:
//   enquiry:<id>            the shared board (steps, timer, approved items, tallies, queue)
//   enquiry-own:<id>:<key>  a pupil's (or group's) private jottings and own votes
//   pupil:<id>              the pupil's own items waiting for or returned by their teacher
//   queue:<class>           a teacher's moderation queue (items of this board to decide)
// Everything is rendered with textContent: no user text ever becomes HTML.
(function () {
  "use strict";

  const Exchange = window.Exchange || {};

  // ----- the printable page only needs its print button -------------------------------------
  document.querySelectorAll("[data-print]").forEach((button) => {
    button.addEventListener("click", () => window.print());
  });

  const root = document.getElementById("enquiry");
  const dataNode = document.getElementById("enquiry-data");
  if (!root || !dataNode) return;

  const state = JSON.parse(dataNode.textContent);
  const themes = JSON.parse(document.getElementById("enquiry-themes").textContent);
  const E = state.enquiry.enquiry_id;
  const viewer = state.viewer;
  const isTeacher = viewer.role === "teacher";
  const isPupil = viewer.role === "pupil";
  const LISTS = {
    concept: "concepts",
    question: "questions",
    clarification: "clarifications",
    contribution: "contributions",
    last_words: "last_words",
    reflection: "reflections",
  };
  const STEP = {
    RULES: 0, STIMULUS: 1, THINKING: 2, CONCEPTS: 3, QUESTIONS: 4, AIRING: 5,
    VOTING: 6, FIRST: 7, BUILDING: 8, LAST: 9, REFLECTION: 10,
  };
  const MOVES = [
    ["agree", "I agree with … because"],
    ["disagree", "I disagree with … because"],
    ["build", "Building on what … said"],
    ["example", "I have an example"],
    ["question", "I have a question"],
  ];
  const KIND_WORDS = {
    concept: "big idea", question: "question", clarification: "clarification",
    contribution: "contribution", last_words: "last words", reflection: "reflection",
  };

  // ----- small helpers ------------------------------------------------------------------------

  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    Object.entries(props || {}).forEach(([key, value]) => {
      if (value === null || value === undefined || value === false) return;
      if (key === "class") el.className = value;
      else if (key === "text") el.textContent = value;
      else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
      else el.setAttribute(key, value === true ? "" : value);
    });
    children.flat().forEach((child) => {
      if (child === null || child === undefined || child === false) return;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    });
    return el;
  }

  function byId(id) {
    return document.getElementById(id);
  }

  function show(el, visible) {
    if (el) el.hidden = !visible;
  }

  function announce(text) {
    if (Exchange.announce) Exchange.announce(text);
  }

  function say(text, kind) {
    const node = byId("step-message");
    node.textContent = text || "";
    node.dataset.kind = kind || "info";
  }

  function upsert(list, key, value) {
    const at = list.findIndex((entry) => entry[key] === value[key]);
    if (at >= 0) list[at] = Object.assign({}, list[at], value);
    else list.push(value);
  }

  function removeItem(itemId) {
    Object.values(LISTS).forEach((name) => {
      state[name] = (state[name] || []).filter((entry) => entry.item_id !== itemId);
    });
    state.my_items = state.my_items.filter((entry) => entry.item_id !== itemId);
    state.pending = state.pending.filter((entry) => entry.id !== itemId);
  }

  function step() {
    return state.enquiry.step;
  }

  function closed() {
    return state.enquiry.state === "closed";
  }

  function stepName(number) {
    const found = state.steps.find((s) => s.step === number);
    if (!found) return "";
    return isPupil ? found.pupil_words : found.name;
  }

  function neighbour(direction) {
    let target = step() + (direction === "next" ? 1 : -1);
    if (target === STEP.CONCEPTS && !state.enquiry.use_concepts) target += direction === "next" ? 1 : -1;
    return target >= 0 && target <= 10 ? target : null;
  }

  function newClientId() {
    return Exchange.newClientId ? Exchange.newClientId() : String(Date.now()) + Math.random();
  }

  // Every action answers {ok, ...} or {ok: false, message}: show the refusal where the user is.
  async function call(method, path, body) {
    const answer = await Exchange.api(method, "/api/v1" + path, body);
    if (!answer.ok) {
      say((answer.body && answer.body.message) || "That did not work. Please try again.", "error");
      return null;
    }
    say("");
    return answer.body || {};
  }

  async function command(event, payload) {
    const ack = await Exchange.realtime().command(event, Object.assign({ enquiry_id: E }, payload));
    if (!ack || !ack.ok) {
      say((ack && ack.message) || "That did not work. Please try again.", "error");
      return null;
    }
    say("");
    return ack;
  }

  function field(label, control, hint) {
    const id = control.id || "f-" + Math.random().toString(36).slice(2);
    control.id = id;
    if (hint) control.setAttribute("aria-describedby", id + "-hint");
    return h(
      "div",
      { class: "field" },
      h("label", { for: id, text: label }),
      hint ? h("p", { class: "hint", id: id + "-hint", text: hint }) : null,
      control
    );
  }

  function button(text, onclick, extra) {
    return h("button", Object.assign({ type: "button", class: "button", onclick: onclick }, extra || {}), text);
  }

  // A text box with a live character count, for words with a limit.
  function counted(textarea, limit) {
    const counter = h("p", { class: "counter muted", "aria-live": "off" });
    const update = () => {
      counter.textContent = textarea.value.trim().length + " of " + limit + " characters";
      counter.dataset.over = textarea.value.trim().length > limit ? "true" : "false";
    };
    textarea.addEventListener("input", update);
    update();
    return counter;
  }

  // A pupil's words sent through the approval rule: one form for every kind.
  function sendForm(options) {
    const box = h(options.multiline ? "textarea" : "input", {
      id: "send-" + options.kind,
      maxlength: String(options.limit + 50),
      rows: options.multiline ? "3" : null,
      autocomplete: "off",
    });
    const form = h(
      "form",
      { class: "send-form stack" },
      field(options.label, box, options.hint),
      options.limit ? counted(box, options.limit) : null,
      options.extra || null,
      h("button", { type: "submit", class: "button large" }, options.submit)
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const text = box.value;
      const payload = Object.assign({ text: text, client_id: newClientId() }, options.payload ? options.payload() : {});
      const ack = await command(options.event, payload);
      if (!ack) return;
      box.value = "";
      box.dispatchEvent(new Event("input"));
      receiveOwnItem(ack.item);
      if (options.after) options.after(ack);
      box.focus();
    });
    return form;
  }

  function receiveOwnItem(item) {
    if (!item) return;
    if (item.state === "approved") {
      upsert(state[LISTS[item.item_kind]], "item_id", item);
      say("Added to the board.", "success");
    } else {
      upsert(state.my_items, "item_id", item);
      say(isPupil ? "Sent to your teacher. It appears on the board once approved." : "Sent.", "success");
    }
    renderLists();
  }

  // ----- rendering ----------------------------------------------------------------------------

  function renderSteps() {
    byId("steps").querySelectorAll("li").forEach((li) => {
      const number = Number(li.dataset.step);
      if (number === step()) li.setAttribute("aria-current", "step");
      else li.removeAttribute("aria-current");
      li.classList.toggle("done", number < step());
    });
    byId("now-name").textContent = closed() ? "Closed" : stepName(step());
    show(byId("paused-banner"), state.enquiry.paused && !closed());
    show(byId("closed-banner"), closed());
    root.classList.toggle("is-paused", state.enquiry.paused);
  }

  function renderRules() {
    const list = byId("rules-list");
    list.replaceChildren(...state.ground_rules.rules.map((rule) => h("li", { text: rule })));
  }

  function renderStimulus() {
    const s = state.stimulus;
    show(byId("stimulus-panel"), step() >= STEP.STIMULUS && !!s);
    if (!s) return;
    const body = [];
    if (s.theme) body.push(h("p", { class: "theme" }, "Theme: ", h("strong", { text: s.theme })));
    if (s.title) body.push(h("h3", { class: "stimulus-title", text: s.title }));
    if (s.kind === "question") body.push(h("p", { class: "muted", text: "A question we parked in an earlier enquiry:" }));
    if (s.image_url) body.push(h("img", { class: "stimulus-picture", src: s.image_url, alt: s.alt || "" }));
    if (s.text) body.push(h("p", { class: "stimulus-text", text: s.text }));
    if (s.url) {
      body.push(h("p", {}, "Video shown in class: ", h("a", { href: s.url, rel: "noopener noreferrer", target: "_blank", text: s.url })));
    }
    if (s.post) {
      if (s.post.removed) body.push(h("p", { class: "muted", text: "The post shared here is no longer shown." }));
      else body.push(h("blockquote", { class: "stimulus-post" }, s.post.title ? h("strong", { text: s.post.title }) : null, " ", s.post.text || ""));
    }
    byId("stimulus-body").replaceChildren(...body);
  }

  function label(entry) {
    return h("span", { class: "who" }, entry.author, h("span", { class: "class-label", text: " · " + entry.class_label }));
  }

  // Teachers hide an approved item that turned out to be unsuitable; it is reported.
  function hideControl(entry) {
    if (!isTeacher || closed()) return null;
    const reason = h("input", { maxlength: "1000", required: true });
    const form = h(
      "form",
      { class: "inline-form" },
      field("Why hide it? (the facilitator is told)", reason),
      h("button", { type: "submit", class: "button danger small" }, "Hide")
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const done = await call("POST", "/enquiries/" + E + "/items/" + entry.item_id + "/hide", { reason: reason.value });
      if (done) {
        removeItem(entry.item_id);
        renderLists();
        announce("Hidden and reported.");
      }
    });
    return h("details", { class: "hide-item" }, h("summary", { text: "Hide" }), form);
  }

  function renderConcepts() {
    const visible = state.enquiry.use_concepts && step() >= STEP.CONCEPTS && (state.concepts.length || step() === STEP.CONCEPTS);
    show(byId("concepts-panel"), visible);
    byId("concepts-list").replaceChildren(
      ...state.concepts.map((c) => h("li", { class: "concept" }, h("span", { class: "concept-text", text: c.text }), h("span", { class: "visually-hidden", text: " (" + c.author + ", " + c.class_label + ")" }), hideControl(c)))
    );
    if (!state.concepts.length) byId("concepts-list").append(h("li", { class: "muted empty", text: "No big ideas yet." }));
  }

  // ----- questions: airing tools, votes, tallies, the choice ------------------------------------

  const selected = new Set();

  function questionById(id) {
    return state.questions.find((q) => q.question_id === id);
  }

  function tallyOf(id) {
    if (!state.tally || state.tally.hidden) return null;
    return (state.tally.questions || []).find((q) => q.question_id === id) || null;
  }

  function votable(q) {
    return !q.merged_into_id && (!q.parked || q.carried_into_id === E);
  }

  function renderVotingSummary() {
    const box = byId("voting-summary");
    if (step() < STEP.VOTING) {
      box.replaceChildren();
      return;
    }
    const v = state.voting;
    const parts = [h("p", { class: "rule-words", text: v.rule_words })];
    const words = { not_open: "Voting has not started yet.", open: "Voting is open.", closed: "Voting has closed." };
    parts.push(h("p", { class: "voting-state", "data-state": v.state, text: words[v.state] }));
    if (isPupil && v.state === "open" && state.my_votes && state.my_votes.votes_left !== null) {
      const left = state.my_votes.votes_left;
      parts.push(h("p", { class: "votes-left", text: left === 0 ? "You have used all your votes." : "Votes left: " + left }));
    }
    if (state.tally && state.tally.hidden) {
      const progress = state.tally.progress.map((c) => c.class_label + ": " + c.voters + " voted").join(" · ");
      parts.push(h("p", { class: "muted", text: "Votes stay hidden until voting closes. " + progress }));
    } else if (state.tally && state.tally.equal_weight) {
      const weights = state.tally.classes.map((c) => c.class_label + ": each vote counts " + c.weight_display).join(" · ");
      parts.push(h("p", { class: "muted", text: "Equal weight: " + weights }));
    }
    if (state.tally && !state.tally.hidden && state.tally.tie) {
      parts.push(h("p", { class: "alert info tie", text: "It's a tie between " + state.tally.leaders.length + " questions." + (isTeacher ? " You choose which one to talk about." : " Your teachers will choose.") }));
    }
    box.replaceChildren(...parts);
  }

  function voteButton(q) {
    if (!isPupil || step() !== STEP.VOTING || state.voting.state !== "open" || !votable(q) || closed()) return null;
    const mine = (state.my_votes.question_ids || []).includes(q.question_id);
    const noneLeft = state.my_votes.votes_left === 0;
    return h(
      "button",
      {
        type: "button",
        class: "button vote" + (mine ? " voted" : ""),
        "aria-pressed": mine ? "true" : "false",
        disabled: state.enquiry.paused || (!mine && noneLeft),
        onclick: async () => {
          const ack = await command(mine ? "enquiry_withdraw_vote" : "enquiry_cast_vote", { question_id: q.question_id });
          if (ack) {
            state.my_votes = ack.my_votes;
            renderQuestions();
            announce(mine ? "Vote taken back." : "Vote counted.");
          }
        },
      },
      mine ? "✓ My vote" : "Vote",
      h("span", { class: "visually-hidden", text: " for: " + q.text })
    );
  }

  function tallyView(q) {
    const t = tallyOf(q.question_id);
    if (!t || step() < STEP.VOTING) return null;
    const byClass = t.by_class.map((b) => {
      const cls = state.classes.find((c) => c.classroom_id === b.classroom_id);
      return (cls ? cls.class_label : "") + ": " + b.votes;
    }).join(", ");
    const max = Math.max(1, ...state.tally.questions.map((x) => Number(x.votes)));
    return h(
      "div",
      { class: "tally" + (t.leader ? " leader" : "") },
      h("meter", { min: "0", max: String(max), value: String(t.votes), "aria-hidden": "true" }),
      h("span", { class: "tally-count", text: t.votes + (t.votes === 1 ? " vote" : " votes") }),
      h("span", { class: "muted", text: " (" + byClass + ")" }),
      state.tally.equal_weight ? h("span", { class: "score", text: " · score " + t.score_display }) : null,
      t.leader ? h("strong", { class: "leader-mark", text: state.tally.tie ? " · tied first" : " · most votes" }) : null
    );
  }

  function chooseButton(q) {
    if (!isTeacher || step() !== STEP.VOTING || state.voting.state !== "closed" || !votable(q)) return null;
    const leaders = (state.tally && state.tally.leaders) || [];
    if (leaders.length && !leaders.includes(q.question_id)) return null;
    const chosen = state.chosen && state.chosen.question.question_id === q.question_id;
    return button(chosen ? "✓ Chosen" : "Choose this question", async () => {
      const done = await call("POST", "/enquiries/" + E + "/chosen", { question_id: q.question_id });
      if (done) say("Chosen. Move on to first words when you are ready.", "success");
    }, { "aria-pressed": chosen ? "true" : "false" });
  }

  function clarifyForm(q) {
    if (!isPupil || step() !== STEP.AIRING || !q.mine) return null;
    return h(
      "details",
      { class: "clarify" },
      h("summary", { text: "Explain what you meant" }),
      sendForm({
        kind: "clarification-" + q.question_id,
        event: "enquiry_send_clarification",
        label: "What did you mean?",
        limit: 300,
        multiline: true,
        submit: "Send to my teacher",
        payload: () => ({ question_id: q.question_id }),
      })
    );
  }

  function airingTools(q) {
    if (!isTeacher || step() !== STEP.AIRING || q.merged_into_id) return null;
    const reword = h("input", { value: q.text, maxlength: "250" });
    const rewordForm = h("form", { class: "inline-form" }, field("New wording (the original is kept)", reword), h("button", { type: "submit", class: "button small" }, "Reword"));
    rewordForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      await call("POST", "/enquiries/" + E + "/questions/" + q.question_id + "/reword", { text: reword.value });
    });
    const openness = h("select", {}, h("option", { value: "", text: "Not sorted" }), h("option", { value: "closed", text: "Closed" }), h("option", { value: "open", text: "Open" }));
    const basis = h("select", {}, h("option", { value: "", text: "Not sorted" }), h("option", { value: "text", text: "Text-based" }), h("option", { value: "reasoning", text: "Reasoning-based" }));
    openness.value = q.openness || "";
    basis.value = q.basis || "";
    const sort = () => call("POST", "/enquiries/" + E + "/questions/" + q.question_id + "/sort", { openness: openness.value || null, basis: basis.value || null });
    openness.addEventListener("change", sort);
    basis.addEventListener("change", sort);
    const pick = h("input", { type: "checkbox", id: "pick-" + q.question_id });
    pick.checked = selected.has(q.question_id);
    pick.addEventListener("change", () => {
      if (pick.checked) selected.add(q.question_id);
      else selected.delete(q.question_id);
      renderAiringBar();
    });
    return h(
      "div",
      { class: "airing-tools" },
      h("div", { class: "field checkbox" }, pick, h("label", { for: pick.id, text: "Select to merge or link" })),
      h("div", { class: "quadrant-selects cluster" }, field("Closed or open", openness), field("Text or reasoning", basis)),
      h("details", {}, h("summary", { text: "Reword" }), rewordForm),
      button(q.parked ? "Bring back" : "Park for later", () => call("POST", "/enquiries/" + E + "/questions/" + q.question_id + "/park", { parked: !q.parked }), { class: "button secondary small" })
    );
  }

  function parkControl(q) {
    if (!isTeacher || closed() || step() <= STEP.VOTING || q.merged_into_id || q.carried_into_id === E) return null;
    if (state.chosen && state.chosen.question.question_id === q.question_id) return null;
    return button(q.parked ? "Bring back" : "Park for later", () => call("POST", "/enquiries/" + E + "/questions/" + q.question_id + "/park", { parked: !q.parked }), { class: "button secondary small" });
  }

  function questionCard(q) {
    const clarifications = state.clarifications.filter((c) => c.question_id === q.question_id);
    const links = state.question_links
      .filter((pair) => pair.includes(q.question_id))
      .map((pair) => questionById(pair[0] === q.question_id ? pair[1] : pair[0]))
      .filter(Boolean);
    const merged = q.merged_into_id ? questionById(q.merged_into_id) : null;
    const tags = [];
    if (q.openness) tags.push(q.openness === "open" ? "Open" : "Closed");
    if (q.basis) tags.push(q.basis === "text" ? "Text-based" : "Reasoning-based");
    if (q.parked && q.carried_into_id !== E) tags.push("Parked for later");
    if (q.carried_into_id === E) tags.push("From our parked questions");
    return h(
      "li",
      { class: "question" + (q.merged_into_id ? " merged" : "") + (q.parked ? " parked" : ""), "data-question-id": String(q.question_id) },
      h("p", { class: "question-text", text: q.text }),
      q.reworded ? h("p", { class: "muted original", text: "Originally: “" + q.original_text + "”" }) : null,
      h("p", { class: "question-meta" }, label(q), q.merged_from && q.merged_from.length ? h("span", { class: "muted", text: " · merged from " + q.merged_from.length + " questions" }) : null),
      tags.length ? h("ul", { class: "tags" }, ...tags.map((t) => h("li", { class: "tag", text: t }))) : null,
      merged ? h("p", { class: "muted", text: "Merged into: “" + merged.text + "”" }) : null,
      links.length ? h("p", { class: "muted", text: "Similar to: " + links.map((l) => "“" + l.text + "”").join(", ") }) : null,
      clarifications.length
        ? h("ul", { class: "clarifications" }, ...clarifications.map((c) => h("li", {}, h("span", { class: "muted", text: c.author + " explains: " }), c.text, hideControl(c))))
        : null,
      tallyView(q),
      h("div", { class: "question-actions cluster" }, voteButton(q), chooseButton(q), parkControl(q), hideControl(q)),
      clarifyForm(q),
      airingTools(q)
    );
  }

  function renderQuestions() {
    show(byId("questions-panel"), step() >= STEP.QUESTIONS || state.questions.length > 0);
    renderVotingSummary();
    const list = byId("questions-list");
    const ordered = state.questions.slice();
    if (step() >= STEP.VOTING && state.tally && !state.tally.hidden) {
      const rank = new Map(state.tally.questions.map((t, i) => [t.question_id, i]));
      ordered.sort((a, b) => (rank.has(a.question_id) ? rank.get(a.question_id) : 999) - (rank.has(b.question_id) ? rank.get(b.question_id) : 999));
    }
    // Pupils' own questions carry "mine" so the authors can clarify them.
    const mineIds = new Set((state.mine_question_ids || []));
    ordered.forEach((q) => { q.mine = mineIds.has(q.question_id); });
    list.replaceChildren(...ordered.map(questionCard));
    if (!ordered.length) list.append(h("li", { class: "muted empty", text: "No questions on the board yet." }));
    renderQuadrant();
  }

  function renderQuadrant() {
    const box = byId("quadrant");
    const sorted = state.questions.filter((q) => q.openness && q.basis && !q.merged_into_id);
    show(box, sorted.length > 0 && step() >= STEP.AIRING);
    if (!sorted.length) return;
    const cell = (openness, basis, title) =>
      h("div", { class: "quadrant-cell" }, h("h3", { text: title }), h("ul", {}, ...sorted.filter((q) => q.openness === openness && q.basis === basis).map((q) => h("li", { text: q.text }))));
    box.replaceChildren(
      h("h3", { class: "quadrant-title", text: "Question quadrant" }),
      h("div", { class: "quadrant-grid" },
        cell("closed", "text", "Closed, text-based"),
        cell("open", "text", "Open, text-based"),
        cell("closed", "reasoning", "Closed, reasoning-based"),
        cell("open", "reasoning", "Open, reasoning-based"))
    );
  }

  function renderChosen() {
    show(byId("chosen-panel"), !!state.chosen);
    if (!state.chosen) return;
    byId("chosen-body").replaceChildren(
      h("p", { class: "chosen-text", text: state.chosen.question.text }),
      h("p", { class: "muted", text: "Asked by " + (state.chosen.authors.length ? state.chosen.authors.join(", ") : state.chosen.question.author) + (step() === STEP.FIRST ? ": they start us off." : "") })
    );
  }

  // ----- the talk: a thread of contributions ----------------------------------------------------

  // "Reply to" on a contribution fills in the form without losing what was typed.
  function replyToContribution(c) {
    const select = byId("reply-to");
    if (!select) return;
    select.value = String(c.contribution_id);
    const move = document.querySelector("input[name=move]:checked");
    if (!move || !["agree", "disagree", "build"].includes(move.value)) byId("move-build").checked = true;
    byId("send-contribution").focus();
    announce("Answering " + c.author + ".");
  }

  function contributionCard(c) {
    const replies = state.contributions.filter((r) => r.reply_to_id === c.contribution_id);
    const canReply = isPupil && step() === STEP.BUILDING && !closed() && c.move !== "prompt";
    return h(
      "li",
      { class: "contribution move-" + c.move + (c.by_teacher ? " by-teacher" : ""), id: "contribution-" + c.contribution_id },
      h(
        "div",
        { class: "contribution-body" },
        c.move === "prompt"
          ? h("p", {}, h("span", { class: "move-label", text: c.author + " asks: " }), c.text)
          : h("p", {}, h("span", { class: "move-label", text: c.stem + " " }), c.text),
        h("p", { class: "contribution-meta" }, label(c)),
        h("div", { class: "cluster" },
          canReply ? button("Reply to " + c.author, () => replyToContribution(c), { class: "button secondary small" }) : null,
          hideControl(c))
      ),
      replies.length ? h("ol", { class: "replies" }, ...replies.map((r) => contributionCard(r))) : null
    );
  }

  function renderTalk() {
    show(byId("talk-panel"), step() >= STEP.FIRST || state.contributions.length > 0);
    const known = new Set(state.contributions.map((c) => c.contribution_id));
    const roots = state.contributions.filter((c) => !c.reply_to_id || !known.has(c.reply_to_id));
    const list = byId("talk-list");
    list.replaceChildren(...roots.map((c) => contributionCard(c)));
    if (!roots.length) list.append(h("li", { class: "muted empty", text: "Nothing said yet." }));
  }

  function renderLastWords() {
    show(byId("last-words-panel"), step() >= STEP.LAST || state.last_words.length > 0);
    const list = byId("last-words-list");
    list.replaceChildren(...state.last_words.map((w) => h("li", {}, h("strong", { text: w.author }), h("span", { class: "muted", text: " (" + w.class_label + "): " }), w.text, hideControl(w))));
    if (!state.last_words.length) list.append(h("li", { class: "muted empty", text: "No last words yet." }));
  }

  function renderReflection() {
    show(byId("reflection-panel"), step() >= STEP.REFLECTION || closed());
    const rows = state.thumbs.map((t) => h("tr", {}, h("th", { scope: "row", text: t.class_label }), h("td", { text: String(t.up) }), h("td", { text: String(t.sideways) }), h("td", { text: String(t.down) })));
    byId("reflection-body").replaceChildren(
      h("table", { class: "table thumbs-table" },
        h("thead", {}, h("tr", {}, h("th", { scope: "col", text: "Class" }), h("th", { scope: "col", text: "👍 Up" }), h("th", { scope: "col", text: "👉 Sideways" }), h("th", { scope: "col", text: "👎 Down" }))),
        h("tbody", {}, ...rows)),
      state.reflections.length ? h("ul", { class: "plain-list" }, ...state.reflections.map((r) => h("li", {}, h("strong", { text: r.author + ": " }), r.text, hideControl(r)))) : null
    );
  }

  // ----- the side: own items, jottings, waiting items, groups, hands -----------------------------

  function renderMine() {
    if (!isPupil) return;
    show(byId("mine-panel"), state.my_items.length > 0);
    byId("mine-list").replaceChildren(...state.my_items.map(mineCard));
  }

  function mineCard(item) {
    const returned = item.state === "returned";
    const words = returned ? "Your teacher sent this back:" : "Waiting for your teacher";
    const parts = [h("p", { class: "mine-state", "data-state": item.state, text: words }), h("p", { class: "mine-text" }, h("span", { class: "muted", text: KIND_WORDS[item.item_kind] + ": " }), item.text)];
    if (returned && item.feedback) parts.push(h("p", { class: "feedback", text: "“" + item.feedback + "”" }));
    if (returned) {
      const box = h("textarea", { rows: "2", maxlength: "600" });
      box.value = item.text;
      const form = h("form", { class: "stack" }, field("Change it and send it again", box), h("button", { type: "submit", class: "button small" }, "Send again"));
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const done = await call("PUT", "/enquiries/" + E + "/items/" + item.item_id, { text: box.value });
        if (done) {
          upsert(state.my_items, "item_id", done.view);
          renderMine();
          say("Sent to your teacher again.", "success");
        }
      });
      parts.push(form);
    }
    return h("li", { class: "mine-item" }, ...parts);
  }

  let jotTimer = null;
  let jotDirty = false;

  function setupJotting() {
    if (!isPupil) return;
    const box = byId("jotting-text");
    box.value = (state.jotting && state.jotting.text) || "";
    box.addEventListener("input", () => {
      jotDirty = true;
      byId("jotting-status").textContent = "Saving…";
      window.clearTimeout(jotTimer);
      jotTimer = window.setTimeout(saveJotting, 800);
    });
    box.addEventListener("blur", () => {
      if (jotDirty) saveJotting();
    });
  }

  async function saveJotting() {
    window.clearTimeout(jotTimer);
    const box = byId("jotting-text");
    const ack = await command("enquiry_save_jotting", { text: box.value });
    jotDirty = false;
    byId("jotting-status").textContent = ack ? "Saved." : "Not saved yet.";
  }

  function renderJotting() {
    if (!isPupil) return;
    show(byId("jotting-panel"), step() >= STEP.THINKING && !closed());
  }

  function renderPending() {
    if (!isTeacher) return;
    byId("pending-count").textContent = String(state.pending.length);
    const list = byId("pending-list");
    list.replaceChildren(...state.pending.map(pendingCard));
    if (!state.pending.length) list.append(h("li", { class: "muted empty", text: "Nothing is waiting." }));
  }

  function pendingCard(entry) {
    const flagged = entry.flags && entry.flags.length;
    const feedback = h("input", { maxlength: "500", required: true });
    const returnForm = h("form", { class: "inline-form" }, field("Feedback for the pupil", feedback), h("button", { type: "submit", class: "button secondary small" }, "Send back"));
    returnForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (await call("POST", "/enquiries/" + E + "/items/" + entry.id + "/return", { feedback: feedback.value })) {
        state.pending = state.pending.filter((p) => p.id !== entry.id);
        renderPending();
      }
    });
    return h(
      "li",
      { class: "pending-item" + (flagged ? " flagged" : "") },
      h("p", { class: "muted", text: KIND_WORDS[entry.kind] + " from " + entry.author + (entry.group ? " (" + entry.group + ")" : "") }),
      entry.reply_to ? h("p", { class: "muted", text: "In reply to " + entry.reply_to.author + ": “" + entry.reply_to.text + "”" }) : null,
      h("p", { class: "pending-text", text: entry.text }),
      flagged ? h("p", { class: "alert warning", text: "Check: this may contain " + entry.flags.map((f) => f.label).join(", ") + "." }) : null,
      h("div", { class: "cluster" },
        button("Approve", async () => {
          if (await call("POST", "/enquiries/" + E + "/items/" + entry.id + "/approve")) {
            state.pending = state.pending.filter((p) => p.id !== entry.id);
            renderPending();
          }
        }, { class: "button small" }),
        h("details", {}, h("summary", { text: "Send back with a note" }), returnForm))
    );
  }

  function renderGroups() {
    if (!isTeacher) return;
    const mineClass = state.roster.length ? state.roster[0].classroom_id : null;
    const groups = state.groups.filter((g) => g.classroom_id === mineClass);
    const parts = [];
    parts.push(groups.length
      ? h("ul", { class: "plain-list" }, ...groups.map((g) => h("li", {}, g.name, " ", step() < STEP.VOTING && !closed() ? button("Break up", () => call("DELETE", "/enquiries/" + E + "/groups/" + g.group_id).then((ok) => { if (ok !== null) { state.groups = state.groups.filter((x) => x.group_id !== g.group_id); renderGroups(); } }), { class: "button secondary small" }) : null)))
      : h("p", { class: "muted", text: "Pupils work alone. Put some in groups if you like." }));
    if (step() < STEP.VOTING && !closed()) {
      const grouped = new Set(state.groups.flatMap((g) => g.members.map((m) => m.pupil_id)));
      const boxes = state.roster.filter((p) => !grouped.has(p.pupil_id)).map((p) => {
        const box = h("input", { type: "checkbox", value: String(p.pupil_id), id: "g-" + p.pupil_id });
        return h("div", { class: "field checkbox" }, box, h("label", { for: box.id, text: p.name }));
      });
      const form = h("form", { class: "stack" }, h("fieldset", {}, h("legend", { text: "Choose 2 to 6 pupils" }), ...boxes), h("button", { type: "submit", class: "button small" }, "Make a group"));
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const ids = Array.from(form.querySelectorAll("input:checked")).map((b) => Number(b.value));
        const group = await call("POST", "/enquiries/" + E + "/groups", { pupil_ids: ids });
        if (group) {
          upsert(state.groups, "group_id", group);
          renderGroups();
        }
      });
      parts.push(h("details", {}, h("summary", { text: "Make a group" }), form));
    }
    byId("groups-body").replaceChildren(...parts);
  }

  function renderQueue() {
    const talking = (step() === STEP.FIRST || step() === STEP.BUILDING) && !closed();
    show(byId("queue-panel"), talking);
    if (!talking) return;
    const q = state.speaker_queue;
    const parts = [];
    parts.push(h("p", { class: "speaking" }, q.speaking ? h("strong", { text: "Speaking: " + q.speaking.name }) : "Nobody is speaking.", q.speaking ? h("span", { class: "muted", text: " (" + q.speaking.class_label + ")" }) : null));
    parts.push(q.waiting.length
      ? h("ol", { class: "waiting" }, ...q.waiting.map((w) => h("li", {}, w.name, h("span", { class: "muted", text: " (" + w.class_label + ")" }), isTeacher ? button("Lower", () => command("enquiry_lower_hand", { pupil_id: w.pupil_id }), { class: "button secondary small" }) : null)))
      : h("p", { class: "muted", text: "No hands up." }));
    if (isTeacher) parts.push(button("Next speaker", () => command("enquiry_call_next", {}), { class: "button" }));
    if (isPupil) {
      const up = q.waiting.some((w) => w.pupil_id === viewer.pupil_id);
      const speaking = q.speaking && q.speaking.pupil_id === viewer.pupil_id;
      if (speaking) parts.push(h("p", { class: "alert success", text: "It's your turn to speak!" }));
      else parts.push(button(up ? "Put my hand down" : "✋ Put my hand up", () => command(up ? "enquiry_lower_hand" : "enquiry_raise_hand", {}), { class: "button large", "aria-pressed": up ? "true" : "false" }));
    }
    byId("queue-body").replaceChildren(...parts);
  }

  // ----- the timer ----------------------------------------------------------------------------

  let offset = 0;
  let timesUpSaid = false;

  function syncClock() {
    if (state.timer && state.timer.server_now) offset = Date.parse(state.timer.server_now) - Date.now();
  }

  function tick() {
    const t = state.timer;
    const box = byId("timer");
    const active = t && (t.running || t.remaining !== null) && !closed();
    show(box, !!active);
    if (!active) return;
    let left = t.remaining || 0;
    if (t.running) left = Math.max(0, Math.round((Date.parse(t.ends_at) - (Date.now() + offset)) / 1000));
    const text = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
    byId("timer-value").textContent = t.running ? text : text + " (paused)";
    box.dataset.ending = left <= 10 ? "true" : "false";
    if (t.running && left === 0 && !timesUpSaid) {
      timesUpSaid = true;
      announce("Time is up.");
    }
    if (left > 0) timesUpSaid = false;
  }

  // ----- teacher controls ---------------------------------------------------------------------

  function renderControls() {
    if (!isTeacher) return;
    const box = byId("controls");
    if (closed()) {
      box.replaceChildren(h("p", { class: "muted", text: "Closed. The board stays readable." }));
      return;
    }
    const back = neighbour("back");
    const next = neighbour("next");
    const move = (direction) => async () => {
      const ack = await command("enquiry_move_step", { direction: direction, from_step: step() });
      if (ack) applyCard(ack.enquiry);
    };
    const minutes = h("select", { id: "timer-minutes" }, ...[1, 2, 3, 5, 10, 15].map((m) => h("option", { value: String(m * 60), text: m + (m === 1 ? " minute" : " minutes") })));
    minutes.value = "180";
    const t = state.timer || {};
    box.replaceChildren(
      h("div", { class: "cluster step-buttons" },
        back !== null ? button("← Back: " + stepName(back), move("back"), { class: "button secondary" }) : null,
        next !== null ? button("Next: " + stepName(next) + " →", move("next"), { class: "button" }) : null,
        button(state.enquiry.paused ? "Carry on" : "Pause the board", () => command("enquiry_pause", { paused: !state.enquiry.paused }), { class: "button secondary", "aria-pressed": state.enquiry.paused ? "true" : "false" })),
      h("div", { class: "cluster timer-controls" },
        field("Timer", minutes),
        button("Start timer", () => command("enquiry_set_timer", { action: "start", seconds: Number(minutes.value) }), { class: "button secondary small" }),
        t.running ? button("Pause timer", () => command("enquiry_set_timer", { action: "pause" }), { class: "button secondary small" }) : null,
        !t.running && t.remaining ? button("Resume timer", () => command("enquiry_set_timer", { action: "resume" }), { class: "button secondary small" }) : null,
        t.running || t.remaining ? button("Stop timer", () => command("enquiry_set_timer", { action: "stop" }), { class: "button secondary small" }) : null)
    );
  }

  function applyCard(card) {
    if (!card) return;
    const changed = card.step !== state.enquiry.step;
    Object.assign(state.enquiry, card);
    if (changed) renderAll();
    else renderSteps();
  }

  // ----- the step area: what to do now ------------------------------------------------------------

  let stepKey = null;

  function renderStepArea(force) {
    const key = [step(), state.enquiry.paused, closed(), JSON.stringify(state.voting), viewer.is_chosen_author, (state.stimulus || {}).kind].join("|");
    if (!force && key === stepKey) return;
    stepKey = key;
    const area = byId("step-area");
    if (closed()) {
      area.replaceChildren(h("p", { class: "lead", text: "This enquiry has closed. Thank you for thinking together!" }));
      return;
    }
    const parts = isTeacher ? teacherStep() : isPupil ? pupilStep() : observerStep();
    area.replaceChildren(...parts.filter(Boolean));
    if (isPupil && state.enquiry.paused) area.querySelectorAll("button, input, textarea, select").forEach((el) => { el.disabled = true; });
  }

  function observerStep() {
    return [h("p", { class: "muted", text: "You are following this board. Only the two classes take part." })];
  }

  function pupilStep() {
    switch (step()) {
      case STEP.RULES:
        return [h("p", { class: "lead", text: "Read our ground rules together." }), h("ol", { class: "ground-rules big" }, ...state.ground_rules.rules.map((r) => h("li", { text: r })))];
      case STEP.STIMULUS:
        return [h("p", { class: "lead", text: "Look, listen and wonder. What puzzles you?" })];
      case STEP.THINKING:
        return [h("p", { class: "lead", text: "Quiet thinking time. Write your ideas in “My jottings”: only you" + (viewer.group ? " and your group" : "") + " can see them." }), button("Go to my jottings", () => byId("jotting-text").focus(), { class: "button large" })];
      case STEP.CONCEPTS:
        return [sendForm({ kind: "concept", event: "enquiry_send_concept", label: "A big idea in the stimulus", hint: "One word or a few, like “fairness” or “being brave”.", limit: 40, submit: "Send my big idea" })];
      case STEP.QUESTIONS:
        return [sendForm({ kind: "question", event: "enquiry_send_question", label: viewer.group ? "Your group's question" : "Your question", hint: "A big question we could talk about. End it with a question mark (?).", limit: 200, multiline: true, submit: "Send my question" })];
      case STEP.AIRING:
        return [h("p", { class: "lead", text: "Read everyone's questions. If one of them is yours, you can explain what you meant." })];
      case STEP.VOTING:
        return [h("p", { class: "lead", text: state.voting.state === "open" ? state.voting.rule_words + " Press “Vote” on the questions you choose." : state.voting.state === "closed" ? "Voting has closed. Let's see which question we chose!" : "Voting starts soon." })];
      case STEP.FIRST:
        if (viewer.is_chosen_author) {
          return [h("p", { class: "lead", text: "You asked our question! Tell everyone why you asked it." }), sendForm({ kind: "contribution", event: "enquiry_send_contribution", label: "Your first words", limit: 500, multiline: true, submit: "Send", payload: () => ({ move: "first_words" }) })];
        }
        return [h("p", { class: "lead", text: "Listen to the question's authors first. Put your hand up when you want to speak." })];
      case STEP.BUILDING:
        return [buildingForm()];
      case STEP.LAST:
        return [sendForm({ kind: "last_words", event: "enquiry_send_last_words", label: viewer.group ? "Your group's last words" : "Your last words", hint: "One final thought: what do you think now?", limit: 300, multiline: true, submit: "Send my last words" })];
      case STEP.REFLECTION:
        return [thumbs(), sendForm({ kind: "reflection", event: "enquiry_send_reflection", label: "Anything else about how we thought together? (you can skip this)", limit: 500, multiline: true, submit: "Send my reflection" })];
      default:
        return [];
    }
  }

  function buildingForm() {
    const choices = MOVES.map(([value, text]) => {
      const input = h("input", { type: "radio", name: "move", value: value, id: "move-" + value });
      return h("div", { class: "move-choice" }, input, h("label", { for: input.id, text: text }));
    });
    const moves = h("fieldset", { class: "moves" }, h("legend", { text: "How do you join in?" }), ...choices);
    const targets = state.contributions.filter((c) => c.move !== "prompt");
    const select = h("select", { id: "reply-to" }, h("option", { value: "", text: "Nobody in particular" }), ...targets.map((c) => h("option", { value: String(c.contribution_id), text: c.author + ": " + c.text.slice(0, 60) })));
    moves.querySelector("#move-example").checked = true;
    const form = sendForm({
      kind: "contribution",
      event: "enquiry_send_contribution",
      label: "Your words",
      limit: 500,
      multiline: true,
      submit: "Send",
      extra: h("div", { class: "stack" }, moves, field("Whose idea are you answering?", select)),
      payload: () => ({ move: (form.querySelector("input[name=move]:checked") || {}).value || "example", reply_to_id: select.value ? Number(select.value) : null }),
      after: () => { select.value = ""; },
    });
    return form;
  }

  function thumbs() {
    const options = [["up", "👍 We thought well together"], ["sideways", "👉 Some of the time"], ["down", "👎 Not this time"]];
    return h(
      "div",
      { class: "thumbs", role: "group", "aria-label": "How well did we think together?" },
      ...options.map(([value, text]) => h("button", {
        type: "button",
        class: "button large thumb" + (state.my_thumb === value ? " chosen" : ""),
        "aria-pressed": state.my_thumb === value ? "true" : "false",
        onclick: async () => {
          const ack = await command("enquiry_set_thumb", { value: value });
          if (ack) {
            state.my_thumb = ack.value;
            state.thumbs = ack.thumbs;
            renderStepArea(true);
            renderReflection();
            announce("Thank you!");
          }
        },
      }, text))
    );
  }

  function teacherStep() {
    switch (step()) {
      case STEP.RULES:
        return [rulesEditor()];
      case STEP.STIMULUS:
        return [stimulusForm()];
      case STEP.THINKING:
        return [h("p", { text: "Pupils jot privately: jottings are never shared, not even with you. Start a timer above; set up groups on the right." })];
      case STEP.CONCEPTS:
        return [h("p", { text: "Pupils name the big ideas. Approve them on the right; you can add some too." }), sendForm({ kind: "concept", event: "enquiry_send_concept", label: "Add a big idea", limit: 40, submit: "Add to the board" })];
      case STEP.QUESTIONS:
        return [h("p", { text: "Questions arrive on the right for you to approve; approved ones appear on the shared board." }), sendForm({ kind: "question", event: "enquiry_send_question", label: "Add a question (for example one said aloud)", limit: 200, multiline: true, submit: "Add to the board" })];
      case STEP.AIRING:
        return [h("p", { text: "Sort, link, merge, reword or park questions below. Pupils can explain their own questions." }), h("div", { id: "airing-bar", class: "airing-bar" })];
      case STEP.VOTING:
        return [votingSetup()];
      case STEP.FIRST:
      case STEP.BUILDING:
        return [h("p", { text: step() === STEP.FIRST ? "The chosen question's authors give their first words. Call speakers from the hands-up queue." : "Pupils build on each other's ideas. Put a prompt on the board when it helps." }), promptPicker()];
      case STEP.LAST:
        return [h("p", { text: "Each pupil or group gives one final thought. Approve them on the right." })];
      case STEP.REFLECTION:
        return [h("p", { text: "Pupils give a thumb and may write a reflection." }), h("div", { id: "summary" }), button("Show the summary", loadSummary, { class: "button secondary" }), closeButton()];
      default:
        return [];
    }
  }

  function rulesEditor() {
    const box = h("textarea", { rows: "6", id: "rules-text" });
    box.value = state.ground_rules.rules.join("\n");
    const form = h("form", { class: "stack" }, field("Our ground rules (one on each line)", box, state.ground_rules.agreed ? null : "Suggested rules: change them to what your two classes agreed."), h("button", { type: "submit", class: "button" }, "Save the ground rules"));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const saved = await call("PUT", "/links/" + state.enquiry.link_id + "/ground-rules", { rules: box.value.split("\n") });
      if (saved) say("Saved: every screen shows them now.", "success");
    });
    return form;
  }

  function stimulusForm() {
    const kind = h("select", { id: "stimulus-kind" },
      h("option", { value: "story", text: "A story" }), h("option", { value: "text", text: "A text" }), h("option", { value: "picture", text: "A picture" }),
      h("option", { value: "video", text: "A link to a video shown in class" }), h("option", { value: "post", text: "A post from our shared space" }));
    const title = h("input", { id: "stimulus-title", maxlength: "120" });
    const text = h("textarea", { id: "stimulus-text", rows: "6", maxlength: "5000" });
    const url = h("input", { id: "stimulus-url", type: "url", maxlength: "500", placeholder: "https://" });
    const picture = h("input", { id: "stimulus-image", type: "file", accept: "image/*" });
    const alt = h("input", { id: "stimulus-alt", maxlength: "300" });
    const post = h("select", { id: "stimulus-post" }, h("option", { value: "", text: "Loading posts…" }));
    const theme = h("select", { id: "stimulus-theme" }, h("option", { value: "", text: "No theme" }), ...themes.map((t) => h("option", { value: t, text: t })));
    const s = state.stimulus;
    if (s && s.kind !== "question") {
      kind.value = s.kind;
      title.value = s.title || "";
      text.value = s.text || "";
      url.value = s.url || "";
      alt.value = s.alt || "";
    }
    if (s && s.theme) theme.value = s.theme;
    const parts = {
      title: field("Title", title), text: field("Text", text), url: field("The video's web address", url),
      picture: field("Picture", picture, "It is cleaned of any hidden data before anyone sees it."),
      alt: field("Describe the picture in words", alt, "For pupils who cannot see it."),
      post: field("Post", post, "Approved posts from the shared space."),
    };
    const shown = { story: ["title", "text"], text: ["title", "text"], video: ["title", "url", "text"], picture: ["title", "picture", "alt"], post: ["post"] };
    const update = () => Object.entries(parts).forEach(([name, el]) => show(el, shown[kind.value].includes(name)));
    kind.addEventListener("change", () => { update(); if (kind.value === "post") loadPosts(post); });
    update();
    const form = h("form", { class: "stack stimulus-form" }, field("What will you share?", kind), ...Object.values(parts), field("Theme (optional)", theme), h("button", { type: "submit", class: "button" }, s ? "Share again" : "Share with both classes"));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      let done;
      if (kind.value === "picture") {
        const data = new FormData();
        if (picture.files[0]) data.append("image", picture.files[0]);
        data.append("title", title.value);
        data.append("alt", alt.value);
        data.append("theme", theme.value);
        done = await call("POST", "/enquiries/" + E + "/stimulus/picture", data);
      } else {
        done = await call("PUT", "/enquiries/" + E + "/stimulus", {
          kind: kind.value, title: title.value, text: text.value, url: url.value || null,
          post_item_id: post.value ? Number(post.value) : null, theme: theme.value || null,
        });
      }
      if (done) {
        state.stimulus = done.stimulus;
        renderStimulus();
        say("Shared with both classes.", "success");
      }
    });
    if (kind.value === "post") loadPosts(post);
    return form;
  }

  // The space area's API lists approved posts; fall back to typing a post's number.
  async function loadPosts(select) {
    const answer = await Exchange.api("GET", "/api/v1/links/" + state.enquiry.link_id + "/space");
    const posts = [];
    if (answer.ok && answer.body) {
      (answer.body.columns || []).forEach((col) => (col.posts || []).forEach((p) => {
        if (!p.state || p.state === "approved") posts.push(p);
      }));
    }
    select.replaceChildren(h("option", { value: "", text: posts.length ? "Choose a post" : "No approved posts yet" }), ...posts.map((p) => h("option", { value: String(p.item_id), text: (p.title || p.text || "Post").slice(0, 80) + " (" + (p.author || "") + ")" })));
  }

  function renderAiringBar() {
    const bar = byId("airing-bar");
    if (!bar) return;
    const ids = Array.from(selected).filter((id) => questionById(id));
    if (!ids.length) {
      bar.replaceChildren(h("p", { class: "muted", text: "Select questions below to merge or link them." }));
      return;
    }
    const merged = h("input", { id: "merge-text", maxlength: "250" });
    const mergeForm = h("form", { class: "inline-form" }, field("Merged wording", merged), h("button", { type: "submit", class: "button small" }, "Merge " + ids.length + " questions"));
    mergeForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (await call("POST", "/enquiries/" + E + "/questions/merge", { question_ids: ids, text: merged.value })) {
        selected.clear();
        renderAiringBar();
      }
    });
    bar.replaceChildren(
      h("p", { text: ids.length + " selected." }),
      ids.length >= 2 ? mergeForm : null,
      ids.length === 2 ? button("Link as similar", async () => { if (await call("POST", "/enquiries/" + E + "/questions/links", { question_ids: ids, linked: true })) { selected.clear(); renderQuestions(); renderAiringBar(); } }, { class: "button secondary small" }) : null,
      ids.length === 2 ? button("Unlink", () => call("POST", "/enquiries/" + E + "/questions/links", { question_ids: ids, linked: false }), { class: "button secondary small" }) : null,
      button("Clear selection", () => { selected.clear(); renderQuestions(); renderAiringBar(); }, { class: "button secondary small" })
    );
  }

  function votingSetup() {
    const v = state.voting;
    const method = h("select", { id: "vote-method" }, h("option", { value: "single", text: "Single vote: one each" }), h("option", { value: "multi", text: "Multi-vote: N each, one per question" }), h("option", { value: "omni", text: "Omnivote: as many as you like" }));
    method.value = v.method;
    const n = h("input", { id: "vote-n", type: "number", min: "2", max: "10", value: String(v.votes_per_voter || 3) });
    const blind = h("input", { type: "checkbox", id: "vote-blind" });
    blind.checked = v.blind;
    const equal = h("input", { type: "checkbox", id: "vote-equal" });
    equal.checked = v.equal_weight;
    const nField = field("Votes each", n);
    const update = () => show(nField, method.value === "multi");
    method.addEventListener("change", update);
    update();
    const disabled = v.state === "open";
    const form = h("form", { class: "stack voting-form" },
      h("fieldset", { disabled: disabled },
        h("legend", { text: "How will we vote?" }),
        field("Method", method), nField,
        h("div", { class: "field checkbox" }, blind, h("label", { for: "vote-blind", text: "Blind: hide the votes until voting closes" })),
        h("div", { class: "field checkbox" }, equal, h("label", { for: "vote-equal", text: "Equal weight: both classes' votes count the same in total" }))),
      h("div", { class: "cluster" },
        v.state !== "open" ? h("button", { type: "submit", class: "button" }, "Open voting") : null,
        v.state === "open" ? button("Close voting", () => call("POST", "/enquiries/" + E + "/voting/close"), { class: "button" }) : null,
        v.state === "closed" ? button("Clear the votes", () => call("DELETE", "/enquiries/" + E + "/votes"), { class: "button secondary" }) : null));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const rules = { method: method.value, votes_per_voter: method.value === "multi" ? Number(n.value) : null, blind: blind.checked, equal_weight: equal.checked };
      const same = rules.method === v.method && rules.blind === v.blind && rules.equal_weight === v.equal_weight && (rules.method !== "multi" || rules.votes_per_voter === v.votes_per_voter);
      if (!same && !(await call("PUT", "/enquiries/" + E + "/voting", rules))) return;
      await call("POST", "/enquiries/" + E + "/voting/open");
    });
    return form;
  }

  function promptPicker() {
    const free = h("input", { id: "prompt-text", maxlength: "200" });
    const form = h("form", { class: "inline-form" }, field("Your own prompt", free), h("button", { type: "submit", class: "button small" }, "Put on the board"));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (await command("enquiry_post_prompt", { text: free.value })) free.value = "";
    });
    return h("div", { class: "prompts" },
      h("h3", { text: "Facilitation prompts" }),
      h("ul", { class: "prompt-buttons cluster" }, ...state.prompts.map((p) => h("li", {}, button(p.text, () => command("enquiry_post_prompt", { prompt_id: p.prompt_id }), { class: "button secondary small" })))),
      form);
  }

  async function loadSummary() {
    const summary = await call("GET", "/enquiries/" + E + "/summary");
    if (!summary) return;
    const box = byId("summary");
    box.replaceChildren(
      h("h3", { text: "Summary" }),
      h("table", { class: "table" },
        h("thead", {}, h("tr", {}, ...["Class", "Questions", "Voters", "Contributions", "Reflections", "👍", "👉", "👎"].map((t) => h("th", { scope: "col", text: t })))),
        h("tbody", {}, ...summary.classes.map((c, i) => {
          const t = summary.thumbs[i];
          return h("tr", {}, h("th", { scope: "row", text: c.class_label }), ...[c.questions, c.voters, c.contributions, c.reflections, t.up, t.sideways, t.down].map((x) => h("td", { text: String(x) })));
        }))),
      summary.reflections_waiting ? h("p", { class: "muted", text: summary.reflections_waiting + " written reflections are waiting for approval." }) : null
    );
  }

  function closeButton() {
    return button("Close the enquiry", async () => {
      const done = await call("POST", "/enquiries/" + E + "/close");
      if (done) applyCard(done);
    }, { class: "button danger" });
  }

  // ----- everything ---------------------------------------------------------------------------

  function renderLists() {
    renderConcepts();
    renderQuestions();
    renderChosen();
    renderTalk();
    renderLastWords();
    renderReflection();
    renderMine();
    renderPending();
    renderQueue();
  }

  function renderAll() {
    renderSteps();
    renderControls();
    renderRules();
    renderStimulus();
    renderJotting();
    renderGroups();
    renderLists();
    renderStepArea();
    renderAiringBar();
    tick();
  }

  // ----- following the streams ----------------------------------------------------------------

  async function refreshViewer() {
    const answer = await Exchange.api("GET", "/api/v1/enquiries/" + E);
    if (!answer.ok) return;
    Object.assign(viewer, answer.body.viewer);
    state.my_items = answer.body.my_items;
    state.mine_question_ids = answer.body.mine_question_ids || [];
    renderStepArea(true);
    renderMine();
  }

  function onBoard(m) {
    switch (m.kind) {
      case "board_step":
        Object.assign(state.enquiry, { step: m.step, step_key: m.step_key, step_name: m.step_name, pupil_words: m.pupil_words });
        selected.clear();
        announce("Now: " + (isPupil ? m.pupil_words : m.step_name));
        if (isPupil && (m.step === STEP.FIRST || m.step === STEP.AIRING)) refreshViewer();
        break;
      case "board_paused":
        state.enquiry.paused = m.paused;
        state.timer = m.timer;
        syncClock();
        announce(m.paused ? "The board is paused." : "The board carries on.");
        break;
      case "timer_changed":
        state.timer = m.timer;
        syncClock();
        if (m.timer.running) announce("The timer has started.");
        break;
      case "stimulus_shared":
        state.stimulus = m.stimulus;
        announce("The stimulus is on the board.");
        break;
      case "ground_rules_changed":
        state.ground_rules = { rules: m.rules, agreed: m.agreed };
        break;
      case "item_approved": {
        const list = LISTS[m.item_kind];
        if (!list) return;
        if (m.item_kind === "question" && state.my_items.some((e) => e.item_id === m.item_id)) {
          state.mine_question_ids = (state.mine_question_ids || []).concat([m.question_id]);
        }
        upsert(state[list], "item_id", m);
        state.my_items = state.my_items.filter((e) => e.item_id !== m.item_id);
        state.pending = state.pending.filter((e) => e.id !== m.item_id);
        announce("New " + KIND_WORDS[m.item_kind] + " from " + m.author + ".");
        break;
      }
      case "item_removed":
        removeItem(m.item_id);
        if (state.chosen && state.chosen.question.item_id === m.item_id) state.chosen = null;
        break;
      case "question_updated":
        upsert(state.questions, "question_id", m.question);
        break;
      case "questions_linked":
        state.question_links = m.links;
        break;
      case "voting_changed":
        state.voting = m.voting;
        if (m.cleared && state.my_votes) state.my_votes = { question_ids: [], votes_left: m.voting.votes_per_voter };
        if (m.voting.state === "open" || m.cleared) state.chosen = null;
        announce({ open: "Voting is open.", closed: "Voting has closed.", not_open: "Voting was reset." }[m.voting.state]);
        break;
      case "tally_changed":
        state.tally = Object.assign({ hidden: false }, m.tally);
        break;
      case "voting_progress":
        state.tally = { hidden: true, progress: m.progress };
        break;
      case "question_chosen":
        state.chosen = { question: m.question, authors: m.authors };
        announce("Our question: " + m.question.text);
        if (isPupil) refreshViewer();
        break;
      case "speaker_queue":
        state.speaker_queue = m.queue;
        if (isPupil && m.queue.speaking && m.queue.speaking.pupil_id === viewer.pupil_id) announce("It's your turn to speak!");
        break;
      case "thumbs_changed":
        state.thumbs = m.thumbs;
        break;
      case "groups_changed": {
        state.groups = m.groups;
        if (isPupil) {
          const mine = m.groups.find((g) => g.members.some((x) => x.pupil_id === viewer.pupil_id));
          if ((mine ? mine.group_id : null) !== (viewer.group ? viewer.group.group_id : null)) {
            // The pupil's owner changed: their jottings and votes follow another stream.
            window.location.reload();
            return;
          }
        }
        break;
      }
      case "enquiry_closed":
        state.enquiry.state = "closed";
        state.enquiry.closed_at = m.closed_at;
        announce("The enquiry has closed.");
        break;
      default:
        return;
    }
    renderAll();
  }

  function onOwn(m) {
    if (m.kind === "jotting_saved") {
      state.jotting = m.jotting;
      const box = byId("jotting-text");
      if (!jotDirty && box.value !== m.jotting.text) {
        box.value = m.jotting.text;
        byId("jotting-status").textContent = m.jotting.updated_by ? "Saved by " + m.jotting.updated_by + "." : "Saved.";
      }
    } else if (m.kind === "my_votes") {
      state.my_votes = { question_ids: m.question_ids, votes_left: m.votes_left };
      renderQuestions();
    } else if (m.kind === "my_thumb") {
      state.my_thumb = m.value;
      renderStepArea(true);
    }
  }

  function onPupil(m) {
    if (m.kind !== "item_status" || !KIND_WORDS[m.item_kind]) return;
    const mine = state.my_items.find((e) => e.item_id === m.item_id);
    if (!mine) return;
    if (m.state === "approved") {
      state.my_items = state.my_items.filter((e) => e.item_id !== m.item_id);
      announce("Your teacher approved your " + KIND_WORDS[m.item_kind] + ".");
    } else {
      Object.assign(mine, { state: m.state, stage: m.stage, feedback: m.feedback, version: m.version });
      if (m.state === "returned") announce("Your teacher sent your " + KIND_WORDS[m.item_kind] + " back with a note.");
    }
    renderMine();
  }

  function onQueue(m) {
    if (m.kind === "queue_item_added" && m.item && m.item.enquiry_id === E) {
      upsert(state.pending, "id", m.item);
      announce("Waiting for you: a " + KIND_WORDS[m.item.kind] + " from " + m.item.author + ".");
      renderPending();
    } else if (m.kind === "queue_item_removed") {
      state.pending = state.pending.filter((e) => e.id !== m.item_id);
      renderPending();
    }
  }

  syncClock();
  setupJotting();
  renderAll();
  window.setInterval(tick, 500);
  if (Exchange.realtime) {
    const rt = Exchange.realtime();
    const s = state.streams;
    rt.follow(s.board.stream, s.board.seq, onBoard);
    if (s.own) rt.follow(s.own.stream, s.own.seq, onOwn);
    if (s.pupil) rt.follow(s.pupil.stream, s.pupil.seq, onPupil);
    (s.queues || []).forEach((q) => rt.follow(q.stream, q.seq, onQueue));
    if (Exchange.showConnection) Exchange.showConnection();
  }
})();
