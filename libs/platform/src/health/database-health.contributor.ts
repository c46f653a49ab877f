import { type DataSource } from 'typeorm';
import { type HealthCheckResult, type HealthContributor } from './health-contributor';

/** The service's own database answers `SELECT 1`: the one check readiness depends on (DESIGN §10). */
export class DatabaseHealthContributor implements HealthContributor {
  readonly name = 'database';
  readonly affectsReadiness = true;

  constructor(private readonly dataSource: DataSource) {}

  async check(): Promise<HealthCheckResult> {
    const started = performance.now();
    if (!this.dataSource.isInitialized)
      return { status: 'down', details: { reason: 'not connected' } };
    await this.dataSource.query('SELECT 1');
    return { status: 'up', details: { latencyMs: Math.round(performance.now() - started) } };
  }
}
