/* Verdict forms (annotate and adjudicate screens): the confidence readout, the rationale marked
   required for the verdicts that need one, and number keys for the verdict buttons (ignored
   while typing). Which verdicts need a rationale and which key selects which verdict come from
   the radio buttons' data attributes, rendered by the server from the label definitions. */
(function () {
  "use strict";
  document.querySelectorAll("form.fc-verdict-form").forEach(function (form) {
    var radios = Array.prototype.slice.call(form.querySelectorAll("input[data-hotkey]"));
    var range = form.querySelector("input[type=range]");
    var out = form.querySelector("output");
    var rationaleLabel = form.querySelector("[data-rationale-label]");

    function sync() {
      var checked = form.querySelector("input[data-hotkey]:checked");
      var needs = Boolean(checked && checked.dataset.needsRationale === "true");
      if (rationaleLabel) { rationaleLabel.classList.toggle("fc-required", needs); }
    }
    if (range && out) {
      if (range.dataset.unset === "true") { out.textContent = "not set"; }
      range.addEventListener("input", function () {
        if (range.dataset.name && !range.name) { range.name = range.dataset.name; }
        delete range.dataset.unset;
        out.textContent = range.value + "%";
      });
    }
    radios.forEach(function (r) { r.addEventListener("change", sync); });
    document.addEventListener("keydown", function (event) {
      var target = event.target || {};
      if ((event.ctrlKey || event.metaKey) && event.key === "Enter" && form.contains(target)) {
        // Ctrl+Enter (Cmd+Enter) saves from anywhere in the form, the rationale box included.
        event.preventDefault();
        var submit = form.querySelector("button[type=submit]");
        if (submit) { submit.click(); }
        return;
      }
      var tag = target.tagName || "";
      if (tag === "TEXTAREA" || tag === "SELECT" || (tag === "INPUT" && target.type !== "radio")) { return; }
      if (event.metaKey || event.ctrlKey || event.altKey) { return; }
      var radio = radios.find(function (r) { return r.dataset.hotkey === event.key; });
      if (radio && !radio.disabled) {
        radio.checked = true;
        radio.dispatchEvent(new Event("change"));
      }
    });
    sync();
  });
})();
