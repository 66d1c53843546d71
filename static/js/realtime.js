// Real-time client shared by every page: streams with sequence numbers, catch-up, commands.
//
// The server is the record. Each stream (link:7, queue:3, pupil:12, live:5 ...) numbers its
// events 1, 2, 3 ... A page is rendered at some sequence number (data-seq on the element that
// declares the stream); the client subscribes "after" that number and receives everything it
// missed, in order. Duplicates are dropped; a gap makes it ask again. Reconnecting (laptop lid,
// Wi-Fi) re-subscribes every stream after the last number it saw.
(function () {
  "use strict";

  const Exchange = (window.Exchange = window.Exchange || {});

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // Announce a live update to screen readers without moving focus.
  function announce(text) {
    const region = document.getElementById("live-announcer");
    if (!region) return;
    region.textContent = "";
    window.setTimeout(function () {
      region.textContent = text;
    }, 50);
  }

  // JSON API call with the CSRF token; resolves to {status, body}.
  async function api(method, url, body) {
    const options = {
      method: method,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
    };
    if (body instanceof FormData) {
      options.body = body;
    } else if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch(url, options);
    let data = null;
    try {
      data = await response.json();
    } catch (err) {
      data = null;
    }
    return { status: response.status, ok: response.ok, body: data };
  }

  function chosenTransports() {
    // School proxies often block WebSockets: ?transport=polling forces long-polling for a session.
    const params = new URLSearchParams(window.location.search);
    const asked = params.get("transport");
    if (asked === "polling" || asked === "websocket") {
      window.sessionStorage.setItem("exchange-transport", asked);
    }
    const stored = window.sessionStorage.getItem("exchange-transport");
    if (stored === "polling") return ["polling"];
    if (stored === "websocket") return ["websocket"];
    return ["polling", "websocket"];
  }

  function newClientId() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  class Realtime {
    constructor() {
      this.streams = new Map(); // stream -> {last, handlers, pending: Map(seq -> msg), fetching}
      this.statusHandlers = [];
      this.socket = window.io({
        transports: chosenTransports(),
        reconnection: true,
        reconnectionDelay: 500,
        reconnectionDelayMax: 5000,
      });
      this.socket.on("connect", () => {
        this.setStatus("connected");
        this.streams.forEach((_state, stream) => this.resubscribe(stream));
      });
      this.socket.on("disconnect", (reason) => {
        this.setStatus("disconnected", reason);
        if (reason === "io server disconnect") {
          // The server ended this socket (shutdown or sign-out): try again shortly.
          window.setTimeout(() => this.socket.connect(), 1000);
        }
      });
      this.socket.on("connect_error", () => this.setStatus("reconnecting"));
      this.socket.onAny((event, message) => this.receive(event, message));
    }

    setStatus(status, detail) {
      this.status = status;
      document.documentElement.dataset.realtime = status;
      this.statusHandlers.forEach((handler) => handler(status, detail));
    }

    onStatus(handler) {
      this.statusHandlers.push(handler);
    }

    // Follow a stream. `after` is the sequence number the page was rendered at (or null for
    // "from now on"); `handler(message)` gets each event, in order, exactly once.
    follow(stream, after, handler) {
      let state = this.streams.get(stream);
      if (!state) {
        state = {
          last: after === null || after === undefined ? null : Number(after),
          handlers: [],
          pending: new Map(),
          fetching: false,
        };
        this.streams.set(stream, state);
      }
      state.handlers.push(handler);
      if (this.socket.connected) this.resubscribe(stream);
      return this;
    }

    resubscribe(stream) {
      const state = this.streams.get(stream);
      if (!state || state.fetching) return;
      state.fetching = true;
      this.socket
        .timeout(10000)
        .emit("subscribe", { stream: stream, after_seq: state.last }, (err, ack) => {
          state.fetching = false;
          if (err || !ack || !ack.ok) {
            if (ack && ack.error === "forbidden") return;
            window.setTimeout(() => this.resubscribe(stream), 2000);
            return;
          }
          if (ack.reset) {
            // Too much was missed to replay: the page reloads its state from the server.
            window.location.reload();
            return;
          }
          if (state.last === null) state.last = ack.last_seq;
          ack.events.forEach((message) => this.accept(stream, state, message));
          // The answer is complete up to last_seq: numbers it skipped were deleted (a pupil's
          // data removed, retention), so they will never come.
          if (ack.last_seq > state.last) state.last = ack.last_seq;
          this.drain(stream, state);
        });
    }

    receive(event, message) {
      if (!message || typeof message !== "object" || !message.stream) return;
      const state = this.streams.get(message.stream);
      if (!state) return;
      if (message.seq === undefined) {
        // An ephemeral signal (presence, counters): not numbered, delivered as it comes.
        state.handlers.forEach((handler) => handler(message));
        return;
      }
      if (state.last === null || state.fetching) {
        state.pending.set(message.seq, message);
        return;
      }
      if (message.seq <= state.last) return; // already seen
      if (message.seq > state.last + 1) {
        state.pending.set(message.seq, message);
        this.resubscribe(message.stream); // a gap: fetch what is missing
        return;
      }
      this.accept(message.stream, state, message);
      this.drain(message.stream, state);
    }

    accept(stream, state, message) {
      if (state.last !== null && message.seq <= state.last) return;
      state.last = message.seq;
      state.handlers.forEach((handler) => {
        try {
          handler(message);
        } catch (err) {
          window.console.error("handler failed for", stream, message.kind, err);
        }
      });
    }

    drain(stream, state) {
      const ordered = Array.from(state.pending.keys()).sort((a, b) => a - b);
      ordered.forEach((seq) => {
        if (state.last !== null && seq <= state.last) state.pending.delete(seq);
      });
      let next = state.last + 1;
      while (state.pending.has(next)) {
        const message = state.pending.get(next);
        state.pending.delete(next);
        this.accept(stream, state, message);
        next = state.last + 1;
      }
      if (state.pending.size) this.resubscribe(stream);
    }

    // Send a command; resolves with the server's acknowledgement ({ok: true, ...} or
    // {ok: false, error, message}). Retries on timeout with the same payload, so commands that
    // carry a client_id are stored once however often they are sent.
    command(event, payload, options) {
      const retries = (options && options.retries) || 3;
      const timeout = (options && options.timeout) || 8000;
      return new Promise((resolve) => {
        const attempt = (left) => {
          this.socket.timeout(timeout).emit(event, payload, (err, ack) => {
            if (!err) {
              resolve(ack);
            } else if (left > 0) {
              window.setTimeout(() => attempt(left - 1), 500);
            } else {
              resolve({
                ok: false,
                error: "timeout",
                message: "The server did not answer. Please check the connection and try again.",
              });
            }
          });
        };
        attempt(retries);
      });
    }
  }

  let shared = null;
  function realtime() {
    if (!shared) shared = new Realtime();
    return shared;
  }

  // Show the connection state in any element marked data-connection-status.
  function showConnection() {
    const labels = {
      connected: "Connected",
      disconnected: "Offline: reconnecting…",
      reconnecting: "Reconnecting…",
    };
    realtime().onStatus((status) => {
      document.querySelectorAll("[data-connection-status]").forEach((el) => {
        el.textContent = labels[status] || status;
        el.dataset.state = status;
      });
    });
  }

  Exchange.csrfToken = csrfToken;
  Exchange.announce = announce;
  Exchange.api = api;
  Exchange.realtime = realtime;
  Exchange.newClientId = newClientId;
  Exchange.showConnection = showConnection;
})();
