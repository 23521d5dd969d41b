// The demo web chat: posts to the Rasa-compatible REST channel, asks it for what was sent to this chat since
// (a person's replies from the console), and polls the sandbox outbox.
// Everything the server sends is inserted as text (never as HTML).
(function () {
  // The session id is this chat's only credential: 128 random bits from the browser's CSPRNG.
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  const sender = "web-" + Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  const log = document.getElementById("log");
  const outbox = document.getElementById("outbox");
  // Our own links in a reply (a payment link /pay/..., a tracking page /t/...) open on this demo server, whatever
  // public address the bot signs them with; they are made as elements, never from HTML.
  const OWN_LINK = /https?:\/\/[^\s)]+?(\/(?:pay|t)\/[A-Za-z0-9_.\-]+)/g;
  function add(list, cls, text) {
    const li = document.createElement("li");
    li.className = cls;
    let last = 0;
    for (const found of text.matchAll(OWN_LINK)) {
      li.appendChild(document.createTextNode(text.slice(last, found.index)));
      const a = document.createElement("a");
      a.href = found[1];
      a.textContent = found[0];
      li.appendChild(a);
      last = found.index + found[0].length;
    }
    li.appendChild(document.createTextNode(text.slice(last)));
    list.appendChild(li);
    return li;
  }
  // A reply's choices come as Rasa `buttons`: tapping one sends its payload, as typing it would.
  function addButtons(li, buttons) {
    const row = document.createElement("div");
    row.className = "choices";
    buttons.forEach(function (b) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = b.title;
      button.addEventListener("click", function () { row.remove(); send(b.payload, b.title); });
      row.appendChild(button);
    });
    li.appendChild(row);
  }
  async function send(text, shown) {
    add(log, "you", shown || text);
    try {
      const res = await fetch("/webhooks/rest/webhook", {
        method: "POST", headers: {"Content-Type": "application/json"},
        body: JSON.stringify({sender: sender, message: text}),
      });
      const data = await res.json();
      if (!res.ok) { add(log, "bot", "Error: " + (data.error || res.status)); return; }
      data.forEach(function (m) {
        const li = add(log, "bot", m.text);
        if (m.buttons && m.buttons.length) addButtons(li, m.buttons);
      });
    } catch (e) {
      add(log, "bot", "The bot is not reachable: " + e);
    }
    refreshOutbox();
  }
  document.getElementById("send").addEventListener("submit", function (ev) {
    ev.preventDefault();
    const input = document.getElementById("text");
    const text = input.value;
    if (!text.trim()) return;
    input.value = "";
    send(text);
  });
  async function refreshOutbox() {
    try {
      const res = await fetch("/demo/outbox");
      if (!res.ok) return;
      const rows = await res.json();
      outbox.replaceChildren();
      rows.forEach(function (r) { add(outbox, "msg", r.created_at.slice(11, 19) + " to " + r.to + " (" + r.status + "): " + r.body); });
    } catch (e) { /* the next poll will try again */ }
  }
  // What was sent to this chat outside its own message's answer (a person's replies, "Sam has joined").
  let after = 0;
  async function fetchSent() {
    try {
      const res = await fetch("/webhooks/rest/messages", {
        method: "POST", headers: {"Content-Type": "application/json"},
        body: JSON.stringify({sender: sender, after: after}),
      });
      if (!res.ok) return;
      const rows = await res.json();
      rows.forEach(function (m) { add(log, "bot", m.text); after = Math.max(after, m.id); });
    } catch (e) { /* the next poll will try again */ }
  }
  refreshOutbox();
  setInterval(function () { refreshOutbox(); fetchSent(); }, 3000);
})();
