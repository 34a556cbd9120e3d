// Kakunin staff pages: the review desk (one person at a time, keyboard shortcuts, zoom and
// rotate of document images), one-time
// download buttons, and the invitation sheet's print button. The pages work without this file (each image also
// opens on its own, the browser menu prints); no text lives here.
(function () {
  'use strict';

  // Loaded in the head, not deferred: this line runs before the page is laid out, so the
  // review desk shows its first person only from the start and the others' images are not
  // fetched until they are shown. Everything else waits for the document.
  document.documentElement.classList.add('js');

  function apply(figure) {
    var img = figure.querySelector('img');
    var zoom = Number(figure.dataset.zoom) || 1;
    var rotate = Number(figure.dataset.rotate) || 0;
    img.style.transform = 'rotate(' + rotate + 'deg) scale(' + zoom + ')';
  }

  // The review desk: one person at a time (tabs; N/P or the buttons under the
  // documents), the person's documents large beside what was typed, keyboard shortcuts.
  // Without this script every person shows one under the other and the tabs are links.
  function desk() {
    var root = document.getElementById('desk');
    if (!root) { return; }
    var sections = root.querySelectorAll('section.person');
    var tabs = root.querySelectorAll('.people-tabs a[data-person]');
    var current = 0;
    root.classList.add('one-at-a-time');
    var keys = root.querySelector('.keys');
    if (keys) { keys.hidden = false; }
    var navs = root.querySelectorAll('.person-nav');
    for (var n = 0; n < navs.length; n++) { navs[n].hidden = false; }

    function show(index, focus) {
      if (index < 0 || index >= sections.length) { return; }
      current = index;
      for (var i = 0; i < sections.length; i++) {
        sections[i].hidden = i !== index;
        if (tabs[i]) {
          if (i === index) { tabs[i].setAttribute('aria-current', 'true'); } else { tabs[i].removeAttribute('aria-current'); }
        }
      }
      if (focus) {
        var heading = sections[index].querySelector('h2');
        heading.setAttribute('tabindex', '-1');
        heading.focus();
      }
    }
    function indexOf(id) {
      for (var i = 0; i < sections.length; i++) { if (sections[i].dataset.person === id) { return i; } }
      return -1;
    }
    for (var t = 0; t < tabs.length; t++) {
      tabs[t].addEventListener('click', function (event) {
        event.preventDefault();
        show(indexOf(event.currentTarget.dataset.person), true);
      });
    }
    root.addEventListener('click', function (event) {
      var go = event.target.closest('button[data-go]');
      if (!go) { return; }
      show(current + (go.dataset.go === 'next' ? 1 : -1), true);
    });
    // A required choice left empty on a hidden person: show that person, so the browser
    // can point at the field.
    document.addEventListener('invalid', function (event) {
      var section = event.target.closest && event.target.closest('section.person');
      if (section && section.hidden) { show(indexOf(section.dataset.person), false); }
    }, true);
    var start = indexOf((window.location.hash || '').replace('#p-', ''));
    show(start < 0 ? 0 : start, false);

    function documentsHere() {
      return sections[current].querySelectorAll('figure.doc');
    }
    function focusedDocument() {
      var active = document.activeElement;
      var fig = active && active.closest ? active.closest('figure.doc') : null;
      return fig || documentsHere()[0] || null;
    }
    function stepDocument(delta) {
      var docs = documentsHere();
      if (!docs.length) { return; }
      var at = Array.prototype.indexOf.call(docs, focusedDocument());
      var next = docs[Math.max(0, Math.min(docs.length - 1, at + delta))];
      var viewport = next.querySelector('.viewport');
      viewport.focus();
      viewport.scrollIntoView({ block: 'nearest' });
    }
    document.addEventListener('keydown', function (event) {
      var target = event.target;
      if (event.ctrlKey && event.key === 'Enter') {
        var verify = document.getElementById('verify-next');
        if (verify) { event.preventDefault(); verify.click(); }
        return;
      }
      if (event.altKey || event.ctrlKey || event.metaKey) { return; }
      if (target.closest && target.closest('input, select, textarea, summary')) { return; }
      var fig;
      switch (event.key) {
        case 'n': case 'N': show(current + 1, true); break;
        case 'p': case 'P': show(current - 1, true); break;
        case ']': stepDocument(1); break;
        case '[': stepDocument(-1); break;
        case '+': case '=': fig = focusedDocument(); if (fig) { act(fig, 'zoom-in'); } break;
        case '-': fig = focusedDocument(); if (fig) { act(fig, 'zoom-out'); } break;
        case 'r': case 'R': fig = focusedDocument(); if (fig) { act(fig, 'rotate'); } break;
        default: return;
      }
      event.preventDefault();
    });
  }

  function act(fig, what) {
    var zoom = Number(fig.dataset.zoom) || 1;
    if (what === 'zoom-in') { fig.dataset.zoom = String(Math.min(zoom * 1.5, 6)); }
    if (what === 'zoom-out') { fig.dataset.zoom = String(Math.max(zoom / 1.5, 1)); }
    if (what === 'rotate') { fig.dataset.rotate = String(((Number(fig.dataset.rotate) || 0) + 90) % 360); }
    apply(fig);
  }

  document.addEventListener('DOMContentLoaded', function () {
    var figures = document.querySelectorAll('figure.doc');
    for (var i = 0; i < figures.length; i++) {
      var figure = figures[i];
      var tools = figure.querySelector('.tools');
      if (!tools) { continue; }
      tools.hidden = false;
      tools.addEventListener('click', function (event) {
        var button = event.target.closest('button[data-act]');
        if (!button) { return; }
        act(button.closest('figure.doc'), button.dataset.act);
      });
    }
    desk();
    // A one-time download: after the click the file arrives and the page stays, so the
    // button goes and the page reloads to show the release as handed over. (Without this
    // script a second click comes back to the page with why.)
    var once = document.querySelectorAll('form[data-once]');
    for (var j = 0; j < once.length; j++) {
      once[j].addEventListener('submit', function (event) {
        var button = event.target.querySelector('button[type="submit"]');
        if (button) { setTimeout(function () { button.disabled = true; }, 0); }
        setTimeout(function () { window.location.reload(); }, 2000);
      });
    }
    // The invitation sheet's print button (the page prints from the browser menu too).
    var print = document.querySelector('button[data-print]');
    if (print) {
      print.hidden = false;
      print.addEventListener('click', function () { window.print(); });
    }
  });
}());
