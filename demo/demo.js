// Plain ES5 on purpose: the demo is a "legacy page" that uses the script-tag bundle.
(function () {
  var $ = function (id) { return document.getElementById(id); };
  var client = null;
  var count = 0;

  function log(cls, text) {
    var line = document.createElement('div');
    line.className = cls;
    line.textContent = new Date().toISOString().slice(11, 23) + '  ' + text;
    $('log').insertBefore(line, $('log').firstChild);
  }
  function control(path, body) {
    var xhr = new XMLHttpRequest();
    xhr.open('POST', '/_control/' + path, true);
    xhr.setRequestHeader('Content-Type', 'application/json');
    xhr.send(JSON.stringify(body || {}));
  }
  function show() {
    $('state').textContent = client ? client.state : '–';
    $('transport').textContent = (client && client.transport) || '–';
    $('last').textContent = (client && client.lastEventId) || '–';
    $('count').textContent = String(count);
  }

  function start() {
    if (client) client.close();
    var order = $('order').value.split(',').map(function (s) { return s.replace(/\s/g, ''); }).filter(Boolean);
    client = Pushline.connect('/', { transports: order, connectTimeout: 3000, heartbeatTimeout: 8000,
      lastEventId: client ? client.lastEventId : null });
    log('s', 'connecting: ' + order.join(' → '));
    client.on('open', function (e) { log('s', 'open on ' + e.transport + (e.resumed ? ' (resumed)' : '')); show(); });
    client.on('message', function (m) { count++; log('m', '#' + m.id + ' [' + m.event + '] ' + m.data); show(); });
    client.on('gap', function () { log('e', 'gap: messages were missed (older than the server history)'); });
    client.on('fallback', function (f) {
      log('e', 'fallback: ' + f.transport + ' ' + f.reason + ' after ' + f.elapsed + ' ms → ' + (f.next || 'start over'));
      show();
    });
    client.on('reconnecting', function (r) { log('e', 'reconnecting on ' + r.transport + ' in ' + r.delay + ' ms (' + r.error.code + ')'); show(); });
    client.on('error', function (e) { log('e', 'error: ' + e.message); show(); });
    client.on('close', function () { log('s', 'closed'); show(); });
    show();
  }

  var transports = ['websocket', 'sse', 'streaming', 'longpoll'];
  for (var i = 0; i < transports.length; i++) {
    (function (t) {
      var span = document.createElement('div');
      span.appendChild(document.createTextNode(t + ': '));
      var modes = ['refuse', 'hang', 'buffer', null];
      for (var j = 0; j < modes.length; j++) {
        (function (mode) {
          var b = document.createElement('button');
          b.textContent = mode || 'unblock';
          b.id = 'block-' + t + '-' + (mode || 'none');
          b.onclick = function () { control('block', { transport: t, mode: mode }); log('s', (mode ? 'block ' + t + ': ' + mode : 'unblock ' + t)); };
          span.appendChild(b);
        })(modes[j]);
      }
      $('blocks').appendChild(span);
    })(transports[i]);
  }

  $('publish').onclick = function () { control('publish', { data: $('text').value }); };
  $('send').onclick = function () { client && client.send($('text').value); log('s', 'sent: ' + $('text').value); };
  $('drop').onclick = function () { control('drop'); log('s', 'dropped all connections'); };
  $('reconnect').onclick = start;
  start();
  window.pushlineDemo = { client: function () { return client; } };
})();
