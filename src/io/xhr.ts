/** A minimal XMLHttpRequest wrapper: callbacks, no Promise, so it runs in ES5 engines. */

export interface HttpResponse {
  /** 0 when the request failed before any response (network error, CORS, abort). */
  status: number;
  text: string;
  /** A response header, or null (missing, or not exposed to a cross-origin page). */
  header(name: string): string | null;
}

export interface HttpOptions {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  withCredentials: boolean;
  body?: string;
}

/** A request on its way; abort() ends it without calling its callback. */
export interface PendingRequest {
  abort(): void;
}

export function request(options: HttpOptions, done: (response: HttpResponse) => void): PendingRequest {
  const xhr = openXhr(options.method, options);
  // loadend fires once, after load, error, abort or timeout; readystatechange would also fire
  // for every piece of a large body (measured: ~10 % of a long-poll client's time at 100k msg/s).
  xhr.onloadend = () => {
    done({
      status: xhr.status,
      text: xhr.status ? xhr.responseText : '',
      header: (name) => header(xhr, name),
    });
  };
  xhr.send(options.body === undefined ? null : options.body);
  return {
    abort() {
      xhr.onloadend = null; // no callback for an aborted request
      xhr.abort();
    },
  };
}

/** An opened asynchronous request with the credentials flag and headers set (here and text-stream.ts). */
export function openXhr(method: string, options: { url: string; headers: Record<string, string>; withCredentials: boolean }): XMLHttpRequest {
  const xhr = new XMLHttpRequest();
  xhr.open(method, options.url, true);
  xhr.withCredentials = options.withCredentials;
  for (const name in options.headers) xhr.setRequestHeader(name, options.headers[name]);
  return xhr;
}

/** getResponseHeader throws in some old engines for headers CORS does not expose. */
export function header(xhr: XMLHttpRequest, name: string): string | null {
  try {
    return xhr.getResponseHeader(name);
  } catch (e) {
    return null;
  }
}
