// Kakunin portal enhancements. Every page works without this file; it adds a live check
// of the number's check digit, photo previews, uploads with a progress bar (with an
// Idempotency-Key so a retried upload is stored once), and a confirmation before removal.
// No text lives here: sentences come from data- attributes rendered by the server.
(function () {
  'use strict';

  function normalizeDigits(text) {
    var out = '';
    for (var i = 0; i < text.length; i++) {
      var c = text.charCodeAt(i);
      if (c >= 0xff10 && c <= 0xff19) { out += String.fromCharCode(c - 0xfee0); continue; }
      var ch = text.charAt(i);
      if (/[\s\-\u2010\u2212\u2013\u2014\uff0d\u30fc]/.test(ch)) { continue; }
      out += ch;
    }
    return out;
  }

  // 番号法施行令 art. 8: P1..P11 counted from the right, Qn = n+1 (n <= 6) else n-5.
  function checkDigitOk(digits) {
    var sum = 0;
    for (var n = 1; n <= 11; n++) {
      var p = Number(digits.charAt(11 - n));
      sum += p * (n <= 6 ? n + 1 : n - 5);
    }
    var r = sum % 11;
    var check = r <= 1 ? 0 : 11 - r;
    return check === Number(digits.charAt(11));
  }

  function liveNumberCheck(input) {
    var out = document.getElementById('number-live');
    if (!out) { return; }
    function check() {
      var d = normalizeDigits(input.value);
      out.className = 'live';
      if (d === '') { out.textContent = ''; return; }
      if (!/^[0-9]*$/.test(d)) { out.textContent = input.dataset.msgDigits; out.className = 'live bad'; return; }
      if (d.length < 12) { out.textContent = d.length + ' ' + input.dataset.msgCount; return; }
      if (d.length > 12 || !checkDigitOk(d)) { out.textContent = input.dataset.msgBad; out.className = 'live bad'; return; }
      out.textContent = input.dataset.msgOk;
      out.className = 'live ok';
    }
    input.addEventListener('input', check);
    // A number read from the card's QR code arrives filled in: say at once that it checks.
    if (input.value) { check(); }
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return String(Date.now()) + '-' + String(Math.random()).slice(2);
  }

  function enhanceUpload(form) {
    var file = form.querySelector('input[type=file]');
    var preview = document.getElementById('preview');
    var box = document.getElementById('progress-box');
    var bar = document.getElementById('progress');
    var error = document.getElementById('upload-error');
    var key = newKey();
    var previewUrl = null;
    file.addEventListener('change', function () {
      key = newKey(); // a new photo is a new upload; a retry of this one reuses the key
      if (previewUrl) { URL.revokeObjectURL(previewUrl); previewUrl = null; }
      if (file.files && file.files[0] && preview) {
        previewUrl = URL.createObjectURL(file.files[0]);
        preview.src = previewUrl;
        preview.hidden = false;
      }
    });
    form.addEventListener('submit', function (event) {
      if (!window.FormData || !file.files || !file.files[0]) { return; } // the server explains
      event.preventDefault();
      var data = new FormData();
      data.append('kind', form.querySelector('[name=kind]').value);
      data.append('file', file.files[0]);
      var replaces = form.querySelector('[name=replaces]');
      if (replaces) { data.append('replaces', replaces.value); }
      var xhr = new XMLHttpRequest();
      xhr.open('POST', form.dataset.api);
      xhr.setRequestHeader('Idempotency-Key', key);
      // The page's token, for browsers that do not say where a request comes from.
      var token = form.querySelector('[name=csrf]');
      if (token) { xhr.setRequestHeader('X-CSRF-Token', token.value); }
      xhr.upload.addEventListener('progress', function (e) {
        if (e.lengthComputable) { bar.value = Math.round(100 * e.loaded / e.total); }
      });
      xhr.addEventListener('load', function () {
        if (xhr.status === 200 || xhr.status === 201) {
          window.location.assign(window.location.pathname + '?uploaded=1');
          return;
        }
        box.hidden = true;
        var message = '';
        try {
          var body = JSON.parse(xhr.responseText).error;
          message = form.dataset.lang === 'en' ? body.message_en : body.message_ja;
        } catch (ignored) { message = String(xhr.status); }
        error.textContent = message;
        error.hidden = false;
      });
      xhr.addEventListener('error', function () {
        // The network failed: fall back to the plain form, which carries its own key.
        form.submit();
      });
      error.hidden = true;
      bar.value = 0;
      box.hidden = false;
      xhr.send(data);
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    var number = document.querySelector('input[data-check-digit]');
    if (number) { liveNumberCheck(number); }
    var upload = document.getElementById('upload');
    if (upload && upload.dataset.api) { enhanceUpload(upload); }
    var forms = document.querySelectorAll('form[data-confirm]');
    for (var i = 0; i < forms.length; i++) {
      forms[i].addEventListener('submit', function (event) {
        if (!window.confirm(event.currentTarget.dataset.confirm)) { event.preventDefault(); }
      });
    }
    var notice = document.getElementById('notice');
    if (notice) { notice.focus(); }
  });
}());
