// The application form: situation answers refresh the materials, the postal address shows only for delivery by post.
(function () {
  "use strict";
  function start() {
    document.querySelectorAll('.no-js-only').forEach(function (b) { b.hidden = true; });
    document.querySelectorAll('input[type=radio][name^="s-"]').forEach(function (r) {
      r.addEventListener('change', function () { var b = document.querySelector('button[value=refresh]'); if (b) { b.click(); } });
    });
    (function () {
      var radios = document.querySelectorAll('input[name="delivery_method"]'), box = document.getElementById('post-fields');
      function sync() { var c = document.querySelector('input[name="delivery_method"]:checked'); if (box) { box.hidden = !(c && c.value === 'post'); } }
      radios.forEach(function (r) { r.addEventListener('change', sync); }); sync();
    }());
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
