(function () {
  'use strict';
  var queue = [];
  function record(message) {
    var list = document.getElementById('page-errors');
    if (!list) { queue.push(message); return; }
    var item = document.createElement('li');
    item.textContent = message;
    list.appendChild(item);
    list.hidden = false;
  }
  window.eksRecordError = record;
  window.eksPendingErrors = queue;
  window.addEventListener('error', function (e) {
    var where = e.filename ? ' at ' + e.filename + ':' + e.lineno : '';
    var what = e.message || ('failed to load ' + (e.target && e.target.tagName ? e.target.tagName.toLowerCase() : e.type));
    record('script error: ' + what + where);
  }, true);
  window.addEventListener('unhandledrejection', function (e) {
    record('unhandled rejection: ' + e.reason);
  });
  document.addEventListener('securitypolicyviolation', function (e) {
    record('blocked by the Content-Security-Policy (' + e.violatedDirective + '): ' + e.blockedURI);
  });
})();
