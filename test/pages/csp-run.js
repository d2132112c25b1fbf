// The script of test/pages/csp.html (same origin, external: the page's policy allows no inline
// script). Reports to the embedding test page with postMessage({ source: 'csp', type, payload }).
(function () {
  'use strict';
  var query = new URLSearchParams(location.search);
  var server = query.get('server');
  var violations = [];

  function report(type, payload) {
    parent.postMessage({ source: 'csp', type: type, payload: payload }, '*');
  }

  document.addEventListener('securitypolicyviolation', function (e) {
    var v = {
      directive: e.violatedDirective,
      effectiveDirective: e.effectiveDirective,
      blockedURI: e.blockedURI,
      sample: e.sample,
      sourceFile: e.sourceFile,
      line: e.lineNumber,
    };
    violations.push(v);
    report('violation', v);
  });
  window.addEventListener('error', function (e) {
    report('page-error', { message: e.message, file: e.filename, line: e.lineno });
  });

  // Control: what the policy forbids is really forbidden here (else the real run proves nothing).
  function probe() {
    var out = { trustedTypes: typeof window.trustedTypes !== 'undefined' };
    try {
      (0, eval)('1');
      out.eval = 'ran';
    } catch (e) {
      out.eval = e.name;
    }
    try {
      new Function('return 1')();
      out.newFunction = 'ran';
    } catch (e) {
      out.newFunction = e.name;
    }
    try {
      document.createElement('div').innerHTML = '<b>x</b>';
      out.innerHTML = 'ran';
    } catch (e) {
      out.innerHTML = e.name;
    }
    // Violation events are queued as tasks: give them time to arrive.
    setTimeout(function () {
      out.violations = violations;
      report('done', out);
    }, 500);
  }

  function publish(data, done) {
    var xhr = new XMLHttpRequest();
    xhr.open('POST', server + '/_control/publish');
    xhr.setRequestHeader('Content-Type', 'application/json');
    xhr.onloadend = function () {
      done(xhr.status === 200 ? null : 'HTTP ' + xhr.status);
    };
    xhr.send(JSON.stringify({ data: data }));
  }

  /** One client per transport, in turn: open, publish a message, receive it, close. */
  function run() {
    var order = ['longpoll', 'streaming'];
    var results = {};
    var i = 0;
    report('loaded', { Pushline: typeof Pushline, version: typeof Pushline !== 'undefined' ? Pushline.version : null });
    if (typeof Pushline === 'undefined') return report('done', { results: results, violations: violations });
    next();

    function next() {
      if (i >= order.length) {
        setTimeout(function () {
          report('done', { results: results, violations: violations });
        }, 300);
        return;
      }
      var name = order[i++];
      var data = 'csp ' + name + ' ' + Math.random();
      var r = (results[name] = { events: [], data: null });
      var finished = false;
      var client = Pushline.connect(server, { transports: [name], reconnect: false, connectTimeout: 8000 });
      var finish = function (why) {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        r.events.push(why);
        client.close();
        next();
      };
      var timer = setTimeout(function () {
        finish('timeout');
      }, 12000);
      client.on('open', function (e) {
        r.events.push('open:' + e.transport);
        publish(data, function (err) {
          if (err) r.events.push('publish-failed:' + err);
        });
      });
      client.on('message', function (m) {
        if (m.data !== data) return;
        r.events.push('message');
        r.data = m.data;
        finish('done');
      });
      client.on('error', function (e) {
        r.events.push('error:' + e.code + ':' + e.message);
      });
      client.on('close', function (e) {
        if (e.error) finish('closed:' + e.error.code);
      });
    }
  }

  window.addEventListener('load', function () {
    if (query.get('probe')) probe();
    else run();
  });
})();
