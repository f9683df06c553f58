// Knowledge-base search while the agent types: the search box and the caller's words query the
// server's HTML fragment (the page works without this script: the search form submits).
(function () {
  "use strict";
  var box = document.getElementById("kb-q");
  var out = document.getElementById("kb-results");
  var content = document.getElementById("id_content");
  if (!box || !out) { return; }
  var url = box.getAttribute("data-results-url");
  var timer = null;
  var last = null;
  function search(q) {
    q = (q || "").trim().slice(0, 100);
    if (q === last) { return; }
    last = q;
    fetch(url + "?q=" + encodeURIComponent(q), { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) { if (q === last) { out.innerHTML = html; } })
      .catch(function () {});
  }
  function later(q) {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(function () { search(q); }, 200);
  }
  box.addEventListener("input", function () { later(box.value); });
  if (content) {
    content.addEventListener("input", function () {
      if (!box.value.trim()) { later(content.value.slice(0, 60)); }
    });
  }
})();
