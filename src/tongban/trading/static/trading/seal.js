/* Sealed bids in the bidder's browser (WebCrypto). See tongban/trading/sealing.py and ADR 0020.
 *
 * Sealing: plaintext = UTF-8 JSON {format, nonce, ocid, bidder, price, duration_days, note} (nonce: 16
 * random bytes, so that the commitment reveals nothing about a guessable price);
 * commitment = SHA-256(plaintext); key = PBKDF2-SHA256(secret, random 16-byte salt, iterations) → AES-256;
 * ciphertext = AES-GCM(key, random 12-byte IV, plaintext). Only ciphertext, salt, IV, iterations and
 * the commitment are posted; the form's plaintext and secret fields have no name.
 *
 * Opening: the same key is derived again from the secret, the bid decrypted and shown here, its
 * SHA-256 compared with the commitment; on confirmation the raw AES key (not the secret) is posted.
 */
(function () {
  "use strict";

  var enc = new TextEncoder();
  var dec = new TextDecoder();

  function b64(buffer) {
    var bytes = new Uint8Array(buffer);
    var s = "";
    for (var i = 0; i < bytes.length; i += 1) s += String.fromCharCode(bytes[i]);
    return btoa(s);
  }

  function unb64(text) {
    var s = atob(text);
    var bytes = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i += 1) bytes[i] = s.charCodeAt(i);
    return bytes;
  }

  function hex(buffer) {
    return Array.prototype.map
      .call(new Uint8Array(buffer), function (b) {
        return b.toString(16).padStart(2, "0");
      })
      .join("");
  }

  function derive(secret, salt, iterations) {
    return crypto.subtle
      .importKey("raw", enc.encode(secret), "PBKDF2", false, ["deriveKey"])
      .then(function (base) {
        return crypto.subtle.deriveKey(
          { name: "PBKDF2", hash: "SHA-256", salt: salt, iterations: iterations },
          base,
          { name: "AES-GCM", length: 256 },
          true,
          ["encrypt", "decrypt"]
        );
      });
  }

  function sealCopy(plaintext, secret, iterations) {
    var salt = crypto.getRandomValues(new Uint8Array(16));
    var iv = crypto.getRandomValues(new Uint8Array(12));
    return derive(secret, salt, iterations)
      .then(function (key) {
        return crypto.subtle.encrypt({ name: "AES-GCM", iv: iv }, key, plaintext);
      })
      .then(function (ciphertext) {
        return { salt: b64(salt), iv: b64(iv), ciphertext: b64(ciphertext) };
      });
  }

  function normalisePrice(text) {
    var t = (text || "").trim().replace(/,/g, "");
    if (!/^\d{1,14}(\.\d{1,2})?$/.test(t)) return null;
    var parts = t.split(".");
    var cents = (parts[1] || "").padEnd(2, "0");
    return parts[0].replace(/^0+(?=\d)/, "") + "." + cents;
  }

  function byId(id) {
    return document.getElementById(id);
  }

  function setupSealing() {
    var form = byId("seal-form");
    if (!form) return;
    var messages = byId("seal-messages").dataset;
    var error = byId("seal-error");
    var result = byId("seal-result");
    var fail = function (text) {
      error.textContent = text;
      error.hidden = false;
    };
    form.addEventListener("submit", function (event) {
      if (form.dataset.sealed === "1") return;
      event.preventDefault();
      error.hidden = true;
      if (!window.crypto || !crypto.subtle) return fail(messages.unsupported);
      var price = normalisePrice(byId("seal-price").value);
      if (price === null) return fail(messages.price);
      var durationText = byId("seal-duration").value.trim();
      if (durationText && !/^[1-9]\d{0,4}$/.test(durationText)) return fail(messages.duration);
      var secret = byId("seal-secret").value;
      if (secret.length < 8) return fail(messages.short);
      if (secret !== byId("seal-secret2").value) return fail(messages.mismatch);
      var backupInput = byId("seal-backup");
      var backupSecret = backupInput ? backupInput.value : "";
      if (backupSecret && backupSecret.length < 8) return fail(messages.short);
      var select = byId("seal-enterprise");
      var doc = {
        format: "tongban-bid/1",
        nonce: b64(crypto.getRandomValues(new Uint8Array(16))),
        ocid: form.dataset.ocid,
        bidder: select.options[select.selectedIndex].dataset.uscc,
        price: price,
      };
      if (durationText) doc.duration_days = parseInt(durationText, 10);
      doc.note = byId("seal-note").value;
      var plaintext = enc.encode(JSON.stringify(doc));
      var iterations = parseInt(form.dataset.iterations, 10);
      var button = byId("seal-button");
      button.disabled = true;
      result.textContent = messages.sealing;
      result.hidden = false;
      Promise.all([
        crypto.subtle.digest("SHA-256", plaintext),
        sealCopy(plaintext, secret, iterations),
        backupSecret ? sealCopy(plaintext, backupSecret, iterations) : Promise.resolve(null),
      ])
        .then(function (done) {
          byId("seal-commitment").value = hex(done[0]);
          byId("seal-salt").value = done[1].salt;
          byId("seal-iv").value = done[1].iv;
          byId("seal-ciphertext").value = done[1].ciphertext;
          if (done[2]) {
            byId("seal-backup-salt").value = done[2].salt;
            byId("seal-backup-iv").value = done[2].iv;
            byId("seal-backup-ciphertext").value = done[2].ciphertext;
          }
          // nothing readable leaves the page: clear the fields that were never going to be posted
          ["seal-price", "seal-duration", "seal-note", "seal-secret", "seal-secret2", "seal-backup"].forEach(function (id) {
            var el = byId(id);
            if (el) el.value = "";
          });
          result.textContent = hex(done[0]);
          form.dataset.sealed = "1";
          form.submit();
        })
        .catch(function (e) {
          button.disabled = false;
          fail(String(e));
        });
    });
  }

  function setupOpening() {
    var messages = byId("open-messages");
    var texts = messages ? messages.dataset : {};
    Array.prototype.forEach.call(document.querySelectorAll(".open-form"), function (form) {
      var data = form.dataset;
      var error = form.querySelector(".open-error");
      var preview = form.querySelector(".open-preview");
      form.querySelector(".open-decrypt").addEventListener("click", function () {
        error.hidden = true;
        preview.hidden = true;
        var useBackup = form.querySelector(".open-use-backup");
        var backup = !!(useBackup && useBackup.checked);
        var salt = unb64(backup ? data.backupSalt : data.salt);
        var iv = unb64(backup ? data.backupIv : data.iv);
        var ciphertext = unb64(backup ? data.backupCiphertext : data.ciphertext);
        var secret = form.querySelector(".open-secret").value;
        var key;
        derive(secret, salt, parseInt(data.iterations, 10))
          .then(function (k) {
            key = k;
            return crypto.subtle.decrypt({ name: "AES-GCM", iv: iv }, key, ciphertext);
          })
          .then(function (plaintext) {
            return Promise.all([
              plaintext,
              crypto.subtle.digest("SHA-256", plaintext),
              crypto.subtle.exportKey("raw", key),
            ]);
          })
          .then(function (done) {
            var doc = JSON.parse(dec.decode(done[0]));
            form.querySelector(".open-price").textContent = doc.price;
            form.querySelector(".open-duration").textContent = doc.duration_days || "";
            form.querySelector(".open-match").textContent = hex(done[1]) === data.commitment ? texts.yes : texts.no;
            form.querySelector(".open-key").value = b64(done[2]);
            form.querySelector(".open-copy").value = backup ? "backup" : "primary";
            form.querySelector(".open-secret").value = "";
            preview.hidden = false;
          })
          .catch(function () {
            error.textContent = texts.wrong;
            error.hidden = false;
          });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupSealing();
    setupOpening();
  });
})();
