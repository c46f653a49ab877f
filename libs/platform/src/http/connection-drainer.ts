/** The part of Node's ServerResponse the drainer uses. */
interface DrainableResponse {
  readonly headersSent: boolean;
  /** Node sends `Connection: close` and closes the socket after the response when this is false. */
  shouldKeepAlive: boolean;
  once(event: 'close', listener: () => void): unknown;
}

/**
 * Makes a graceful shutdown quick with keep-alive clients. `server.close()` stops accepting and
 * closes idle connections, but a connection whose request is still running becomes idle *after*
 * that and would hold the server open until the grace period ends. The drainer tracks responses in
 * flight; once draining, every response not yet started — and every request that still arrives on
 * an open connection — answers with `Connection: close`, so each connection ends with its request.
 */
export class ConnectionDrainer {
  private readonly inFlight = new Set<DrainableResponse>();
  private draining = false;

  /** Express middleware; register it first. */
  readonly middleware = (
    _request: unknown,
    response: DrainableResponse,
    next: () => void,
  ): void => {
    if (this.draining) {
      response.shouldKeepAlive = false;
    } else {
      this.inFlight.add(response);
      response.once('close', () => this.inFlight.delete(response));
    }
    next();
  };

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  drain(): void {
    this.draining = true;
    for (const response of this.inFlight) {
      if (!response.headersSent) response.shouldKeepAlive = false;
    }
  }
}
