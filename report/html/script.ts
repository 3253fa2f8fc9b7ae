// The report's only script, inline: filter flows by name, show failures only, open or close
// every detail. Plain DOM, no framework; the page reads fine with scripts off.
export const SCRIPT = `
(function () {
  'use strict';
  var flows = Array.prototype.slice.call(document.querySelectorAll('section.flow'));
  var failOnly = document.getElementById('fail-only');
  var filter = document.getElementById('flow-filter');
  function apply() {
    var only = failOnly.getAttribute('aria-pressed') === 'true';
    var q = filter.value.trim().toLowerCase();
    flows.forEach(function (f) {
      var name = (f.getAttribute('data-name') || '').toLowerCase();
      var hide = (only && !f.classList.contains('failed')) || (q !== '' && name.indexOf(q) < 0);
      f.classList.toggle('hidden', hide);
    });
  }
  failOnly.addEventListener('click', function () {
    failOnly.setAttribute('aria-pressed', failOnly.getAttribute('aria-pressed') === 'true' ? 'false' : 'true');
    apply();
  });
  filter.addEventListener('input', apply);
  function openAll(open) {
    document.querySelectorAll('details').forEach(function (d) { d.open = open; });
  }
  document.getElementById('expand-all').addEventListener('click', function () { openAll(true); });
  document.getElementById('collapse-all').addEventListener('click', function () { openAll(false); });
  document.body.setAttribute('data-ready', 'true');
})();
`;
