// Kakunin staff pages: zoom and rotate of document images in the item view, one-time
// download buttons, and the invitation sheet's print button. The pages work without this file (each image also
// opens on its own, the browser menu prints); no text lives here.
(function () {
  'use strict';

  function apply(figure) {
    var img = figure.querySelector('img');
    var zoom = Number(figure.dataset.zoom) || 1;
    var rotate = Number(figure.dataset.rotate) || 0;
    img.style.transform = 'rotate(' + rotate + 'deg) scale(' + zoom + ')';
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
        var fig = button.closest('figure.doc');
        var zoom = Number(fig.dataset.zoom) || 1;
        var act = button.dataset.act;
        if (act === 'zoom-in') { fig.dataset.zoom = String(Math.min(zoom * 1.5, 6)); }
        if (act === 'zoom-out') { fig.dataset.zoom = String(Math.max(zoom / 1.5, 1)); }
        if (act === 'rotate') { fig.dataset.rotate = String(((Number(fig.dataset.rotate) || 0) + 90) % 360); }
        apply(fig);
      });
    }
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
