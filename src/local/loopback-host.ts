/**
 * The names a browser uses for this machine's server at `port`. Any other `Host` is a page
 * that resolved its own domain to 127.0.0.1 (DNS rebinding), which must reach nothing.
 */
export const loopbackHosts = (port: number): ReadonlySet<string> =>
  new Set([`127.0.0.1:${port}`, `localhost:${port}`]);

/** 421 with the service's JSON error body, naming the names that are served. */
export const misdirectedRequest = (port: number): Response =>
  Response.json(
    {
      error: {
        code: 'MISDIRECTED_REQUEST',
        message: `This server answers only to Host 127.0.0.1:${port} or localhost:${port}`,
        details: [{ field: 'Host', message: 'must be 127.0.0.1 or localhost at the served port' }],
      },
    },
    { status: 421 },
  );

/** Wraps an app's `fetch` so that it only answers requests addressed to loopback at `port()`. */
export const onlyLoopbackHosts =
  <A extends unknown[]>(
    fetch: (request: Request, ...rest: A) => Response | Promise<Response>,
    port: () => number,
  ) =>
  (request: Request, ...rest: A): Response | Promise<Response> => {
    const host = request.headers.get('host')?.toLowerCase();
    if (host === undefined || !loopbackHosts(port()).has(host)) return misdirectedRequest(port());
    return fetch(request, ...rest);
  };
