//! The report's one script: filters and search over what the page already
//! holds (rows are hidden and shown, never written: no `innerHTML`, no
//! `eval`, nothing fetched), and every section opened before printing.
//! Without it the page shows everything.

pub(super) const SCRIPT: &str = r#"
(function () {
  'use strict';
  function all(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }
  var text = document.getElementById('filter-text');
  var waived = document.getElementById('filter-waived');
  var shown = document.getElementById('findings-shown');
  function findings() {
    var query = text ? text.value.trim().toLowerCase() : '';
    var severities = {};
    all('input[name=severity]').forEach(function (box) { severities[box.value] = box.checked; });
    var count = 0;
    all('#findings details.resource').forEach(function (group) {
      var inGroup = 0;
      var label = group.getAttribute('data-resource') || '';
      all('tr.finding', group).forEach(function (row) {
        var ok = severities[row.getAttribute('data-severity')] !== false &&
          (!waived || waived.checked || row.getAttribute('data-waived') !== 'true') &&
          (!query || label.indexOf(query) >= 0 || row.textContent.toLowerCase().indexOf(query) >= 0);
        row.hidden = !ok;
        if (ok) { inGroup += 1; }
      });
      group.hidden = inGroup === 0;
      count += inGroup;
    });
    if (shown) { shown.textContent = String(count); }
  }
  function requirements() {
    all('section.framework').forEach(function (section) {
      var statuses = {};
      all('input[name=status]', section).forEach(function (box) { statuses[box.value] = box.checked; });
      all('tr[data-status]', section).forEach(function (row) {
        row.hidden = statuses[row.getAttribute('data-status')] === false;
      });
    });
  }
  all('.filters input').forEach(function (input) {
    input.addEventListener('input', function () { findings(); requirements(); });
  });
  window.addEventListener('beforeprint', function () {
    all('details').forEach(function (d) { d.open = true; });
  });
  document.documentElement.classList.add('scripted');
})();
"#;
