/* The annotate screen: confidence readout, rationale required for disputed/false, and keys
   1/2/3 for the verdict buttons (ignored while typing). */
(function () {
  "use strict";
  var form = document.getElementById("fc-annotate-form");
  if (!form) { return; }
  var range = document.getElementById("fc-confidence");
  var out = document.getElementById("fc-confidence-out");
  var rationaleLabel = document.getElementById("fc-rationale-label");
  var radios = form.querySelectorAll("input[name=label]");

  function sync() {
    var checked = form.querySelector("input[name=label]:checked");
    var needs = checked && (checked.value === "disputed" || checked.value === "false");
    rationaleLabel.classList.toggle("fc-required", Boolean(needs));
  }
  if (range && out) {
    range.addEventListener("input", function () { out.textContent = range.value + "%"; });
  }
  radios.forEach(function (r) { r.addEventListener("change", sync); });
  document.addEventListener("keydown", function (event) {
    var tag = (event.target && event.target.tagName) || "";
    if (tag === "TEXTAREA" || tag === "INPUT" && event.target.type !== "radio") { return; }
    if (event.metaKey || event.ctrlKey || event.altKey) { return; }
    var index = ["1", "2", "3"].indexOf(event.key);
    if (index >= 0 && radios[index] && !radios[index].disabled) {
      radios[index].checked = true;
      radios[index].dispatchEvent(new Event("change"));
    }
  });
  sync();
})();
