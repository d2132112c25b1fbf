// Page side of bench/ttfm.mjs: connect with the client's default options, time connect() to the
// first message, and name the transport it came over. Each system's server publishes a counter
// ("1", "2", …) every 20 ms, so the page can also tell whether the messages it received after the
// first one came once each and in order (a figure, not a check).
(function () {
  'use strict';
  var client = new URLSearchParams(location.search).get('client');
  // The builds a page would load with a script tag: Pushline's from dist/, the peers' from their npm packages.
  var SCRIPTS = { pushline: '/dist/pushline.min.js', 'engine.io': '/vendor/engine.io.min.js', sockjs: '/vendor/sockjs.min.js' };
  if (!SCRIPTS[client]) throw new Error('ttfm.html: unknown ?client=' + client);
  document.write('<script src="' + SCRIPTS[client] + '"><\/script>');

  // Each opener connects with default options; deliver(data, transport) for every message; note(text)
  // for what the client reports on the way (Pushline's fallback, open and error events). Returns close().
  var OPENERS = {
    pushline: function (deliver, note) {
      var c = Pushline.connect(location.origin);
      c.on('message', function (m) { deliver(m.data, c.transport); });
      // Public events only, so the notes read the same whatever the client does inside.
      c.on('fallback', function (e) { note(e.transport + ' ' + e.reason); });
      c.on('open', function (e) { note('open ' + e.transport); });
      c.on('error', function (e) { note('error ' + (e.transport || '-') + ' ' + e.code); });
      return function () { c.close(); };
    },
    'engine.io': function (deliver) {
      var socket = eio(location.origin);
      socket.on('message', function (data) { deliver(String(data), socket.transport && socket.transport.name); });
      return function () { socket.close(); };
    },
    sockjs: function (deliver) {
      var sock = new SockJS(location.origin + '/sockjs');
      sock.onmessage = function (e) { deliver(e.data, sock.transport); };
      return function () { sock.close(); };
    },
  };

  // After the first message, how long to wait for the rest of the order sample before reporting what came.
  var SAMPLE_WAIT_MS = 10000;

  /**
   * Resolves with { ms, transport, received, duplicates, stepsBack, missing, notes }; ms is null when
   * nothing came within capMs. With sample > 1 it waits for that many messages (or SAMPLE_WAIT_MS more).
   */
  function start(capMs, sample) {
    return new Promise(function (resolve) {
      var result = { ms: null, transport: null, received: 0, duplicates: 0, stepsBack: 0, missing: 0, notes: [] };
      var seen = {};
      var lowest = null;
      var highest = null;
      var done = false;
      var close = null;
      var timer = null;
      function finish() {
        if (done) return;
        done = true;
        clearTimeout(timer);
        // Counter values between the lowest and the highest received that never came.
        if (lowest !== null) result.missing = highest - lowest + 1 - (result.received - result.duplicates);
        if (close) close();
        resolve(result);
      }
      function deliver(data, transport) {
        var t = performance.now();
        if (done || result.received >= sample) return; // the sample is full; finish() is on its way
        var n = Number(data);
        if (result.received === 0) {
          result.ms = Math.round((t - t0) * 10) / 10; // 0.1 ms: as fine as the clock is worth here
          result.transport = transport || null;
          lowest = highest = n;
          clearTimeout(timer);
          timer = setTimeout(finish, SAMPLE_WAIT_MS);
        } else if (seen[n]) {
          result.duplicates++;
        } else if (n < highest) {
          result.stepsBack++;
        }
        seen[n] = true;
        if (n > highest) highest = n;
        if (n < lowest) lowest = n;
        result.received++;
        if (result.received >= sample) setTimeout(finish, 0); // not from inside the client's own callback
      }
      function note(text) {
        if (result.notes.length < 20) result.notes.push(Math.round(performance.now() - t0) + ' ms ' + text);
      }
      var t0 = performance.now();
      timer = setTimeout(finish, capMs);
      close = OPENERS[client](deliver, note);
    });
  }

  window.TTFM = { start: start };
})();
