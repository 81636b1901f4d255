(function () {
  'use strict';
  window.eksPendingErrors.splice(0).forEach(window.eksRecordError);
  var findings = Array.prototype.slice.call(document.querySelectorAll('details.f'));
  var groups = Array.prototype.slice.call(document.querySelectorAll('.group'));
  var bar = document.getElementById('filters');
  var text = document.getElementById('q');
  var severity = document.getElementById('fsev');
  var status = document.getElementById('fst');
  var scope = document.getElementById('fsc');
  var shown = document.getElementById('shown');
  var haystack = null;

  function apply() {
    var needle = text.value.trim().toLowerCase();
    var minimum = Number(severity.value);
    var filtering = needle !== '' || minimum > 0 || status.value !== '' || scope.value !== '';
    if (needle !== '' && haystack === null) {
      haystack = findings.map(function (f) { return f.textContent.toLowerCase(); });
    }
    var count = 0;
    findings.forEach(function (f, i) {
      var keep = Number(f.dataset.sev) >= minimum &&
        (status.value === '' || f.dataset.st === status.value) &&
        (scope.value === '' || f.dataset.sc === scope.value) &&
        (needle === '' || haystack[i].indexOf(needle) >= 0);
      f.hidden = !keep;
      if (keep) { count += 1; }
    });
    groups.forEach(function (g) {
      var visible = g.querySelectorAll('details.f:not([hidden])').length;
      g.querySelector('.gc').textContent = String(visible);
      g.hidden = filtering && visible === 0;
      if (filtering && visible > 0 && g.tagName === 'DETAILS') { g.open = true; }
    });
    shown.textContent = filtering ? count + ' of ' + findings.length + ' findings shown' : '';
  }

  function setOpen(open) {
    findings.forEach(function (f) { if (!f.hidden) { f.open = open; } });
    groups.forEach(function (g) { if (g.tagName === 'DETAILS' && !g.hidden) { g.open = open; } });
  }

  // A link to a finding (from an attack path) opens it and the group it is in.
  function openTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id ? document.getElementById(id) : null;
    if (!target || !target.classList.contains('f')) { return; }
    target.hidden = false;
    target.open = true;
    var group = target.closest('details.group');
    if (group) { group.open = true; group.hidden = false; }
    target.scrollIntoView();
  }

  [text, severity, status, scope].forEach(function (el) { el.addEventListener('input', apply); });
  document.getElementById('expand').addEventListener('click', function () { setOpen(true); });
  document.getElementById('collapse').addEventListener('click', function () { setOpen(false); });
  window.addEventListener('hashchange', openTarget);
  // Printed (or saved as PDF) reports show every finding in full.
  window.addEventListener('beforeprint', function () {
    Array.prototype.forEach.call(document.querySelectorAll('details'), function (d) { d.open = true; });
  });
  bar.hidden = false;
  openTarget();
  document.body.setAttribute('data-ready', 'true');
})();
