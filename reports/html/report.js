// Filters for the meshconform report. Runs from file:// with no network: state lives in the DOM
// and in the URL fragment (#outcome=fail,warn&section=3.6.2&level=MUST&q=text), so a filtered
// view can be linked and reopened.
(function () {
  "use strict";
  var results = Array.prototype.slice.call(document.querySelectorAll("details.result"));
  var outcomeBoxes = Array.prototype.slice.call(document.querySelectorAll("input[name=outcome]"));
  var sectionSel = document.getElementById("f-section");
  var levelSel = document.getElementById("f-level");
  var text = document.getElementById("f-text");

  function readHash() {
    var h = window.location.hash.replace(/^#/, "");
    if (!h) return;
    h.split("&").forEach(function (kv) {
      var i = kv.indexOf("=");
      if (i < 0) return;
      var k = kv.slice(0, i), v = decodeURIComponent(kv.slice(i + 1));
      if (k === "outcome") {
        var want = v.split(",");
        outcomeBoxes.forEach(function (b) { b.checked = want.indexOf(b.value) >= 0; });
      } else if (k === "section") { sectionSel.value = v; }
      else if (k === "level") { levelSel.value = v; }
      else if (k === "q") { text.value = v; }
    });
  }

  function writeHash() {
    var parts = [];
    var on = outcomeBoxes.filter(function (b) { return b.checked; }).map(function (b) { return b.value; });
    if (on.length !== outcomeBoxes.length) parts.push("outcome=" + encodeURIComponent(on.join(",")));
    if (sectionSel.value) parts.push("section=" + encodeURIComponent(sectionSel.value));
    if (levelSel.value) parts.push("level=" + encodeURIComponent(levelSel.value));
    if (text.value) parts.push("q=" + encodeURIComponent(text.value));
    var h = parts.length ? "#" + parts.join("&") : " ";
    try { history.replaceState(null, "", h === " " ? window.location.pathname : h); } catch (e) { /* some file:// contexts forbid it */ }
  }

  function apply() {
    var on = {};
    outcomeBoxes.forEach(function (b) { on[b.value] = b.checked; });
    var sec = sectionSel.value, lvl = levelSel.value, q = text.value.trim().toLowerCase();
    var shown = 0;
    results.forEach(function (el) {
      var d = el.dataset;
      var ok = (on[d.outcome] !== false) && (!sec || d.section === sec) && (!lvl || d.level === lvl) &&
        (!q || d.search.indexOf(q) >= 0);
      el.classList.toggle("hidden", !ok);
      if (ok) shown++;
    });
    document.getElementById("shown").textContent = String(shown);
    document.body.setAttribute("data-shown", String(shown));
  }

  // Counts recomputed from the rendered results: a test compares them with the JSON report,
  // which proves both the page data and this script.
  function recount() {
    var c = {};
    results.forEach(function (el) { c[el.dataset.outcome] = (c[el.dataset.outcome] || 0) + 1; });
    Array.prototype.forEach.call(document.querySelectorAll("[data-js-count]"), function (el) {
      el.textContent = String(c[el.getAttribute("data-js-count")] || 0);
    });
  }

  function onChange() { apply(); writeHash(); }
  outcomeBoxes.forEach(function (b) { b.addEventListener("change", onChange); });
  sectionSel.addEventListener("change", onChange);
  levelSel.addEventListener("change", onChange);
  text.addEventListener("input", onChange);
  Array.prototype.forEach.call(document.querySelectorAll("button[data-filter-section]"), function (btn) {
    btn.addEventListener("click", function () {
      sectionSel.value = btn.getAttribute("data-filter-section");
      var o = btn.getAttribute("data-filter-outcome");
      outcomeBoxes.forEach(function (b) { b.checked = !o || b.value === o; });
      onChange();
      document.getElementById("results").scrollIntoView();
    });
  });
  document.getElementById("f-reset").addEventListener("click", function () {
    outcomeBoxes.forEach(function (b) { b.checked = true; });
    sectionSel.value = ""; levelSel.value = ""; text.value = "";
    onChange();
  });
  window.addEventListener("hashchange", function () { readHash(); apply(); });

  readHash();
  recount();
  apply();
  document.body.setAttribute("data-ready", "1");
})();
