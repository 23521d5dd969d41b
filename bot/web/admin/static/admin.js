/* Merchant console: the list's filter box and the wording page's live preview. The pages work without it
   (the filter is a GET form, Preview posts the form); this only saves a round trip. No HTML is built from
   text: everything shown goes in through textContent. */
(function () {
  "use strict";
  var token = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  /* The list: hide rows (and whole groups) that don't match, as you type. */
  var filter = document.querySelector("input[data-filter]");
  if (filter) {
    var root = document.querySelector(filter.getAttribute("data-filter"));
    var none = document.getElementById("filter-none");
    filter.addEventListener("input", function () {
      var q = filter.value.trim().toLowerCase();
      var shown = 0;
      root.querySelectorAll(".template-group").forEach(function (group) {
        var inGroup = 0;
        group.querySelectorAll(".template-row").forEach(function (row) {
          var match = !q || row.getAttribute("data-search").indexOf(q) !== -1;
          row.hidden = !match;
          if (match) { inGroup += 1; }
        });
        group.hidden = inGroup === 0;
        shown += inGroup;
      });
      if (none) { none.hidden = shown !== 0; }
    });
  }

  /* One template: the preview under each textarea follows what you type. */
  function render(box, c) {
    box.textContent = "";
    var messages = [];
    Object.keys(c.errors || {}).forEach(function (field) { messages = messages.concat(c.errors[field].split("; ")); });
    if (messages.length) {
      var ul = el("ul", "problems");
      messages.forEach(function (m) { ul.appendChild(el("li", "", m)); });
      box.appendChild(ul);
    }
    if (c.preview) {
      box.appendChild(el("p", "label", c.inside ? "Preview with sample values, as the shopper receives it inside " + c.inside + ":"
                                                : "Preview with sample values:"));
      box.appendChild(el("p", "filled", c.preview));
      var cost = c.encoding + ", " + c.units + " units, " + c.segments + " SMS segment" + (c.segments === 1 ? "" : "s");
      if (!c.sms_applies) { cost += " (if sent by SMS)"; }
      var p = el("p", "cost", cost);
      [["Forces UCS-2: ", c.forces_ucs2], ["Count twice: ", c.counts_twice]].forEach(function (pair) {
        if (pair[1] && pair[1].length) {
          p.appendChild(document.createTextNode(". " + pair[0]));
          pair[1].forEach(function (ch) { p.appendChild(el("code", "", ch)); p.appendChild(document.createTextNode(" ")); });
        }
      });
      box.appendChild(p);
    }
  }

  document.querySelectorAll("form.wording[data-preview-url]").forEach(function (form) {
    var area = form.querySelector("textarea");
    var box = form.querySelector(".preview");
    var slot = form.querySelector('input[name="channel"]').value;
    var timer = null;
    var asked = 0;
    area.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var mine = ++asked;
        fetch(form.getAttribute("data-preview-url"), {
          method: "POST",
          credentials: "same-origin",
          headers: {"Content-Type": "application/json", "X-CSRFToken": token},
          body: JSON.stringify({channel: slot === "default" ? null : slot, text: area.value})
        }).then(function (r) { return r.json(); }).then(function (c) {
          if (mine === asked) { render(box, c); box.setAttribute("data-live", "on"); }
        }).catch(function () { /* the Preview button still works */ });
      }, 250);
    });
  });
}());
