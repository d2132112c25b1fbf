// Page side of bench/browser.mjs. One subscription at a time per page: Pushline with one
// transport, or a raw client reading the same reference-server endpoint without Pushline (the
// ceiling: native WebSocket, native EventSource, fetch stream, fetch long poll). Every client hands
// (id, data) to the same onMessage, which counts, checks the order and, when asked, records the
// publish-to-receive latency (the data is the publish time; page and Node share the clock).
(function () {
  'use strict';
  var now = function () { return performance.timeOrigin + performance.now(); };
  var base = location.origin;
  var st;
  var cur = null;

  function reset(target, latency) {
    st = { count: 0, next: null, outOfOrder: 0, tFirst: 0, tLast: 0, target: target || 0, lat: latency ? [] : null,
      chars: 0, opens: 0, errors: [], done: null, failed: null };
  }
  reset(0, false);

  function onMessage(id, data) {
    var t = now();
    var n = +id;
    st.count++;
    if (st.count === 1) st.tFirst = t;
    if (st.next !== null && n !== st.next) st.outOfOrder++;
    st.next = n + 1;
    st.chars += data.length;
    if (st.lat) st.lat.push(t - Number(data));
    st.tLast = t;
    if (st.count === st.target && st.done) st.done();
  }

  function onFrame(f, opened) {
    if (f.type === undefined) onMessage(f.id, f.data);
    else if (f.type === 'open') opened(f);
  }

  function fail(msg) {
    st.errors.push(msg);
    if (st.failed) st.failed(new Error(msg));
  }

  var openers = {
    pushline: function (name, opts, opened) {
      var o = { transports: [name] };
      for (var k in opts) o[k] = opts[k];
      var c = Pushline.connect(base, o);
      c.on('open', function () { st.opens++; opened(); });
      c.on('message', function (m) { onMessage(m.id, m.data); });
      c.on('error', function (e) { st.errors.push(e.code + ': ' + e.message); });
      return { close: function () { c.close(); }, client: c };
    },
    'raw-websocket': function (_, __, opened) {
      var ws = new WebSocket(base.replace(/^http/, 'ws') + '/ws');
      ws.onmessage = function (e) { onFrame(JSON.parse(e.data), opened); };
      ws.onerror = function () { fail('raw websocket error'); };
      return { close: function () { ws.onerror = null; ws.close(); } };
    },
    'raw-eventsource': function (_, __, opened) {
      var es = new EventSource(base + '/sse');
      es.onmessage = function (e) { onFrame(JSON.parse(e.data), opened); };
      es.onerror = function () { fail('raw EventSource error'); es.close(); };
      return { close: function () { es.close(); } };
    },
    'raw-fetch-stream': function (_, __, opened) {
      var ctrl = new AbortController();
      fetch(base + '/stream', { signal: ctrl.signal, cache: 'no-store' }).then(function (res) {
        var reader = res.body.getReader();
        var dec = new TextDecoder();
        var buf = '';
        function pump() {
          return reader.read().then(function (r) {
            if (r.done) return;
            buf += dec.decode(r.value, { stream: true });
            var start = 0;
            var i;
            while ((i = buf.indexOf('\n', start)) >= 0) {
              var line = buf.slice(start, i);
              start = i + 1;
              if (line.charCodeAt(0) !== 32 && line) onFrame(JSON.parse(line), opened); // skip the prelude
            }
            buf = buf.slice(start);
            return pump();
          });
        }
        return pump();
      }).catch(function (e) { if (e.name !== 'AbortError') fail('raw fetch stream: ' + e.message); });
      return { close: function () { ctrl.abort(); } };
    },
    'raw-fetch-poll': function (_, __, opened) {
      var live = true;
      var ctrl = new AbortController();
      var session = null;
      var last = null;
      function poll() {
        var q = session ? '?session=' + session + (last ? '&lastEventId=' + last : '') : '';
        fetch(base + '/poll' + q, { signal: ctrl.signal, cache: 'no-store' }).then(function (r) { return r.json(); }).then(function (frames) {
          for (var i = 0; i < frames.length; i++) {
            var f = frames[i];
            if (f.type === 'open') { session = f.session; if (last === null) last = f.last; opened(); }
            else if (f.type === undefined) { last = f.id; onMessage(f.id, f.data); }
          }
          if (live) poll();
        }).catch(function (e) { if (live) fail('raw fetch poll: ' + e.message); });
      }
      poll();
      return { close: function () { live = false; ctrl.abort(); } };
    },
  };

  // The same long poll over XMLHttpRequest: what Pushline uses (it runs where fetch is missing).
  openers['raw-xhr-poll'] = function (_, __, opened) {
    var live = true;
    var xhr = null;
    var session = null;
    var last = null;
    function poll() {
      var q = session ? '?session=' + session + (last ? '&lastEventId=' + last : '') : '';
      xhr = new XMLHttpRequest();
      xhr.open('GET', base + '/poll' + q, true);
      xhr.onload = function () {
        var frames = JSON.parse(xhr.responseText);
        for (var i = 0; i < frames.length; i++) {
          var f = frames[i];
          if (f.type === 'open') { session = f.session; if (last === null) last = f.last; opened(); }
          else if (f.type === undefined) { last = f.id; onMessage(f.id, f.data); }
        }
        if (live) poll();
      };
      xhr.onerror = function () { if (live) fail('raw xhr poll: network error'); };
      xhr.send();
    }
    poll();
    return { close: function () { live = false; if (xhr) xhr.abort(); } };
  };

  window.B = {
    /** Opens a subscription; resolves once it is open (the server's open frame arrived). */
    start: function (kind, name, opts, target, latency) {
      if (cur) cur.close();
      reset(target, latency);
      return new Promise(function (resolve, reject) {
        var once = false;
        st.failed = reject;
        cur = openers[kind](name, opts || {}, function () { if (!once) { once = true; st.failed = null; resolve(); } });
        setTimeout(function () { if (!once) reject(new Error(kind + ' ' + (name || '') + ' did not open within 15 s: ' + st.errors.join('; '))); }, 15000);
      });
    },
    /** Resolves when `target` messages arrived (or rejects after timeoutMs). */
    done: function (timeoutMs) {
      return new Promise(function (resolve, reject) {
        var result = function () { return B.state(); };
        if (st.count >= st.target) return resolve(result());
        var timer = setTimeout(function () { reject(new Error('timeout: ' + st.count + '/' + st.target + ' messages; ' + st.errors.join('; '))); }, timeoutMs);
        st.done = function () { clearTimeout(timer); resolve(result()); };
      });
    },
    state: function () {
      return { count: st.count, outOfOrder: st.outOfOrder, tFirst: st.tFirst, tLast: st.tLast, chars: st.chars, opens: st.opens, errors: st.errors.slice(0, 5), lat: st.lat };
    },
    count: function () { return st.count; },
    /**
     * Send rate: `n` send() calls back to back on the open Pushline subscription (B.start with
     * kind 'pushline'). Returns at once; Node counts what reaches the server's onMessage.
     */
    sendBurst: function (n) {
      var client = cur && cur.client;
      if (!client) throw new Error('sendBurst: no Pushline client open');
      for (var i = 0; i < n; i++) client.send('send ' + i);
      return st.errors.slice(0, 5);
    },
    stop: function () { if (cur) cur.close(); cur = null; },

    /**
     * Fallback timing: connect() with `opts`, resolve at the first message with the time to open,
     * to the first message, the transport that won and the fallbacks on the way.
     */
    fallback: function (opts, timeoutMs) {
      if (cur) cur.close();
      reset(0, false);
      return new Promise(function (resolve) {
        var t0 = now();
        var out = { fallbacks: [], tOpen: null, tFirst: null, transport: null, errors: [] };
        var c = Pushline.connect(base, opts);
        cur = { close: function () { c.close(); } };
        var timer = setTimeout(function () { out.errors.push('no message within ' + timeoutMs + ' ms'); c.close(); resolve(out); }, timeoutMs);
        c.on('fallback', function (e) { out.fallbacks.push({ transport: e.transport, reason: e.reason, at: now() - t0 }); });
        c.on('error', function (e) { out.errors.push(e.code + ': ' + e.message); });
        c.on('open', function (e) { if (out.tOpen === null) { out.tOpen = now() - t0; out.transport = e.transport; } });
        c.once('message', function () {
          out.tFirst = now() - t0;
          clearTimeout(timer);
          c.close();
          cur = null;
          resolve(out);
        });
      });
    },
  };
})();
