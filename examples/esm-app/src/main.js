// A small single-page app on the ES module build. `import { connect } from 'pushline'` resolves
// through the package's "exports" to dist/pushline.mjs: in this repository, to the package itself
// (rollup.config.mjs, next to this file); in your app, from node_modules once it is installed.
// Pushline is not on the npm registry yet, so install it from a tarball: in a clone of the
// repository, `npm ci && npm pack` builds and writes pushline-0.1.0.tgz; then, in your app,
// `npm install /path/to/pushline-0.1.0.tgz`.
import { connect } from 'pushline';

const LAST_ID = 'pushline-example:lastEventId';
const $ = (id) => document.getElementById(id);

// The example server has its endpoints under /realtime (/realtime/ws, /realtime/sse, ...).
// Resume across page loads: the client asks the server for everything after the saved id.
const client = connect('/realtime', {
  lastEventId: localStorage.getItem(LAST_ID),
  // Called before every (re)connection, so a refreshed token is picked up; may return a promise.
  // token: () => auth.currentToken(),
});

function show(text, kind = 'message') {
  const li = document.createElement('li');
  li.className = kind;
  li.textContent = text; // text, never HTML: messages come from the network
  $('messages').prepend(li);
  while ($('messages').children.length > 30) $('messages').lastElementChild.remove();
}

function status(text, ok = false) {
  $('status').textContent = text;
  $('status').className = ok ? 'ok' : '';
}

client.on('open', ({ transport, resumed }) => {
  status(`connected over ${transport}${resumed ? ' (resumed: nothing missed)' : ''}`, true);
});

client.on('message', ({ id, event, data }) => {
  if (event === 'tick') {
    const { n, time } = JSON.parse(data); // payloads are text: this server sends JSON
    show(`#${id} tick ${n} at ${time.slice(11, 19)}`);
  } else {
    show(`#${id} ${data}`, event);
  }
  localStorage.setItem(LAST_ID, id);
});

client.on('gap', () => {
  // The server no longer has the messages after our saved id (e.g. it restarted): refetch state.
  show('some messages were missed; an app would reload its state here', 'gap');
});

client.on('fallback', ({ transport, reason, next }) => show(`${transport} failed (${reason}), trying ${next ?? 'again later'}`, 'info'));
client.on('reconnecting', ({ transport, delay }) => status(`reconnecting over ${transport} in ${delay} ms…`));
client.on('close', ({ error }) => status(error ? `stopped: ${error.message}` : 'stopped'));

$('form').addEventListener('submit', (e) => {
  e.preventDefault();
  client.send($('text').value); // queued while reconnecting, sent in order after the next open
});

$('hint').remove(); // the bundle loaded
