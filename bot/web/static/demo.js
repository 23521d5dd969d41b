// The demo web chat: posts to the Rasa-compatible REST channel and polls the sandbox outbox.
// Everything the server sends is inserted as text (never as HTML).
(function () {
  // The session id is this chat's only credential: 128 random bits from the browser's CSPRNG.
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  const sender = "web-" + Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  const log = document.getElementById("log");
  const outbox = document.getElementById("outbox");
  function add(list, cls, text) {
    const li = document.createElement("li");
    li.className = cls;
    li.textContent = text;
    list.appendChild(li);
    return li;
  }
  document.getElementById("send").addEventListener("submit", async function (ev) {
    ev.preventDefault();
    const input = document.getElementById("text");
    const text = input.value;
    if (!text.trim()) return;
    input.value = "";
    add(log, "you", text);
    try {
      const res = await fetch("/webhooks/rest/webhook", {
        method: "POST", headers: {"Content-Type": "application/json"},
        body: JSON.stringify({sender: sender, message: text}),
      });
      const data = await res.json();
      if (!res.ok) { add(log, "bot", "Error: " + (data.error || res.status)); return; }
      data.forEach(function (m) { add(log, "bot", m.text); });
    } catch (e) {
      add(log, "bot", "The bot is not reachable: " + e);
    }
    refreshOutbox();
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
  refreshOutbox();
  setInterval(refreshOutbox, 3000);
})();
