/* Span selection on the article reader: turns a text selection inside #fc-body into character
   offsets of the body as the browser sees it, and fills the span form. The server re-checks
   the offsets against the stored body (and finds the true ones if newlines were normalised). */
(function () {
  "use strict";
  var body = document.getElementById("fc-body");
  var form = document.getElementById("fc-span-form");
  if (!body || !form) { return; }
  var empty = document.getElementById("fc-selection-empty");
  var quote = document.getElementById("fc-quote");
  var start = document.getElementById("fc-start");
  var end = document.getElementById("fc-end");
  var quoteInput = document.getElementById("fc-quote-input");
  var claimText = document.getElementById("fc-claim-text");
  var mode = document.getElementById("fc-mode");
  var search = document.getElementById("fc-claim-search");
  var results = document.getElementById("fc-results");
  var claimId = document.getElementById("fc-claim-id");
  var attach = document.getElementById("fc-attach");

  function offsetOf(container, offset) {
    var range = document.createRange();
    range.selectNodeContents(body);
    range.setEnd(container, offset);
    return range.toString().length;
  }

  function capture() {
    var selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) { return; }
    var range = selection.getRangeAt(0);
    if (!body.contains(range.startContainer) || !body.contains(range.endContainer)) { return; }
    var text = range.toString();
    if (!text.trim()) { return; }
    var s = offsetOf(range.startContainer, range.startOffset);
    start.value = String(s);
    end.value = String(s + text.length);
    quoteInput.value = text;
    quote.textContent = text.trim();
    if (!claimText.dataset.touched) { claimText.value = text.trim().replace(/\s+/g, " "); }
    empty.hidden = true;
    form.hidden = false;
  }

  body.addEventListener("mouseup", function () { window.setTimeout(capture, 0); });
  body.addEventListener("keyup", capture);
  document.addEventListener("selectionchange", function () {
    var selection = window.getSelection();
    if (selection && !selection.isCollapsed && body.contains(selection.anchorNode)) { capture(); }
  });
  claimText.addEventListener("input", function () { claimText.dataset.touched = "1"; });

  form.querySelectorAll("[role=tab]").forEach(function (tab) {
    tab.addEventListener("click", function () {
      mode.value = tab.dataset.mode;
      form.querySelectorAll("[role=tab]").forEach(function (t) {
        t.setAttribute("aria-selected", String(t === tab));
      });
      form.querySelectorAll("[data-panel]").forEach(function (panel) {
        panel.hidden = panel.dataset.panel !== tab.dataset.mode;
      });
      if (tab.dataset.mode === "attach") { search.focus(); }
    });
  });

  var timer = null;
  function lookup() {
    var params = new URLSearchParams({
      app_label: "articles", model_name: "assignment", field_name: "claim", term: search.value
    });
    fetch(search.dataset.url + "?" + params.toString(), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { results: [] }; })
      .then(function (data) {
        results.innerHTML = "";
        data.results.forEach(function (item) {
          var li = document.createElement("li");
          li.setAttribute("role", "option");
          li.dataset.id = item.id;
          li.textContent = item.text;
          li.addEventListener("click", function () {
            claimId.value = item.id;
            results.querySelectorAll("li").forEach(function (x) {
              x.setAttribute("aria-selected", String(x === li));
            });
            attach.disabled = false;
          });
          results.appendChild(li);
        });
        if (!data.results.length) {
          var none = document.createElement("li");
          none.textContent = "No claim matches. Create a new one instead.";
          none.className = "fc-muted";
          results.appendChild(none);
        }
      });
  }
  search.addEventListener("input", function () {
    claimId.value = "";
    attach.disabled = true;
    window.clearTimeout(timer);
    timer = window.setTimeout(lookup, 200);
  });
  search.addEventListener("focus", function () { if (!results.children.length) { lookup(); } });
})();
