// The network doctor (doctor.html). Plain ES5 on purpose, like the live demo: it runs on the
// script-tag bundle (global `Pushline`) in whatever browser a site's user has.
//
// For each transport in turn it connects with that transport alone, no reconnection, and
// records whether this browser has it, how the attempt ended (opened, or the failure class),
// the time to open and, when the endpoint has the reference server's test controls, the time
// from publishing a message to its arrival. A stream that opens but does not deliver that
// message within BUFFER_CHECK_MS is reported as buffered by something on the path.
//
// Query parameters: ?endpoint=URL (default: this page's origin), ?timeout=MS (connectTimeout,
// default 5000), ?auto=1 (run at once). When framed (test/browser/doctor.test.ts), the page
// posts {source: 'pushline-doctor', type: 'progress' | 'result', ...} to its parent, and it
// keeps the last results in window.pushlineDoctor.
(function () {
  'use strict';

  var TRANSPORTS = ['websocket', 'sse', 'streaming', 'longpoll'];
  var DEFAULT_TIMEOUT = 5000;
  var BUFFER_CHECK_MS = 2000; // a message published after open must arrive within this
  var PROBE_EVENT = 'pushline-doctor'; // event name of the doctor's own messages
  var NOISE_MS = 10; // latency differences below both of these do not reorder the recommendation
  var NOISE_SHARE = 0.25;
  // Firefox shows an HTTP response to the page only once its first body bytes arrive, so there
  // a stream whose headers came and whose body is held back looks like no answer at all
  // (README, "Engine differences").
  var HIDES_HEADERS = /Firefox\//.test(navigator.userAgent);
  var framed = window.parent && window.parent !== window;
  var perf = window.performance;

  var running = false;
  var runSeq = 0;
  var results = [];
  var recommended = [];
  var race = null; // the last run's connection with the default order: see raceCheck()

  function $(id) { return document.getElementById(id); }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text != null) node.appendChild(document.createTextNode(text));
    return node;
  }

  function now() { return perf && perf.now ? perf.now() : new Date().getTime(); }

  function ms(x) { return Math.round(x * 10) / 10; }

  function param(name) {
    var m = new RegExp('[?&]' + name + '=([^&#]*)').exec(location.search);
    if (!m) return null;
    try {
      return decodeURIComponent(m[1].replace(/\+/g, ' '));
    } catch (e) {
      return m[1];
    }
  }

  function pageOrigin() {
    return location.origin || location.protocol + '//' + location.host;
  }

  /** The endpoint with its query and trailing slashes removed: where {base}/_control/... is looked for first. */
  function basePath(endpoint) {
    return endpoint.replace(/[?#].*$/, '').replace(/\/+$/, '');
  }

  function supported(t) {
    var factory = window.Pushline && window.Pushline[t];
    if (factory && typeof factory.supported === 'function') return !!factory.supported();
    if (t === 'websocket') return typeof WebSocket !== 'undefined';
    if (t === 'sse') return typeof EventSource !== 'undefined';
    return typeof XMLHttpRequest !== 'undefined';
  }

  // ---- the reference server's controls ------------------------------------------------------

  /** done(status, text): status 0 for a network or CORS error, or no answer within `timeout`. */
  function request(method, url, body, timeout, done) {
    var xhr = new XMLHttpRequest();
    var over = false;
    var timer = setTimeout(function () {
      finish(0, '');
      try { xhr.abort(); } catch (e) { /* ignore */ }
    }, timeout);
    function finish(status, text) {
      if (over) return;
      over = true;
      clearTimeout(timer);
      done(status, text);
    }
    try {
      xhr.open(method, url, true);
      // text/plain keeps a cross-origin POST a "simple" request: no preflight round trip.
      if (body != null) xhr.setRequestHeader('Content-Type', 'text/plain;charset=UTF-8');
      xhr.onreadystatechange = function () {
        if (xhr.readyState === 4) finish(xhr.status, xhr.responseText);
      };
      xhr.send(body == null ? null : body);
    } catch (e) {
      finish(0, '');
    }
  }

  /**
   * The origin of an endpoint (absolute or relative to this page) and whether its path is the
   * root: an anchor resolves it, as old engines can.
   */
  function locate(endpoint) {
    var a = document.createElement('a');
    a.href = endpoint;
    return { origin: a.protocol + '//' + a.host, atRoot: a.pathname.replace(/^\/+|\/+$/g, '') === '' };
  }

  /**
   * done(available, why, status, base): GET {base}/_control/stats answers the reference server's
   * JSON. Tried at the endpoint, then at its origin's root, where a server mounted at a path
   * (pushline-server --path /realtime) keeps its controls; `base` is where they answered.
   */
  function probeControls(endpoint, timeout, done) {
    var where = locate(endpoint);
    var bases = where.atRoot ? [basePath(endpoint)] : [basePath(endpoint), where.origin];
    var first = null;
    (function probe(i) {
      request('GET', bases[i] + '/_control/stats', null, timeout, function (status, text) {
        var why = null;
        if (status === 200) {
          try {
            if (JSON.parse(text).connections) return done(true, '', status, bases[i]);
          } catch (e) { /* not JSON: another server */ }
          why = 'GET /_control/stats did not answer the reference server\'s JSON';
        } else {
          why = status === 0 ? 'GET /_control/stats failed (network or CORS error)' : 'GET /_control/stats answered HTTP ' + status;
        }
        // What the endpoint itself answered is the reason given when neither place has them.
        first = first || { why: why, status: status };
        if (i + 1 < bases.length) return probe(i + 1);
        done(false, first.why, first.status, null);
      });
    })(0);
  }

  // ---- one transport ------------------------------------------------------------------------

  /**
   * Checks one transport; done(result). `ctx`: { endpoint, timeout, controls, run }.
   * result: { transport, supported, outcome, openMs, latencyMs, verdict, text, detail }.
   */
  function check(t, ctx, done) {
    var r = {
      transport: t,
      supported: supported(t),
      outcome: null,
      openMs: null,
      latencyMs: null,
      verdict: null,
      text: '',
      detail: ''
    };
    if (!r.supported) {
      r.outcome = 'unsupported';
      return done(conclude(r, null, ctx));
    }
    var client = null;
    var over = false;
    var opened = false;
    var start = 0;
    var token = ctx.run + '-' + t;
    var probeStart = 0;
    var waitTimer = null;
    var lastError = null;

    function finish(error) {
      if (over) return;
      over = true;
      clearTimeout(guard);
      clearTimeout(waitTimer);
      if (client) client.close();
      done(conclude(r, error, ctx));
    }
    // Nothing should outlive connectTimeout + the buffering check; this is a safety net.
    var guard = setTimeout(function () {
      finish({ code: opened ? 'silent' : 'timeout', message: 'no event from the client' });
    }, ctx.timeout + BUFFER_CHECK_MS + 3000);

    function fail(error) {
      error = error || lastError || { code: 'closed', message: 'the client closed' };
      if (!opened) r.outcome = error.code === 'no-transport' ? 'unsupported' : error.code;
      finish(error);
    }

    function publish() {
      probeStart = now();
      var body = JSON.stringify({ event: PROBE_EVENT, data: JSON.stringify({ doctor: token, sentAt: new Date().getTime() }) });
      waitTimer = setTimeout(function () {
        finish({ code: 'silent', message: 'the message published after open did not arrive within ' + BUFFER_CHECK_MS + ' ms' });
      }, BUFFER_CHECK_MS);
      request('POST', ctx.controlsBase + '/_control/publish', body, BUFFER_CHECK_MS, function (status) {
        if (over || (status >= 200 && status < 300)) return;
        // The controls went away (or never accepted a POST): report the open, skip the rest.
        ctx.controls = false;
        ctx.controlsWhy = 'POST /_control/publish ' + (status ? 'answered HTTP ' + status : 'failed (network or CORS error)');
        finish(null);
      });
    }

    try {
      start = now();
      client = Pushline.connect(ctx.endpoint, {
        transports: [t],
        connectTimeout: ctx.timeout,
        reconnect: false
      });
    } catch (e) {
      r.outcome = 'error';
      return finish({ code: 'error', message: (e && e.message) || String(e) });
    }
    client.on('open', function () {
      if (over) return;
      opened = true;
      r.outcome = 'opened';
      r.openMs = ms(now() - start);
      if (ctx.controls) publish();
      else finish(null);
    });
    client.on('message', function (m) {
      if (over || !probeStart || m.event !== PROBE_EVENT || m.data.indexOf(token) < 0) return;
      r.latencyMs = ms(now() - probeStart);
      finish(null);
    });
    client.on('fallback', function (f) { if (!over) fail(f.error || { code: f.reason, message: f.reason }); });
    client.on('error', function (e) { lastError = e; });
    client.on('close', function (e) { if (!over) fail(e.error); });
  }

  /**
   * One connection as a site gets it by default: every transport, in the default order, racing
   * (a transport that has not opened within its head start gets the next one started beside
   * it). Records which transports were tried, which lost and why (the `fallback` events), the
   * winner, the time to open and, with the test controls, to the first message. done(r).
   */
  function raceCheck(ctx, done) {
    var r = { transport: null, openMs: null, firstMessageMs: null, tried: [], losers: [], error: null };
    var client = null;
    var over = false;
    var start = now();
    var token = ctx.run + '-race';
    var guard = setTimeout(function () { finish('no transport opened within ' + (4 * ctx.timeout + BUFFER_CHECK_MS) + ' ms'); }, 4 * ctx.timeout + BUFFER_CHECK_MS);
    var waitTimer = null;

    function finish(error) {
      if (over) return;
      over = true;
      if (error) r.error = error;
      clearTimeout(guard);
      clearTimeout(waitTimer);
      if (client) client.close();
      post({ source: 'pushline-doctor', type: 'race', race: r });
      done(r);
    }
    try {
      client = Pushline.connect(ctx.endpoint, {
        connectTimeout: ctx.timeout,
        reconnect: false,
        logger: function (name, detail) {
          if (name === 'attempt') r.tried.push({ transport: detail.transport, atMs: ms(now() - start) });
        }
      });
    } catch (e) {
      return finish((e && e.message) || String(e));
    }
    client.on('fallback', function (f) {
      r.losers.push({ transport: f.transport, reason: f.reason, elapsed: f.elapsed });
    });
    client.on('open', function (e) {
      if (over || r.transport) return;
      r.transport = e.transport;
      r.openMs = ms(now() - start);
      if (!ctx.controls) return finish(null);
      waitTimer = setTimeout(function () { finish('the message published after open did not arrive within ' + BUFFER_CHECK_MS + ' ms'); }, BUFFER_CHECK_MS);
      request('POST', ctx.controlsBase + '/_control/publish', JSON.stringify({ event: PROBE_EVENT, data: token }), BUFFER_CHECK_MS, function () {});
    });
    client.on('message', function (m) {
      if (over || m.event !== PROBE_EVENT || m.data !== token) return;
      r.firstMessageMs = ms(now() - start);
      finish(null);
    });
    client.on('close', function (e) { finish((e.error && e.error.message) || 'the client closed'); });
  }

  /** Fills in verdict, text and detail from how the check ended; returns r. */
  function conclude(r, error, ctx) {
    var t = r.transport;
    var code = error && error.code;
    var why = error ? describe(error) : '';
    var stream = t === 'sse' || t === 'streaming';
    function say(verdict, text, detail) {
      r.verdict = verdict;
      r.text = text;
      r.detail = detail || '';
      return r;
    }
    if (r.outcome === 'unsupported') return say('unsupported', 'not supported by this browser', why);
    if (r.outcome === 'opened') {
      if (r.latencyMs !== null) return say('ok', 'works', 'opened in ' + r.openMs + ' ms, first message in ' + r.latencyMs + ' ms');
      if (!error) return say('ok', 'opens', 'latency and buffering not measured: ' + ctx.controlsWhy);
      if (code === 'silent' || code === 'muted') {
        if (t === 'websocket') return say('buffered', 'opens but stays silent (buffered)', why);
        if (stream) return say('buffered', 'stream buffered by something on the path', why);
        return say('silent', 'opens, but delivers nothing', why);
      }
      return say('unstable', 'opens, then the connection ends (' + code + ')', why);
    }
    if (r.outcome === 'refused') {
      if (t === 'websocket') return say('refused', 'WebSocket killed (refused)', why);
      return say('refused', 'refused by the server or a proxy', why);
    }
    if (r.outcome === 'timeout') {
      if (t === 'websocket') return say('hangs', 'hangs (proxy swallowing upgrade?)', why);
      if (stream && HIDES_HEADERS) {
        return say('hangs', 'no answer: the request hangs, or a proxy buffers the stream',
          why + ' (this browser shows a response only once its first bytes arrive, so it cannot tell the two apart)');
      }
      return say('hangs', 'hangs: no answer', why);
    }
    if (r.outcome === 'buffered') {
      if (t === 'websocket') return say('buffered', 'opens but stays silent (buffered)', why);
      return say('buffered', 'stream buffered by something on the path', why);
    }
    if (r.outcome === 'error') return say('error', 'could not start', why);
    return say('error', 'fails (' + r.outcome + ')', why);
  }

  function describe(error) {
    var text = error.message || String(error.code);
    if (error.status && text.indexOf('HTTP ' + error.status) < 0) text += ' (HTTP ' + error.status + ')';
    if (error.closeCode && text.indexOf(String(error.closeCode)) < 0) text += ' (close code ' + error.closeCode + ')';
    return text;
  }

  // ---- the run ------------------------------------------------------------------------------

  /**
   * The working transports, fastest first (by first-message latency, or time to open when that
   * was not measured); WebSocket first when it works. One sample each is noisy, so a transport
   * goes ahead of one that comes earlier in the default order only when it is clearly faster:
   * by more than NOISE_MS and NOISE_SHARE both.
   */
  function recommend(list) {
    var ok = [];
    for (var i = 0; i < list.length; i++) if (list[i].verdict === 'ok') ok.push(list[i]);
    var timed = true;
    for (var j = 0; j < ok.length; j++) if (ok[j].latencyMs === null) timed = false;
    var key = timed ? 'latencyMs' : 'openMs';
    function ahead(a, b) {
      if (a.transport === 'websocket' || b.transport === 'websocket') return a.transport === 'websocket';
      var d = b[key] - a[key];
      return d > NOISE_MS && d > NOISE_SHARE * b[key];
    }
    // Insertion sort: stable, and each transport moves only past those it clearly beats.
    var sorted = [];
    for (var k = 0; k < ok.length; k++) {
      var at = sorted.length;
      while (at > 0 && ahead(ok[k], sorted[at - 1])) at--;
      sorted.splice(at, 0, ok[k]);
    }
    var names = [];
    for (var n = 0; n < sorted.length; n++) names.push(sorted[n].transport);
    return names;
  }

  function run() {
    if (running) return;
    if (!window.Pushline) return status('could not load /dist/pushline.min.js: run `npm run build` first');
    var endpoint = $('endpoint').value.replace(/^\s+|\s+$/g, '') || pageOrigin();
    var timeout = parseInt($('timeout').value, 10);
    if (!(timeout >= 100)) timeout = DEFAULT_TIMEOUT;
    $('endpoint').value = endpoint;
    $('timeout').value = String(timeout);
    running = true;
    $('run').disabled = true;
    results = [];
    recommended = [];
    race = null;
    expose();
    renderRows();
    renderSummary(null);
    var ctx = { endpoint: endpoint, timeout: timeout, controls: false, controlsBase: null, controlsWhy: '', controlsStatus: 0, run: 'd' + (++runSeq) + '-' + Math.random().toString(36).slice(2, 10) };
    status('looking for the test controls at ' + basePath(endpoint) + '/_control/…');
    probeControls(endpoint, timeout, function (available, why, httpStatus, base) {
      ctx.controls = available;
      ctx.controlsBase = base;
      ctx.controlsStatus = httpStatus;
      ctx.controlsWhy = available ? '' : why + ': the endpoint has no reference-server controls';
      next(0);
    });

    function next(i) {
      if (i === TRANSPORTS.length) {
        status('connecting with the default order (the transports race)…');
        return raceCheck(ctx, function (r) {
          race = r;
          finished(ctx);
        });
      }
      status('checking ' + TRANSPORTS[i] + ' (' + (i + 1) + ' of ' + TRANSPORTS.length + ')…');
      renderRows(TRANSPORTS[i]);
      check(TRANSPORTS[i], ctx, function (r) {
        results.push(r);
        expose();
        renderRows(i + 1 < TRANSPORTS.length ? TRANSPORTS[i + 1] : null);
        post({ source: 'pushline-doctor', type: 'progress', result: brief(r) });
        // On a fresh task: the client just closed from inside one of its own events.
        setTimeout(function () { next(i + 1); }, 0);
      });
    }
  }

  function finished(ctx) {
    recommended = recommend(results);
    running = false;
    $('run').disabled = false;
    expose();
    renderSummary(ctx);
    status('done: ' + (recommended.length ? recommended.length + ' of ' + TRANSPORTS.length + ' transports work' : 'no transport works') +
      (ctx.controls ? '' : ' (latency not measured: no test controls)'));
    var list = [];
    for (var i = 0; i < results.length; i++) list.push(brief(results[i]));
    post({ source: 'pushline-doctor', type: 'result', endpoint: ctx.endpoint, controls: ctx.controls, results: list, recommended: recommended.slice(), race: race, snippet: snippet(ctx.endpoint) });
  }

  /** What the parent page gets for one transport. */
  function brief(r) {
    return {
      transport: r.transport,
      supported: r.supported,
      outcome: r.outcome,
      openMs: r.openMs,
      latencyMs: r.latencyMs,
      verdict: r.verdict,
      text: r.text,
      detail: r.detail
    };
  }

  function snippet(endpoint) {
    var names = [];
    for (var i = 0; i < recommended.length; i++) names.push("'" + recommended[i] + "'");
    return 'Pushline.connect(' + quote(endpoint) + ', { transports: [' + names.join(', ') + '] })';
  }

  function quote(s) {
    return "'" + s.replace(/\\/g, '\\\\').replace(/'/g, "\\'") + "'";
  }

  function expose() {
    window.pushlineDoctor = { results: results, recommended: recommended, race: race, running: running, run: run };
  }

  function post(msg) {
    if (framed) window.parent.postMessage(msg, '*');
  }

  // ---- rendering ----------------------------------------------------------------------------

  function status(text) { $('status').textContent = text; }

  function find(t) {
    for (var i = 0; i < results.length; i++) if (results[i].transport === t) return results[i];
    return null;
  }

  function renderRows(current) {
    var body = $('rows');
    while (body.firstChild) body.removeChild(body.firstChild);
    for (var i = 0; i < TRANSPORTS.length; i++) {
      var t = TRANSPORTS[i];
      var r = find(t);
      var row = el('tr');
      row.id = 'row-' + t;
      row.appendChild(el('td', 'mono', t));
      if (!r) {
        row.appendChild(el('td', '', supported(t) ? 'yes' : 'no'));
        var pending = el('td', t === current ? 'v-pending' : 'v-waiting', t === current ? 'checking…' : '–');
        pending.colSpan = 4;
        row.appendChild(pending);
      } else {
        row.appendChild(el('td', '', r.supported ? 'yes' : 'no'));
        row.appendChild(el('td', 'mono', r.outcome));
        row.appendChild(el('td', 'num', r.openMs === null ? '–' : r.openMs + ' ms'));
        row.appendChild(el('td', 'num', r.latencyMs === null ? '–' : r.latencyMs + ' ms'));
        var verdict = el('td', 'v-' + r.verdict, r.text);
        verdict.setAttribute('data-verdict', r.verdict);
        if (r.detail) verdict.appendChild(el('span', 'detail', r.detail));
        row.appendChild(verdict);
      }
      body.appendChild(row);
    }
  }

  function renderSummary(ctx) {
    var list = $('findings');
    while (list.firstChild) list.removeChild(list.firstChild);
    var copy = $('copy');
    if (!ctx) {
      list.appendChild(el('li', 'hint', running ? 'Checking…' : 'Run the checks to see a summary.'));
      $('snippet').textContent = '–';
      copy.disabled = true;
      return;
    }
    var lines = findings(ctx);
    for (var i = 0; i < lines.length; i++) list.appendChild(el('li', '', lines[i]));
    $('snippet').textContent = recommended.length ? snippet(ctx.endpoint) : '// no transport works from here: see above';
    copy.disabled = !recommended.length;
  }

  function findings(ctx) {
    var out = [];
    var ws = find('websocket');
    var lp = find('longpoll');
    var broken = [];
    var buffered = [];
    for (var i = 0; i < results.length; i++) {
      var r = results[i];
      if (r.verdict === 'buffered' && r.transport !== 'websocket') buffered.push(r.transport);
      if (r.verdict !== 'ok' && r.verdict !== 'unsupported') broken.push(r.transport + ' (' + r.text + ')');
    }
    if (!recommended.length) {
      // Every transport failed: a dead or mistyped endpoint, rather than something on the path.
      out.push('No transport works from this browser and network against ' + ctx.endpoint + '.' +
        (ctx.controlsStatus === 0 ? ' Nothing answered there: check the address, that the server is up and reachable from here, and that it accepts this page\'s origin.' : ''));
    } else {
      if (ws && ws.verdict === 'refused') out.push('Something on the path kills WebSockets: the upgrade is refused.');
      else if (ws && ws.verdict === 'hangs') out.push('Something on the path swallows WebSocket upgrades: the connection hangs until the timeout.');
      else if (ws && ws.verdict === 'buffered') out.push('WebSockets open but stay silent: something on the path holds their frames back.');
      if (buffered.length) {
        out.push('Something on the path buffers streamed responses (' + buffered.join(', ') + ')' +
          (lp && lp.verdict === 'ok' ? ': long polling, whose responses are complete, gets through.' : '.'));
      }
    }
    for (var j = 0; j < results.length; j++) {
      if (results[j].verdict === 'unsupported') out.push('This browser has no ' + results[j].transport + ' support.');
    }
    if (!ctx.controls) out.push('Latency and the buffering check were skipped: ' + ctx.controlsWhy + '.');
    if (broken.length) out.push('Not working here: ' + broken.join('; ') + '.');
    if (race) out.push(describeRace(race));
    if (recommended.length) {
      out.push('Recommended order for this network: ' + recommended.join(' → ') + ' (WebSocket first when it works, then the fastest' +
        (ctx.controls ? ' to deliver' : ' to open') + '; differences under ' + NOISE_MS + ' ms or ' + Math.round(NOISE_SHARE * 100) + '% keep the default order).');
    }
    return out;
  }

  /** The race in one sentence: who was tried, who lost and why, who served, how fast. */
  function describeRace(r) {
    var tried = [];
    for (var i = 0; i < r.tried.length; i++) tried.push(r.tried[i].transport + ' at ' + r.tried[i].atMs + ' ms');
    var lost = [];
    for (var j = 0; j < r.losers.length; j++) lost.push(r.losers[j].transport + ' (' + r.losers[j].reason + ' after ' + r.losers[j].elapsed + ' ms)');
    var text = 'With the default order (transports race): started ' + (tried.join(', ') || 'nothing') + '. ';
    if (r.transport) {
      text += 'Served by ' + r.transport + ', open in ' + r.openMs + ' ms' +
        (r.firstMessageMs !== null ? ', first message ' + r.firstMessageMs + ' ms after connect()' : '') + '.';
    }
    if (lost.length) text += ' Lost: ' + lost.join('; ') + '.';
    if (r.error) text += ' ' + r.error + '.';
    return text;
  }

  function copySnippet() {
    var text = $('snippet').textContent;
    var done = function () { status('copied to the clipboard'); };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, function () { selectSnippet(done); });
    } else {
      selectSnippet(done);
    }
  }

  function selectSnippet(done) {
    var range = document.createRange();
    range.selectNodeContents($('snippet'));
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    var ok = false;
    try { ok = document.execCommand('copy'); } catch (e) { /* ignore */ }
    if (ok) done();
    else status('press Ctrl+C (⌘C) to copy the selected snippet');
  }

  // ---- wiring -------------------------------------------------------------------------------

  $('endpoint').value = param('endpoint') || pageOrigin();
  var asked = parseInt(param('timeout') || '', 10);
  $('timeout').value = String(asked >= 100 ? asked : DEFAULT_TIMEOUT);
  $('buffer-ms').textContent = String(BUFFER_CHECK_MS);
  $('form').onsubmit = function (e) {
    if (e && e.preventDefault) e.preventDefault();
    run();
    return false;
  };
  $('copy').onclick = copySnippet;
  expose();
  renderRows(null);
  if (!window.Pushline) {
    status('could not load /dist/pushline.min.js: run `npm run build` first');
    $('run').disabled = true;
  } else if (param('auto') === '1') {
    run();
  }
})();
