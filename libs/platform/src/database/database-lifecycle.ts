import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';

/**
 * Closes the pool in the *last* shutdown phase: Nest runs `onApplicationShutdown` after the HTTP
 * server has finished its in-flight requests, so they still have their database. Anything that uses
 * the database in the background (outbox relay, consumers) must stop earlier, in
 * `beforeApplicationShutdown` (or `onModuleDestroy`).
 */
@Injectable()
export class DatabaseLifecycle implements OnApplicationShutdown {
  constructor(private readonly dataSource: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
