/**
 * The Client: one connection at a time over the best transport that works, and the whole
 * policy in one place — fallback order, reconnection with backoff and a retry budget, liveness,
 * page lifecycle, resume from the last event id, duplicate suppression and the send queue.
 * Transports only move frames.
 *
 * The path of a message: a transport decodes a frame and calls `frame()` of its attempt's
 * events (openAttempt), `_onFrame` applies the policy (open frame: state and cursor; message
 * frame: skip what was delivered already, move the cursor), and `emit` hands it to the
 * application's listeners.
 */
import { backoffDelay, MAX_TIMER_DELAY, RetryBudget } from './backoff.js';
import { report } from './emitter.js';
import { pushlineError } from './errors.js';
import type { ClientState, Feature, FeatureHooks, PageEvent, TabRole } from './features/host.js';
import { resolveDynamic, resolveSettings, type ClientSettings, type DynamicValues, type Settings } from './options.js';
import { newClientIdentity, Outbox, type SendCallback } from './outbox.js';
import type { Frame, MessageFrame, OpenFrame } from './parse/frame.js';
import { RecentIds } from './recent-ids.js';
import type { Query, Transport, TransportFactory, TransportRequest } from './transports/transport.js';
import type { ClientEvents, ClientStats, EventMap, EventsOf, FailureClass, PushlineError, PushlineMessage, TransportName } from './types.js';

export type { SendCallback };
import { absoluteUrl, endpointUrl, SEND_PATH, withQuery } from './url.js';

export type { ClientState, TabRole };

/** A connection open this long counts as stable: the backoff starts again from the beginning. */
const STABLE_MS = 5000;
/**
 * The head start of an attempt before the next transport starts beside it, while no round trip
 * has been measured: a WebSocket on an open network opens well within it.
 */
const DEFAULT_HEAD_START = 250;
/** The head start is this many measured round trips, within MIN and MAX_HEAD_START. */
const HEAD_START_ROUND_TRIPS = 4;
const MIN_HEAD_START = 150;
const MAX_HEAD_START = 2500;
/**
 * After the server answered (socket open, headers), the open frame should follow at once: a
 * stream that answered and stays silent for twice its answer time (at least this) is buffered
 * somewhere, and the next transport starts beside it.
 */
const MIN_ANSWER_GRACE = 100;
/**
 * After a refused token was refreshed and refused again, each further retry waits at least this
 * much more: at most three attempts fall in any 5 s against a server that refuses them.
 */
const AUTH_RETRY_STEP = 2500;
/** Unstable connections in a row on one transport before moving down the order. */
const UNSTABLE_LIMIT = 3;
const FEATURE_OPTIONS: Feature['option'][] = ['shared', 'upgrade', 'remember'];
/** The client's own event names: a message of an application event with one of these names is emitted as `message` only. */
const CLIENT_EVENTS: { [name in keyof ClientEvents]: true } = { open: true, message: true, gap: true, error: true, close: true, fallback: true, reconnecting: true };

/** Page events of `window`; the others of PAGE_EVENTS are the document's. */
const WINDOW_EVENTS: PageEvent[] = ['online', 'offline', 'pageshow'];
const DOCUMENT_EVENTS: PageEvent[] = ['visibilitychange', 'resume', 'freeze'];

type Timer = ReturnType<typeof setTimeout>;
type Listener<T> = (payload: T) => void;
/** A once() wrapper remembers the listener it wraps, so that off() finds it by that one. */
type OnceListener<T> = Listener<T> & { listener?: Listener<T> };

/** One connection attempt over one transport, from its start until it ends or is replaced. */
interface Attempt {
  /** Unique per client: callbacks of an attempt that is no longer current are ignored. */
  readonly id: number;
  /** Index in `settings.transports`. */
  readonly index: number;
  readonly factory: TransportFactory;
  readonly startedAt: number;
  /** The cursor the attempt asked to resume from (what a handover needs). */
  readonly from: string | null;
  connection: Transport | null;
  /** The server answered (socket open, HTTP headers): silence after it means buffering. */
  responded: boolean;
  /** When the open frame arrived, or 0 before. */
  openedAt: number;
  /** It delivered a message: the connection made progress (a success for the backoff). */
  delivered: boolean;
  /** The connect timeout of this attempt. */
  timer: Timer | undefined;
  /** For a probe (FeatureHost.probe): whom to tell whether it was handed over to. */
  probeDone: ((handedOver: boolean) => void) | null;
}

/**
 * The client is its own event emitter (the mitt/nanoevents size class): no base class, because
 * the ES5 bundle would carry Babel's inheritance helpers for it. A listener that throws does not
 * stop the others (see report()).
 */
export class Client<Events extends EventMap = {}> {
  // Members marked @internal are read and changed by features/host.ts, the one adapter between
  // the client and its optional features (which see only its narrow FeatureHost); the typings
  // leave them out, and the build renames them.
  /** @internal */
  _state: ClientState = 'connecting';
  /** @internal */
  _transport: TransportName | null = null;
  /** @internal */
  _lastEventId: string | null;
  /** @internal */
  _role: TabRole | null = null;

  /** @internal */
  readonly _settings: Settings;
  /** @internal */
  readonly _baseUrl: string;
  /** Index in the order of the transport being tried or used. */
  /** @internal */
  _transportIndex = 0;
  /** Where the current round of fallbacks started; the round is over when it comes back here. */
  /** @internal */
  _roundStart = 0;
  /** The attempt in progress or open, or null between attempts. */
  /** @internal */
  _attempt: Attempt | null = null;
  /**
   * A second attempt beside the first (never more than two at once): before either opened, a
   * less preferred transport racing it; after one opened, a more preferred one still trying
   * (it takes over if it opens: the move up), or a probe (FeatureHost.probe).
   */
  private _beside: Attempt | null = null;
  /** The next transport of the round to start (an index in the order), -1 when all have started. */
  private _nextIndex = -1;
  /** Where this round started: it is over when the next index comes back here. */
  private _roundFirst = 0;
  /** Bumped per round: options resolved for an older round are dropped. */
  private _roundCount = 0;
  private _raceTimer: Timer | undefined;
  /** The last measured time from an attempt's start to the server's answer, 0 before any. */
  private _roundTrip = 0;
  private _attemptCount = 0;
  private readonly _budget: RetryBudget | null;
  /** Failed attempts since the last stable connection: drives backoff and maxAttempts. */
  private _failures = 0;
  /** Unstable connections in a row on the current transport. */
  private _unstableOpens = 0;
  /** Refused credentials (401/403) in a row: the first is retried at once with a refreshed token. */
  private _authFailures = 0;
  /** A reconnection delay the server asked for (open frame `retry`, like SSE's `retry:`). */
  private _serverRetry = 0;
  /** Wall-clock time of the scheduled reconnection, 0 when none is scheduled. */
  private _retryAt = 0;
  private _retryTimer: Timer | undefined;
  private _heartbeatTimer: Timer | undefined;
  private _pauseTimer: Timer | undefined;
  /** Wall-clock time the open connection last delivered anything (a frame of any kind). */
  private _lastHeard = 0;
  /** Where to resume: the last delivered id, or the server's `last` id before any delivery. */
  /** @internal */
  _cursor: string | null;
  /** The session of the open connection (from its open frame), for the POSTs of send(). */
  private _session: string | null = null;
  /** What the options given as functions returned for the current attempt. */
  private _dynamic: DynamicValues = { headers: {}, query: {}, token: null };
  /** @internal */
  readonly _recentIds = new RecentIds();
  /** After a handover: messages up to this id were delivered by the replaced connection. */
  private _skipUntil: string | null = null;
  /** Messages to the server until it acknowledges them (outbox.ts). */
  /** @internal */
  readonly _outbox: Outbox;
  /** The open connection's server acknowledges messages (its open frame has `ack`). */
  private _acknowledging = false;
  private readonly _features: FeatureHooks[] = [];
  private readonly _onPageEvent: (event: Event) => void;
  /** Keyed by event name, with no prototype: an application event may be called `constructor`. */
  private _listeners: { [name: string]: Listener<unknown>[] | undefined } = Object.create(null);
  /** How many times each event was emitted here, for stats(). */
  private _emitted: { [name: string]: number } = Object.create(null);
  private _resumes = 0;
  private _bytes = 0;

  constructor(url: string, options: ClientSettings) {
    this._settings = resolveSettings(options);
    this._baseUrl = baseUrlOf(url);
    const lastEventId = options.lastEventId == null ? null : String(options.lastEventId);
    this._lastEventId = this._cursor = lastEventId;
    const reconnect = this._settings.reconnect;
    this._budget = reconnect ? new RetryBudget(reconnect.budget) : null;
    this._outbox = new Outbox(newClientIdentity(), this._settings.sendQueueSize);

    const features = options.features || [];
    const offered: { [option: string]: boolean } = {};
    for (let i = 0; i < features.length; i++) {
      offered[features[i].option] = true;
      const hooks = features[i].attach(this, options);
      if (hooks) this._features.push(hooks);
    }
    for (let i = 0; i < FEATURE_OPTIONS.length; i++) {
      const option = FEATURE_OPTIONS[i];
      if (options[option] && !offered[option]) {
        throw new TypeError('Pushline: `' + option + '` needs its feature (createClient `features`, or pushline.full.min.js)');
      }
    }
    this._onPageEvent = (event) => this._pageEvent(event.type as PageEvent);
    this._listenToPage(true);
    // Start on a fresh task, so that listeners added right after connect() see every event.
    if (!this._callFeatures('start')) this._scheduleAttempt(0);
  }

  /** The transport of the open connection, or null while not connected. */
  get transport(): TransportName | null {
    return this._transport;
  }

  /** Id of the last message delivered to the application. */
  get lastEventId(): string | null {
    return this._lastEventId;
  }

  get state(): ClientState {
    return this._state;
  }

  /** With `shared: true`: whether this tab holds the connection or follows the one that does. */
  get role(): TabRole | null {
    return this._role;
  }

  /**
   * Sends a message to the server: a WebSocket frame, or an HTTP POST (batched) on the other
   * transports. It is kept until the server acknowledges it and sent again after a
   * reconnection, on whatever transport the client then has; a server that acknowledges
   * (PROTOCOL.md) hands it to its application exactly once, in send order. `done` is called
   * once: with null when the server has the message, or with the error that means it never will
   * (close(), the queue was full, the server refused it). Returns false when refused at once.
   */
  send(data: string, done?: SendCallback): boolean {
    const callback = done || null;
    if (this._state === 'closed') return this._refuse(pushlineError('send-failed', 'send() after close()', null), callback);
    const message = this._outbox.add(String(data), callback);
    if (!message) return this._refuse(pushlineError('queue-full', 'send queue full', this._transport), callback);
    // A sharing follower hands it to the leader tab; it stays here until the leader says it went.
    if (this._callFeatures('queued', message)) return true;
    this._flush();
    // `endpoints.send: false`: what the open connection cannot carry has nowhere to go.
    const attempt = this._attempt;
    if (attempt && attempt.openedAt && message.writtenOn !== attempt.id && this._settings.endpoints.send === false) {
      const error = pushlineError('send-failed', 'no send endpoint', this._transport);
      this._outbox.fail([message], error);
      this.emit('error', error);
      return false;
    }
    return true;
  }

  /** A send refused at once: reported, its callback told (on a fresh task, never inside send()). */
  private _refuse(error: PushlineError, done: SendCallback | null): boolean {
    this.emit('error', error);
    if (done) setTimeout(() => done(error), 0);
    return false;
  }

  /** Stops everything: the connection, timers, pending requests, page listeners. Emits `close` once. */
  close(): void {
    this._stop(null);
  }

  /** What happened so far, in counts (the demo page shows them; a support team may log them). */
  stats(): ClientStats {
    const emitted = this._emitted;
    return {
      attempts: this._attemptCount,
      fallbacks: emitted.fallback || 0,
      reconnects: emitted.reconnecting || 0,
      resumes: this._resumes,
      gaps: emitted.gap || 0,
      messages: emitted.message || 0,
      bytes: this._bytes,
      roundTrip: this._roundTrip || null,
    };
  }

  on<K extends keyof EventsOf<Events>>(name: K, listener: Listener<EventsOf<Events>[K]>): this {
    (this._listeners[name] || (this._listeners[name] = [])).push(listener as Listener<unknown>);
    return this;
  }

  off<K extends keyof EventsOf<Events>>(name: K, listener: Listener<EventsOf<Events>[K]>): this {
    const list = this._listeners[name];
    // Copy on write: an emit in progress keeps iterating the array it started with.
    if (list) {
      this._listeners[name] = list.filter((each) => each !== listener && (each as OnceListener<unknown>).listener !== listener);
    }
    return this;
  }

  once<K extends keyof EventsOf<Events>>(name: K, listener: Listener<EventsOf<Events>[K]>): this {
    const wrapper: OnceListener<EventsOf<Events>[K]> = (payload) => {
      this.off(name, wrapper);
      listener(payload);
    };
    wrapper.listener = listener;
    return this.on(name, wrapper);
  }

  /** Every event also goes to the features (a sharing leader hands it to the other tabs). */
  protected emit<K extends keyof ClientEvents>(name: K, payload: ClientEvents[K]): void {
    this._emitLocal(name, payload);
    for (let i = 0; i < this._features.length; i++) {
      const emitted = this._features[i].emitted;
      if (emitted) emitted.call(this._features[i], name, payload);
    }
  }

  /**
   * @internal Hands an event to this tab's listeners only (and to the logger). A message goes to
   * `on('message')`, then, read by `decode`, to the listeners of its event name.
   */
  _emitLocal<K extends keyof ClientEvents>(name: K, payload: ClientEvents[K]): void {
    const logger = this._settings.logger;
    if (logger) logger(name, payload);
    this._emitted[name] = (this._emitted[name] || 0) + 1;
    const message = payload as PushlineMessage;
    // Counted here, where messages from the connection and those another tab relays both pass.
    if (name === 'message') this._bytes += message.data.length;
    this._callListeners(name, payload);
    if (name !== 'message' || hasOwn(CLIENT_EVENTS, message.event) || this._isClosed()) return;
    const decode = this._settings.decode;
    let data: unknown = message.data;
    try {
      if (decode) data = decode(message.data, message.event);
    } catch (e) {
      return this.emit('error', pushlineError('protocol', 'decode failed on message ' + message.id + ': ' + e, this._transport, { id: message.id }));
    }
    this._callListeners(message.event, { data, id: message.id, event: message.event });
  }

  private _callListeners(name: string, payload: unknown): void {
    const list = this._listeners[name];
    if (list) for (let i = 0; i < list.length; i++) report(list[i], payload);
  }

  // ---- features -------------------------------------------------------------------------------

  /**
   * Calls one hook of every feature that has it, with the hook's own arguments; true when one of
   * them returned true (took the event).
   */
  private _callFeatures<K extends Exclude<keyof FeatureHooks, 'emitted'>>(
    hook: K,
    ...args: Parameters<NonNullable<FeatureHooks[K]>>
  ): boolean {
    let taken = false;
    for (let i = 0; i < this._features.length; i++) {
      const fn = this._features[i][hook] as ((...a: typeof args) => boolean | void) | undefined;
      if (fn && fn.apply(this._features[i], args)) taken = true;
    }
    return taken;
  }

  // ---- connection attempts: the race -------------------------------------------------------------

  /**
   * Starts a round of connection attempts at `_transportIndex`. The transports are tried in
   * order, staggered (Happy Eyeballs, RFC 8305, applied to transports): when the newest attempt
   * has not opened within its head start, the next transport starts beside it, never more than
   * two at once, and the first to open serves. Options given as functions are called once a round.
   */
  /** @internal */
  _startAttempt(): void {
    this._retryAt = 0;
    const settings = this._settings;
    if (!this._baseUrl) {
      return this._stop(pushlineError('options', 'no page to resolve a relative URL against: give an absolute one', null));
    }
    if (!settings.transports.some((factory) => factory.supported())) {
      const missing = settings.transports.map((factory) => factory.name + (factory.needs ? ' needs ' + factory.needs : ''));
      return this._stop(pushlineError('no-transport', 'no supported transport (' + missing.join(', ') + ')', null));
    }
    // Offline: do not spin; the `online` event starts the next attempt.
    if (typeof navigator !== 'undefined' && navigator.onLine === false) {
      this._state = 'reconnecting';
      return;
    }
    this._state = this._failures ? 'reconnecting' : 'connecting';
    this._session = null;
    this._nextIndex = this._roundFirst = this._transportIndex;
    const round = ++this._roundCount;
    resolveDynamic(
      settings,
      (values) => {
        if (round !== this._roundCount || this._isClosed()) return;
        this._dynamic = values;
        this._launch();
      },
      (option, reason) => {
        if (round !== this._roundCount || this._isClosed()) return;
        const error = pushlineError('options', option + ' option failed: ' + reason, null);
        this.emit('error', error);
        this._endRound(error);
      },
    );
  }

  /**
   * Starts the next transport of the round: as the attempt when there is none, else beside it.
   * A transport the browser lacks is reported and skipped. When the round has nothing left to
   * start and nothing trying, it is over, and `lastError` (the last loss) is why.
   */
  private _launch(lastError?: PushlineError): void {
    let error = lastError;
    const settings = this._settings;
    const count = settings.transports.length;
    while (this._nextIndex >= 0 && !(this._attempt && this._beside)) {
      const index = this._nextIndex;
      const following = (index + 1) % count;
      const factory = settings.transports[index];
      const startedAt = now();
      // Past the retry budget, no new attempt, not even to race: the round waits.
      const wait = this._budget ? this._budget.waitAt(startedAt) : 0;
      if (wait) {
        // With nothing trying, the round starts again from this transport once the budget allows.
        if (!this._attempt) {
          this._transportIndex = index;
          this._scheduleAttempt(wait);
        }
        return;
      }
      this._nextIndex = following === this._roundFirst ? -1 : following;
      const attempt = this._newAttempt(index);
      if (!factory.supported()) {
        error = pushlineError('unsupported', 'unsupported here', factory.name);
        this._reportLoss(attempt, error);
        if (this._isClosed()) return;
        continue;
      }
      if (this._budget) this._budget.spend(startedAt);
      if (settings.logger) settings.logger('attempt', { transport: factory.name });
      if (this._attempt) this._beside = attempt;
      else this._attempt = attempt;
      const timeout = settings.connectTimeout;
      attempt.timer = setTimeout(() => this._lose(attempt, connectTimeoutError(attempt, timeout)), timeout);
      this._armRace(this._roundTrip ? clamp(HEAD_START_ROUND_TRIPS * this._roundTrip, MIN_HEAD_START, MAX_HEAD_START) : DEFAULT_HEAD_START);
      this._openAttempt(attempt);
      return;
    }
    if (!this._attempt && !this._beside && this._nextIndex < 0 && error) this._retry(error);
  }

  /**
   * When the newest attempt has not opened within `ms`, the race goes on: the next transport
   * starts beside the most preferred one, replacing the other if two are trying.
   */
  private _armRace(ms: number): void {
    clearTimeout(this._raceTimer);
    if (this._nextIndex < 0) return;
    this._raceTimer = setTimeout(() => {
      const runner = this._beside;
      if (runner) this._lose(runner, raceLostError(runner));
      else this._launch();
    }, ms);
  }

  private _newAttempt(index: number): Attempt {
    return {
      id: ++this._attemptCount,
      index,
      factory: this._settings.transports[index],
      startedAt: now(),
      from: this._cursor,
      connection: null,
      responded: false,
      openedAt: 0,
      delivered: false,
      timer: undefined,
      probeDone: null,
    };
  }

  /** What the transport of an attempt reads from the client: URLs, headers and cursor, live. */
  private _transportRequest(factory: TransportFactory): TransportRequest {
    const client = this;
    const settings = this._settings;
    const override = settings.endpoints[factory.name];
    const endpoint = endpointUrl(this._baseUrl, factory.path, typeof override === 'string' ? override : undefined);
    const send = settings.endpoints.send;
    return {
      endpoint,
      url(extra?: Query): string {
        const query: Query = client._applicationQuery();
        query.lastEventId = client._cursor;
        // Who this client is, so that the server's open frame says how far its sends got.
        query.client = client._outbox.identity;
        for (const name in extra) query[name] = extra[name];
        return withQuery(endpoint, query);
      },
      applicationQuery: () => client._applicationQuery(),
      headers() {
        const headers = client._headers({});
        if (client._cursor !== null) headers['Last-Event-ID'] = client._cursor;
        return headers;
      },
      token: () => client._dynamic.token || null,
      tokenInQuery: settings.tokenInQuery,
      cursor: () => client._cursor,
      withCredentials: settings.withCredentials,
      delimiter: settings.delimiter,
      maxMessageSize: settings.maxMessageSize,
      session: () => client._session,
      sendEndpoint: send === false ? null : endpointUrl(this._baseUrl, SEND_PATH, send),
    };
  }

  private _applicationQuery(): Query {
    const query: Query = {};
    copyInto(this._dynamic.query, query);
    return query;
  }

  /** The `headers` option and the token as `Authorization`, added to `headers`. */
  private _headers(headers: Record<string, string>): Record<string, string> {
    copyInto(this._dynamic.headers, headers);
    if (this._dynamic.token) headers.Authorization = 'Bearer ' + this._dynamic.token;
    return headers;
  }

  /** Opens the attempt's transport; its events reach the client only while the attempt is current. */
  private _openAttempt(attempt: Attempt): void {
    const client = this;
    const current = () => attempt === client._attempt || attempt === client._beside;
    try {
      attempt.connection = attempt.factory.open(this._transportRequest(attempt.factory), {
        responded() {
          if (!current() || attempt.responded) return;
          attempt.responded = true;
          const answeredIn = now() - attempt.startedAt;
          client._roundTrip = answeredIn;
          // An answer without the open frame that should come with it: race on sooner.
          if (!attempt.openedAt && (attempt === client._beside || !client._beside)) client._armRace(Math.max(MIN_ANSWER_GRACE, 2 * answeredIn));
        },
        frame(frame) {
          if (!current()) return;
          if (attempt === client._attempt) client._onFrame(attempt, frame);
          else client._onBesideFrame(attempt, frame);
        },
        end(error) {
          if (current()) client._lose(attempt, error);
        },
        acknowledged(sender, seq) {
          if (attempt === client._attempt) client._acknowledge(sender, seq);
        },
        sendFailed(error, refused) {
          if (attempt !== client._attempt) return;
          client.emit('error', error);
          client._outbox.fail(refused, error);
        },
      });
    } catch (e) {
      // Constructors throw for URLs the browser refuses (e.g. mixed content, a blocked port).
      if (current()) this._lose(attempt, pushlineError('refused', '' + e, attempt.factory.name));
    }
  }

  private _onFrame(attempt: Attempt, frame: Frame | null): void {
    const name = attempt.factory.name;
    this._lastHeard = now();
    if (!frame) return this._lose(attempt, pushlineError('protocol', 'bad frame', name));
    if (frame.type === 'open') return this._onOpenFrame(attempt, frame);
    if (frame.type === 'ack') return this._acknowledge(frame.client, frame.seq);
    if (frame.type === 'retry') {
      this._serverRetry = frame.delay;
      return;
    }
    if (frame.type !== 'message') return; // ping, and control frames of later protocol versions
    if (!attempt.openedAt) return this._lose(attempt, pushlineError('protocol', 'message before open', name));
    const id = frame.id;
    if (this._skipUntil !== null) {
      // Delivered by the connection this one replaced (a handover).
      if (id === this._skipUntil) this._skipUntil = null;
      return;
    }
    if (id === '') return this._deliver(attempt, frame); // no id (a plain SSE server's): not a resume point
    if (this._recentIds.has(id)) return; // a replayed duplicate
    if (frame.prev !== undefined && frame.prev !== this._cursor) {
      // The server's stream went on from another message than the last one delivered here: a
      // proxy or fan-out layer lost some. Resume from the cursor; the server fills the hole or says gap.
      return this._lose(attempt, pushlineError('missed', 'message ' + id + ' follows ' + frame.prev + ', not ' + this._cursor, name));
    }
    this._recentIds.add(id);
    this._cursor = id;
    this._deliver(attempt, frame);
  }

  /** Hands a message to the application, unless it is too large. */
  private _deliver(attempt: Attempt, frame: MessageFrame): void {
    const id = frame.id;
    attempt.delivered = true;
    if (frame.data.length > this._settings.maxMessageSize) {
      // Skipped, not retried: a resume would bring the same message back forever.
      this.emit('error', pushlineError('too-large', 'message ' + id + ' over maxMessageSize: skipped', attempt.factory.name, { id }));
      return;
    }
    if (id) this._lastEventId = id;
    this.emit('message', { data: frame.data, id, event: frame.event });
  }

  private _onOpenFrame(attempt: Attempt, frame: OpenFrame): void {
    const name = attempt.factory.name;
    const asked = this._cursor;
    this._session = frame.session;
    if (frame.retry !== null) this._serverRetry = frame.retry;
    // A server that acknowledges says how far this client's sends got; the rest go again.
    this._acknowledging = frame.ack !== undefined;
    if (frame.ack !== undefined) this._acknowledge(this._outbox.identity, frame.ack);
    // Before any delivery, or after a gap, the server's newest id is where to resume.
    if (frame.gap || this._cursor === null) this._cursor = frame.last;
    if (!attempt.openedAt) {
      attempt.openedAt = this._lastHeard;
      clearTimeout(attempt.timer);
      // The race is won: nothing more starts; a less preferred attempt still trying goes.
      this._nextIndex = -1;
      clearTimeout(this._raceTimer);
      const beside = this._beside;
      if (beside && this._rank(beside) > this._rank(attempt)) this._closeAttempt(beside);
      this._state = 'open';
      this._authFailures = 0;
      this._transport = name;
      this._roundStart = this._transportIndex = attempt.index;
      this._watchHeartbeat();
      this._callFeatures('opened', name);
      if (frame.resumed) this._resumes++;
      this.emit('open', { transport: name, resumed: frame.resumed });
    }
    // A listener may have closed the client: check before each further step.
    if (frame.gap && attempt === this._attempt) this.emit('gap', { lastEventId: asked, transport: name });
    if (attempt === this._attempt) this._flush();
  }

  /** Liveness by wall-clock time: a throttled or frozen timer cannot make a dead link look alive. */
  private _watchHeartbeat(): void {
    clearTimeout(this._heartbeatTimer);
    const limit = this._settings.heartbeatTimeout;
    const attempt = this._attempt;
    if (!limit || !attempt) return; // 0: no liveness check (a server that sends nothing between messages)
    const silent = now() - this._lastHeard;
    if (silent >= limit) return this._lose(attempt, pushlineError('muted', 'silent for ' + silent + ' ms', attempt.factory.name));
    this._heartbeatTimer = setTimeout(() => this._watchHeartbeat(), limit - silent);
  }

  // ---- beside the connection: the race's winner, the move up, probes ------------------------------

  /** A frame of the attempt beside the first, which has not opened yet. */
  private _onBesideFrame(attempt: Attempt, frame: Frame | null): void {
    if (!frame || frame.type === 'message') return this._lose(attempt, pushlineError('protocol', frame ? 'message before open' : 'bad frame', attempt.factory.name));
    if (frame.type !== 'open') return; // a ping or an acknowledgement before the open frame
    const first = this._attempt;
    if (first && first.openedAt) return this._moveUp(attempt, frame);
    // It won the race: it serves, and the more preferred attempt still trying stays beside it,
    // to take over if it opens (the move up) or to be reported when it gives up.
    this._beside = first;
    this._attempt = attempt;
    this._onFrame(attempt, frame);
  }

  /** Where an attempt's transport stands in this round's order: 0 for the most preferred. */
  private _rank(attempt: Attempt): number {
    const count = this._settings.transports.length;
    return (attempt.index - this._roundFirst + count) % count;
  }

  /**
   * A more preferred transport opened beside the one serving: it takes over when it continues
   * exactly where the client is — resumed from a cursor the client has passed (what the old
   * connection delivered since is skipped on it), or starting live at the client's cursor.
   * Otherwise it goes, and a probe on the same transport, which resumes from the cursor, follows.
   */
  private _moveUp(attempt: Attempt, open: OpenFrame): void {
    const exact = open.resumed ? attempt.from !== null : !open.gap && open.last === this._cursor;
    if (exact) return this._handOver(attempt, open);
    const probeDone = attempt.probeDone;
    this._closeAttempt(attempt);
    if (probeDone) probeDone(false);
    else this._startProbe(attempt.index, ignoreResult);
  }

  /**
   * Makes the attempt beside the connection: the old one is closed, and the messages it
   * delivered after the new one's cursor, which the new one replays, are skipped on it.
   */
  private _handOver(attempt: Attempt, open: OpenFrame): void {
    const delivered = this._cursor;
    const probeDone = attempt.probeDone;
    this._beside = null; // keep it out of the teardown
    clearTimeout(attempt.timer);
    this._teardown();
    this._lastHeard = now();
    this._attempt = attempt;
    this._skipUntil = open.resumed && delivered !== attempt.from ? delivered : null;
    this._onOpenFrame(attempt, open);
    if (probeDone) probeDone(true);
  }

  /** @internal A probe beside the connection (FeatureHost.probe): taken over to if it opens where the client is. */
  _startProbe(index: number, done: (handedOver: boolean) => void): void {
    const factory = this._settings.transports[index];
    const first = this._attempt;
    if (!first || !first.openedAt || this._beside || !factory || !factory.supported()) return done(false);
    const attempt = this._newAttempt(index);
    attempt.probeDone = done;
    this._beside = attempt;
    attempt.timer = setTimeout(() => this._lose(attempt, connectTimeoutError(attempt, this._settings.connectTimeout)), this._settings.connectTimeout);
    this._openAttempt(attempt);
  }

  /** Closes an attempt and takes it out of its place; nothing of it is reported after this. */
  private _closeAttempt(attempt: Attempt): void {
    if (attempt === this._attempt) this._attempt = null;
    if (attempt === this._beside) this._beside = null;
    clearTimeout(attempt.timer);
    if (attempt.connection) attempt.connection.close();
  }

  // ---- the policy: fallback, backoff, give up --------------------------------------------------------

  /**
   * An attempt ended with `error`: the connection serving, or one still trying. Answers about the
   * client or the server rather than the transport end the round, whichever attempt got them:
   * refused credentials, a fatal answer, a server that asks to wait before the connection opened.
   * Otherwise an attempt still trying loses (reported as `fallback`; the next transport of the
   * round starts at once), and a connection that served is lost (_connectionLost).
   */
  private _lose(attempt: Attempt, error: PushlineError): void {
    if (this._isClosed() || (attempt !== this._attempt && attempt !== this._beside)) return;
    if (isAuthFailure(error)) return this._authFailed(error);
    const wasOpen = !!attempt.openedAt;
    if (isFatal(error) || (!wasOpen && isToldToWait(error))) return this._endRound(error);
    if (error.code === 'protocol' || error.code === 'too-large') this.emit('error', error);
    if (this._isClosed()) return; // a listener closed the client
    if (wasOpen) return this._connectionLost(attempt, error);
    const probeDone = attempt.probeDone;
    this._closeAttempt(attempt);
    // The attempt beside takes the first place.
    if (!this._attempt && this._beside) {
      this._attempt = this._beside;
      this._beside = null;
    }
    if (probeDone) return probeDone(false);
    this._callFeatures('failed', false);
    this._reportLoss(attempt, error);
    if (!this._isClosed()) this._launch(error);
  }

  /**
   * The `fallback` event of an attempt that lost: `next` is what starts now, or carries on. With
   * one transport there is nothing to fall back to, and no event.
   */
  private _reportLoss(attempt: Attempt, error: PushlineError): void {
    const transports = this._settings.transports;
    const carrier = this._attempt || this._beside;
    const startsNow = this._nextIndex >= 0 && !(this._attempt && this._beside);
    this._emitFallback(attempt, error, startsNow ? transports[this._nextIndex].name : carrier ? carrier.factory.name : null);
  }

  private _emitFallback(attempt: Attempt, error: PushlineError, next: TransportName | null): void {
    if (this._settings.transports.length < 2) return;
    const elapsed = now() - attempt.startedAt;
    this.emit('fallback', { attempt: this._failures + 1, transport: attempt.factory.name, reason: error.code as FailureClass, elapsed, next, error });
  }

  /**
   * The server refused the credentials (HTTP 401 or 403; WebSocket close 4401 or 4403, since
   * browsers hide the handshake's status). With a `token` or `headers` function, the first refusal
   * in a row calls it again and retries at once; later ones are reported (`auth`) and wait, at
   * most three attempts in any 5 s. Without one, retrying cannot help: the client stops.
   */
  private _authFailed(error: PushlineError): void {
    const status = error.status || (error.closeCode === FORBIDDEN_CLOSE_CODE ? 403 : 401);
    const auth = pushlineError('auth', 'credentials refused: ' + status, error.transport, { status, closeCode: error.closeCode });
    this._teardown();
    const settings = this._settings;
    if (typeof settings.token !== 'function' && typeof settings.headers !== 'function') return this._stop(auth);
    if (this._authFailures++ === 0) return this._startAttempt(); // the functions are called again
    this.emit('error', auth);
    if (!this._isClosed()) this._retry(auth);
  }

  /** The round ends without moving on: an answer about the client or the server, not the transport. */
  private _endRound(error: PushlineError): void {
    this._teardown();
    if (isFatal(error)) return this._stop(error);
    this._callFeatures('failed', false);
    this._retry(error);
  }

  /** The connection that served ended (closed, muted, a protocol error, messages missed). */
  private _connectionLost(attempt: Attempt, error: PushlineError): void {
    this._teardown();
    if (error.id) this._cursor = error.id; // an oversized message: resume after it
    this._callFeatures('failed', true);
    // A connection that made progress (delivered a message), or stayed open long enough, is a
    // success: the backoff starts again from the beginning. One that opened and dropped without
    // delivering anything (a server that accepts and drops at once) is not.
    const healthy = attempt.delivered || now() - attempt.openedAt >= STABLE_MS;
    if (healthy) this._failures = this._unstableOpens = 0;
    // Muted, or unhealthy three times in a row: this transport does not work here; try the next.
    const moveOn = !isToldToWait(error) && (error.code === 'muted' || (!healthy && ++this._unstableOpens >= UNSTABLE_LIMIT));
    const transports = this._settings.transports;
    if (moveOn && transports.length > 1) {
      this._unstableOpens = 0;
      this._transportIndex = (attempt.index + 1) % transports.length;
      this._emitFallback(attempt, error, transports[this._transportIndex].name);
      if (this._isClosed()) return; // a listener closed the client
    }
    this._retry(error);
  }

  private _retry(error: PushlineError): void {
    const reconnect = this._settings.reconnect;
    this._failures++;
    if (!reconnect) return this._stop(error);
    if (this._failures > reconnect.maxAttempts) {
      return this._stop(pushlineError('exhausted', 'gave up after ' + reconnect.maxAttempts + ' attempts', error.transport));
    }
    // Messages lost on the way: resume at once (the retry budget still bounds a loop of these).
    const authWait = error.code === 'auth' ? AUTH_RETRY_STEP * (this._authFailures - 1) : 0;
    const delay =
      error.code === 'missed' ? 0 : Math.min(MAX_TIMER_DELAY, Math.max(backoffDelay(reconnect, this._failures), error.retryAfter || 0, this._serverRetry, authWait));
    this._state = 'reconnecting';
    const transport = this._settings.transports[this._transportIndex].name;
    this.emit('reconnecting', { attempt: this._failures, delay, transport, error });
    if (!this._isClosed()) this._scheduleAttempt(delay);
  }

  /** Re-reads the state after emitting: listeners may call close(), which TypeScript cannot see. */
  private _isClosed(): boolean {
    return this._state === 'closed';
  }

  private _scheduleAttempt(delay: number): void {
    clearTimeout(this._retryTimer);
    this._retryAt = now() + delay;
    this._retryTimer = setTimeout(() => {
      this._retryTimer = undefined;
      this._startAttempt();
    }, delay);
  }

  /** @internal Ends the connection and every attempt (a probe is told), and every timer but the pause timer. */
  _teardown(): void {
    const attempt = this._attempt;
    const beside = this._beside;
    this._roundCount++; // options still being resolved start nothing now
    this._nextIndex = -1;
    this._callFeatures('teardown');
    clearTimeout(this._raceTimer);
    clearTimeout(this._retryTimer);
    clearTimeout(this._heartbeatTimer);
    this._retryTimer = this._heartbeatTimer = undefined;
    if (attempt) this._closeAttempt(attempt);
    if (beside) {
      this._closeAttempt(beside);
      if (beside.probeDone) beside.probeDone(false);
    }
    this._acknowledging = false;
    this._transport = null;
    this._skipUntil = null;
    this._retryAt = 0;
  }

  private _stop(error: PushlineError | null): void {
    if (this._state === 'closed') return;
    this._teardown();
    this._listenToPage(false);
    this._callFeatures('stop');
    this._state = 'closed';
    if (error) this.emit('error', error);
    this._outbox.failAll(pushlineError('send-failed', 'closed before the server acknowledged it', null));
    this.emit('close', { error });
  }

  // ---- page lifecycle -------------------------------------------------------------------------------

  private _listenToPage(listen: boolean): void {
    if (typeof window === 'undefined' || !window.addEventListener) return;
    const method = listen ? 'addEventListener' : 'removeEventListener';
    for (let i = 0; i < WINDOW_EVENTS.length; i++) window[method](WINDOW_EVENTS[i], this._onPageEvent);
    for (let i = 0; i < DOCUMENT_EVENTS.length; i++) document[method](DOCUMENT_EVENTS[i], this._onPageEvent);
    clearTimeout(this._pauseTimer);
  }

  /**
   * After a bfcache restore, a freeze, a background tab's throttled timers or the network coming
   * back, timers cannot be trusted: check the wall clock now instead.
   */
  private _pageEvent(type: PageEvent): void {
    if (this._state === 'closed') return;
    // Only page listeners call this, so there is a document (_listenToPage added them to it).
    const hidden = document.visibilityState === 'hidden';
    if (type === 'offline' || this._callFeatures('lifecycle', type)) return;
    const pauseAfter = this._settings.pauseAfter;
    if (type === 'visibilitychange' && pauseAfter !== null) {
      clearTimeout(this._pauseTimer);
      this._pauseTimer = undefined;
      if (hidden) {
        this._pauseTimer = setTimeout(() => {
          this._pauseTimer = undefined;
          this._teardown();
          this._state = 'paused';
        }, pauseAfter);
        return;
      }
    }
    if (hidden) return;
    if (this._state === 'paused') return this._startAttempt();
    if (this._attempt && this._attempt.openedAt) return this._watchHeartbeat();
    // Waiting to reconnect: go now if the network is back or the wait is over by the clock.
    const waitIsOver = this._retryAt ? now() >= this._retryAt : !this._retryTimer && !this._attempt;
    if (this._state === 'reconnecting' && (type === 'online' || waitIsOver)) this._startAttempt();
  }

  // ---- sending ------------------------------------------------------------------------------------

  /** The server has every message of `sender` up to `seq` (an ack frame, a POST answer, an open frame). */
  /** @internal */
  _acknowledge(sender: string, seq: number): void {
    const done = this._outbox.acknowledge(sender, seq);
    if (done.length && sender !== this._outbox.identity) this._callFeatures('acknowledged', sender, seq);
  }

  /** Hands the outbox to the open connection, which sends what it has not sent yet. */
  /** @internal */
  _flush(): void {
    const attempt = this._attempt;
    const connection = attempt && attempt.openedAt ? attempt.connection : null;
    if (attempt && connection) connection.send({ outbox: this._outbox, acknowledging: this._acknowledging, connectionId: attempt.id });
  }
}

/** The connect timeout's error: `buffered` when the server answered and then sent nothing. */
function connectTimeoutError(attempt: Attempt, timeout: number): PushlineError {
  const name = attempt.factory.name;
  return attempt.responded
    ? pushlineError('buffered', 'answered, then nothing in ' + timeout + ' ms', name)
    : pushlineError('timeout', 'no answer in ' + timeout + ' ms', name);
}

/** The newest attempt of a race, replaced by the next transport: `buffered` if the server answered. */
function raceLostError(attempt: Attempt): PushlineError {
  const elapsed = now() - attempt.startedAt;
  return attempt.responded
    ? pushlineError('buffered', 'answered, then no open frame in ' + elapsed + ' ms (raced)', attempt.factory.name)
    : pushlineError('timeout', 'no answer in ' + elapsed + ' ms (raced)', attempt.factory.name);
}

/** The server asked to wait (429/503, Retry-After), or an option function failed: not the transport's fault. */
function isToldToWait(error: PushlineError): boolean {
  const code = error.closeCode;
  const busy = error.status === 429 || error.status === 503 || code === BUSY_CLOSE_CODE || code === RATE_LIMITED_CLOSE_CODE || code === TRY_AGAIN_LATER;
  return busy || error.retryAfter !== undefined || error.code === 'options';
}

/** WebSocket close codes of a busy server: 4503 and 4429 (as HTTP's 503 and 429), 1013 Try Again Later. */
const BUSY_CLOSE_CODE = 4503;
const RATE_LIMITED_CLOSE_CODE = 4429;
const TRY_AGAIN_LATER = 1013;

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/** For a probe whose result nobody waits for (the move up's). */
function ignoreResult(): void {}

/** WebSocket close codes 4000–4999 belong to the application: the client stops on them. */
const APPLICATION_CLOSE_CODES = { first: 4000, last: 4999 };
/** WebSocket close code 1008: policy violation. */
const POLICY_VIOLATION = 1008;

/** WebSocket close codes for a refused token (the handshake's 401/403 is hidden from scripts). */
const UNAUTHORIZED_CLOSE_CODE = 4401;
const FORBIDDEN_CLOSE_CODE = 4403;

function isAuthFailure(error: PushlineError): boolean {
  const code = error.closeCode;
  return error.status === 401 || error.status === 403 || code === UNAUTHORIZED_CLOSE_CODE || code === FORBIDDEN_CLOSE_CODE;
}

/** Answers that retrying cannot fix: the application must act. */
function isFatal(error: PushlineError): boolean {
  const code = error.closeCode;
  // 4000–4999 are the application's, but those PROTOCOL.md gives a meaning (busy, refused credentials).
  const applicationCode = code !== undefined && code >= APPLICATION_CLOSE_CODES.first && code <= APPLICATION_CLOSE_CODES.last && !isToldToWait(error);
  return error.status === 401 || error.status === 403 || error.code === 'closed-by-server' || code === POLICY_VIOLATION || applicationCode;
}

function copyInto(from: { [key: string]: string } | null | undefined, to: { [key: string]: string | null }): void {
  for (const key in from) to[key] = from[key];
}

/**
 * The base URL made absolute. Outside a page (Node, a server-side render) a relative URL has
 * nothing to be resolved against: '' then, and the client reports it through its `error` event
 * instead of throwing where it was created. In a page a URL that cannot be parsed throws.
 */
function baseUrlOf(url: string): string {
  try {
    return absoluteUrl(url);
  } catch (e) {
    if (typeof document !== 'undefined' || typeof location !== 'undefined') throw e;
    return '';
  }
}

function hasOwn(object: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(object, key);
}

function now(): number {
  return Date.now();
}
