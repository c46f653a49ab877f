import { Injectable } from '@nestjs/common';

/**
 * Whether the service is shutting down. Readiness answers 503 from the first moment of a SIGTERM,
 * so the load balancer stops sending new requests while in-flight ones finish.
 */
@Injectable()
export class ServiceLifecycle {
  private shutdownReason: string | undefined;

  get isShuttingDown(): boolean {
    return this.shutdownReason !== undefined;
  }

  beginShutdown(reason: string): void {
    this.shutdownReason ??= reason;
  }
}
