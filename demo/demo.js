// The live demo. Plain ES5 on purpose: the demo is a "legacy page" that uses the script-tag
// bundle (global `Pushline`), served with the reference server's test controls (/_control/*).
//
// Every element a test reads or clicks has a stable id (see index.html and buildNetwork()).
// When the page is framed (test/browser/demo.test.ts embeds it from another origin), it posts
// a snapshot of what it shows to the parent after each update, and accepts
// {target: 'pushline-demo', cmd: 'click' | 'set' | 'snapshot'} messages.
(function () {
  'use strict';

  var TRANSPORTS = ['websocket', 'sse', 'streaming', 'longpoll'];
  var MODES = [
    ['refuse', 'answer 502, like a proxy that rejects the transport'],
    ['hang', 'accept the connection and never answer'],
    ['buffer', 'hold back every byte until the response ends, like a buffering proxy']
  ];
  var MAX_LINES = 100;
  // What client.stats() returns, in the order the page shows it (ids stat-<name> in index.html).
  var STATS = ['attempts', 'fallbacks', 'reconnects', 'resumes', 'gaps', 'messages', 'bytes', 'roundTrip'];

  var client = null;
  var order = [];
  var count = 0;
  var fallbacks = 0;
  var reconnects = 0;
  var trying = null; // the transport being tried, while not open
  var starts = 0; // clients created: the logger of a replaced client is ignored
  var started = {}; // transports whose attempt started and has not opened or failed yet, this round
  var race = null; // the last race: {winner, loser, reason}, reason set once the loser gave up
  var failed = {}; // transport -> reason of its last failure, until it opens again
  var modes = {}; // transport -> block mode set from this page (null: open)
  var conns = {}; // transport -> live connections the server reports
  var receivedText = '';
  var framed = window.parent && window.parent !== window;
  // ?endpoint=PATH: where the server's endpoints are (pushline-server --path /realtime prints the
  // link); by default at the root of this page's origin. The controls are at /_control/ either way.
  var endpointParam = /[?&]endpoint=([^&#]*)/.exec(location.search);
  var endpoint = '/';
  try {
    if (endpointParam) endpoint = decodeURIComponent(endpointParam[1]);
  } catch (e) { /* malformed: keep the default */ }

  function $(id) { return document.getElementById(id); }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text != null) node.appendChild(document.createTextNode(text));
    return node;
  }

  function clock() { return new Date().toISOString().slice(11, 23); }

  /** Adds a line at the top of a feed: parts are [className, text] pairs. */
  function feed(listId, kind, parts) {
    var list = $(listId);
    var empty = list.querySelector('.empty');
    if (empty) list.removeChild(empty);
    var li = el('li', 'k-' + kind);
    var text = [];
    li.setAttribute('data-kind', kind);
    li.appendChild(el('span', 'time', clock()));
    for (var i = 0; i < parts.length; i++) {
      li.appendChild(el('span', parts[i][0], parts[i][1]));
      text.push(parts[i][1]);
    }
    li.setAttribute('data-text', text.join(''));
    list.insertBefore(li, list.firstChild);
    while (list.children.length > MAX_LINES) list.removeChild(list.lastChild);
  }

  function event(kind, text) { feed('events', kind, [['', text]]); }

  // ---- the reference server's controls: one request at a time, in click order ------------

  var queue = [];
  var busy = false;

  function request(method, path, body, done) {
    var xhr = new XMLHttpRequest();
    xhr.open(method, path, true);
    if (body !== undefined) xhr.setRequestHeader('Content-Type', 'application/json');
    xhr.onreadystatechange = function () {
      if (xhr.readyState !== 4) return;
      if (done) done(xhr.status >= 200 && xhr.status < 300, xhr.responseText, xhr.status);
    };
    xhr.send(body === undefined ? null : JSON.stringify(body));
  }

  function control(path, body) {
    queue.push({ path: path, body: body || {} });
    pump();
  }

  function pump() {
    if (busy || !queue.length) return;
    var job = queue.shift();
    busy = true;
    request('POST', '/_control/' + job.path, job.body, function (ok, text, status) {
      busy = false;
      // 404: the server runs without its test controls (start it with --controls).
      if (!ok) event('error', 'control ' + job.path + ' failed: HTTP ' + status + (status === 404 ? ' (start the server with --controls)' : ''));
      pump();
    });
  }

  // ---- the client ------------------------------------------------------------------------

  function start() {
    var previous = client;
    var resumeFrom = previous ? previous.lastEventId : null;
    client = null;
    if (previous) previous.close();
    order = $('order').value.split(',');
    failed = {};
    trying = order[0];
    started = {};
    race = null;
    var generation = ++starts;
    var c = client = Pushline.connect(endpoint, {
      transports: order,
      connectTimeout: 3000, // a hanging or buffering transport is left after 3 s
      heartbeatTimeout: 35000, // above the server's ping interval (15 s) and poll hold (25 s)
      reconnect: { maxDelay: 5000 },
      lastEventId: resumeFrom,
      // The logger also sees each attempt start, which no event announces: with it the page can
      // tell a race (two transports trying at once, the first to open serves) from a fallback.
      logger: function (name, detail) {
        if (generation === starts && name === 'attempt') started[detail.transport] = true;
      }
    });
    event('you', 'connect: ' + order.join(' → ') + (resumeFrom ? ', resuming after #' + resumeFrom : ''));

    c.on('open', function (e) {
      if (c !== client) return;
      delete failed[e.transport];
      trying = null;
      noteRace(e.transport);
      var resumed = e.resumed ? ' — resumed' + (c.lastEventId ? ' after #' + c.lastEventId : '') + ', nothing missed' : '';
      event('open', 'open on ' + e.transport + resumed);
      render();
    });
    c.on('message', function (m) {
      if (c !== client) return;
      count++;
      feed('messages', 'message', [
        ['id', '#' + m.id],
        ['', '  ' + (m.event !== 'message' ? '[' + m.event + '] ' : '') + m.data],
        ['via', '   via ' + c.transport]
      ]);
      render();
    });
    c.on('fallback', function (f) {
      if (c !== client) return;
      fallbacks++;
      failed[f.transport] = f.reason;
      delete started[f.transport];
      if (race && race.loser === f.transport && !race.reason) race.reason = f.reason;
      trying = f.next;
      event('fallback', 'fallback: ' + f.transport + ' ' + f.reason + ' after ' + f.elapsed + ' ms → ' +
        (f.next ? 'trying ' + f.next : 'every transport failed this round'));
      render();
    });
    c.on('reconnecting', function (r) {
      if (c !== client) return;
      reconnects++;
      started = {}; // a new round
      trying = r.transport;
      event('reconnecting', 'reconnecting on ' + r.transport + ' in ' + r.delay + ' ms (' + r.error.code + ')');
      render();
    });
    c.on('gap', function (g) {
      if (c !== client) return;
      event('gap', 'gap: the server no longer has the messages after #' + g.lastEventId + ' — some were missed');
    });
    c.on('error', function (e) {
      if (c !== client) return;
      event('error', 'error ' + e.code + ': ' + e.message);
      render();
    });
    c.on('close', function (e) {
      if (c !== client) return;
      event('close', 'closed' + (e.error ? ' (' + e.error.code + ')' : ''));
      render();
    });
    render();
  }

  /**
   * On open: another transport still trying means the client raced them and this one opened
   * first; the other stays beside it and either gives up (its `fallback` event says why) or opens
   * later and takes over.
   */
  function noteRace(opened) {
    delete started[opened];
    var others = [];
    for (var t in started) if (started.hasOwnProperty(t)) others.push(t);
    started = {};
    if (others.length) {
      race = { winner: opened, loser: others.join(', '), reason: null };
      event('race', 'race: ' + opened + ' opened first while ' + race.loser + ' was still trying');
    } else if (race && race.loser === opened && !race.reason) {
      event('race', opened + ' opened later and took over from ' + race.winner);
      race = { winner: opened, loser: race.winner, reason: 'taken over' };
    }
  }

  // ---- rendering ---------------------------------------------------------------------------

  function text(id, value) {
    var node = $(id);
    if (node.textContent !== value) node.textContent = value;
  }

  function render() {
    var state = client ? client.state : 'closed';
    text('state', state);
    $('state').className = 'state-' + state;
    text('transport', (client && client.transport) || '–');
    text('last-id', (client && client.lastEventId) || '–');
    text('count', String(count));
    text('fallback-count', String(fallbacks));
    text('reconnect-count', String(reconnects));
    text('race', race ? race.winner + ' over ' + race.loser + (race.reason ? ' (' + race.reason + ')' : '') : '–');
    var stats = client ? client.stats() : null;
    for (var s = 0; s < STATS.length; s++) {
      var value = stats ? stats[STATS[s]] : null;
      text('stat-' + STATS[s], value == null ? '–' : STATS[s] === 'roundTrip' ? value + ' ms' : String(value));
    }
    renderLadder(state);
    for (var i = 0; i < TRANSPORTS.length; i++) {
      var t = TRANSPORTS[i];
      var mode = modes[t] || null;
      text('mode-' + t, mode || 'open');
      $('mode-' + t).className = 'mode-' + (mode || 'open');
      text('conns-' + t, conns[t] == null ? '–' : String(conns[t]));
      for (var j = 0; j <= MODES.length; j++) {
        var m = j < MODES.length ? MODES[j][0] : null;
        $('block-' + t + '-' + (m || 'none')).className = m === mode && m ? 'active' : '';
      }
    }
    report();
  }

  function renderLadder(state) {
    var ladder = $('ladder');
    while (ladder.firstChild) ladder.removeChild(ladder.firstChild);
    for (var i = 0; i < order.length; i++) {
      var t = order[i];
      var cls = 't';
      var label = t;
      if (client && client.transport === t && state === 'open') cls += ' current';
      else if (failed[t]) {
        cls += ' failed';
        label += ' (' + failed[t] + ')';
      } else if (t === trying && state !== 'closed') cls += ' trying';
      if (i) ladder.appendChild(el('span', 'arrow', '→'));
      var item = el('span', cls, label);
      item.id = 'ladder-' + t;
      ladder.appendChild(item);
    }
  }

  function buildNetwork() {
    var body = $('blocks');
    for (var i = 0; i < TRANSPORTS.length; i++) {
      (function (t) {
        var row = el('tr');
        row.id = 'row-' + t;
        row.appendChild(el('td', 'mono', t));
        var live = el('td', 'mono', '–');
        live.id = 'conns-' + t;
        live.title = 'live connections on this transport, as the server counts them';
        row.appendChild(live);
        var mode = el('td', '', 'open');
        mode.id = 'mode-' + t;
        row.appendChild(mode);
        var buttons = el('td');
        for (var j = 0; j <= MODES.length; j++) {
          (function (m, title) {
            var b = el('button', '', m || 'unblock');
            b.id = 'block-' + t + '-' + (m || 'none');
            b.title = title;
            b.onclick = function () { block(t, m); };
            buttons.appendChild(b);
          })(j < MODES.length ? MODES[j][0] : null, j < MODES.length ? MODES[j][1] : 'let the transport through again');
        }
        row.appendChild(buttons);
        body.appendChild(row);
      })(TRANSPORTS[i]);
    }
  }

  function block(t, mode) {
    modes[t] = mode;
    control('block', { transport: t, mode: mode });
    event('you', mode ? 'block ' + t + ' (' + mode + '): applies to new connections' : 'unblock ' + t);
    render();
  }

  // What the server saw: client-to-server messages, and live connections per transport.
  function poll() {
    request('GET', '/_control/received', undefined, function (ok, body) {
      if (!ok || body === receivedText) return;
      receivedText = body;
      var list = JSON.parse(body);
      var ol = $('received');
      while (ol.firstChild) ol.removeChild(ol.firstChild);
      if (!list.length) ol.appendChild(el('li', 'empty', 'nothing yet: press Send to server'));
      for (var i = list.length - 1; i >= 0 && i >= list.length - 20; i--) {
        var r = list[i];
        var li = el('li', 'k-received');
        var line = r.data + '   via ' + (r.transport || '?') + ', session ' + (r.session || '?');
        li.setAttribute('data-text', line);
        li.appendChild(el('span', '', r.data));
        li.appendChild(el('span', 'via', '   via ' + (r.transport || '?') + ', session ' + (r.session || '?')));
        ol.appendChild(li);
      }
      render();
    });
    request('GET', '/_control/stats', undefined, function (ok, body) {
      if (ok) conns = JSON.parse(body).connections || {};
      // Also shows what no event announces: state changes (connecting → reconnecting), and the
      // client.stats() counters, refreshed each second on top of each event.
      render();
    });
  }

  // ---- a framed page reports to its parent (tests) -----------------------------------------

  function lines(id) {
    var out = [];
    var items = $(id).children;
    for (var i = 0; i < items.length; i++) {
      if (items[i].className === 'empty') continue;
      out.push({ kind: items[i].getAttribute('data-kind'), text: items[i].getAttribute('data-text') });
    }
    return out;
  }

  function snapshot() {
    var shownModes = {};
    var shownConns = {};
    for (var i = 0; i < TRANSPORTS.length; i++) {
      shownModes[TRANSPORTS[i]] = $('mode-' + TRANSPORTS[i]).textContent;
      shownConns[TRANSPORTS[i]] = $('conns-' + TRANSPORTS[i]).textContent;
    }
    var shownStats = {};
    for (var s = 0; s < STATS.length; s++) {
      var value = parseInt($('stat-' + STATS[s]).textContent, 10);
      shownStats[STATS[s]] = isNaN(value) ? null : value; // '–': nothing to show yet
    }
    return {
      state: $('state').textContent,
      transport: $('transport').textContent,
      lastId: $('last-id').textContent,
      count: Number($('count').textContent),
      fallbacks: Number($('fallback-count').textContent),
      reconnects: Number($('reconnect-count').textContent),
      race: $('race').textContent,
      stats: shownStats,
      ladder: $('ladder').textContent,
      order: $('order').value,
      modes: shownModes,
      conns: shownConns,
      messages: lines('messages'),
      events: lines('events'),
      received: lines('received')
    };
  }

  function report() {
    if (framed) window.parent.postMessage({ source: 'pushline-demo', snapshot: snapshot() }, '*');
  }

  window.addEventListener('message', function (e) {
    var d = e.data;
    if (!d || d.target !== 'pushline-demo') return;
    var node = typeof d.id === 'string' ? $(d.id) : null;
    if (d.cmd === 'click' && node && node.tagName === 'BUTTON') node.click();
    if (d.cmd === 'set' && node && (node.tagName === 'INPUT' || node.tagName === 'SELECT')) node.value = String(d.value);
    report();
  });

  // ---- wiring ------------------------------------------------------------------------------

  function message() { return $('text').value || 'hello'; }

  $('publish').onclick = function () { control('publish', { data: message() }); };
  $('send').onclick = function () {
    if (!client) return;
    var ok = client.send(message());
    event('you', (ok ? 'sent ' : 'could not send ') + JSON.stringify(message()) + (client.transport ? ' over ' + client.transport : ' (queued)'));
  };
  $('drop').onclick = function () {
    control('drop');
    event('you', 'dropped every connection');
  };
  $('drop-publish').onclick = function () {
    var m = message();
    control('drop');
    control('publish', [{ data: m + ' 1/3' }, { data: m + ' 2/3' }, { data: m + ' 3/3' }]);
    event('you', 'dropped every connection, then published 3 messages while the client reconnects');
  };
  $('unblock-all').onclick = function () {
    for (var i = 0; i < TRANSPORTS.length; i++) block(TRANSPORTS[i], null);
  };
  $('apply-order').onclick = start;

  buildNetwork();
  // ?order=sse,longpoll preselects a fallback order (a new entry if it is not in the list).
  var asked = /[?&]order=([^&]*)/.exec(location.search);
  if (asked) {
    var value = decodeURIComponent(asked[1]);
    var select = $('order');
    select.value = value;
    if (select.value !== value) {
      select.appendChild(el('option', '', value.split(',').join(' → ')));
      select.lastChild.value = value;
      select.value = value;
    }
  }

  if (!window.Pushline) {
    event('error', 'could not load /dist/pushline.min.js: run `npm run build` first');
    render();
    return;
  }
  start();
  poll();
  setInterval(poll, 1000);
  window.pushlineDemo = { client: function () { return client; }, snapshot: snapshot };
})();
