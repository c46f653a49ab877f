import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { type Logger } from 'pino';
import {
  HEALTH_CONTRIBUTORS,
  type HealthContributor,
  type HealthStatus,
  isHealthContributor,
} from './health-contributor';
import { ServiceLifecycle } from './service-lifecycle';
import { PLATFORM_LOGGER, READINESS_TIMEOUT_MS } from '../bootstrap/platform-tokens';

export interface ContributorReport {
  readonly name: string;
  readonly status: HealthStatus;
  readonly affectsReadiness: boolean;
  readonly durationMs: number;
  readonly details?: Record<string, unknown>;
}

/** Checks that never decide readiness (Kafka) are reused this long: each run opens connections to the dependency. */
export const healthDetailsReuseMs = 5_000;

/** A contributor's latest run: shared while in flight, and reused for {@link healthDetailsReuseMs} when it is a detail. */
interface RecentRun {
  readonly startedAtMs: number;
  readonly report: Promise<ContributorReport>;
  settled: boolean;
}

export interface ReadinessReport {
  /** `up`: all well; `degraded`: serving, something non-essential is down; `down`: not serving. */
  readonly status: HealthStatus;
  readonly ready: boolean;
  readonly shuttingDown: boolean;
  readonly checks: readonly ContributorReport[];
}

@Injectable()
export class HealthService implements OnApplicationBootstrap {
  private contributors: readonly HealthContributor[] = [];
  private readonly recentRuns = new Map<HealthContributor, RecentRun>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly lifecycle: ServiceLifecycle,
    @Inject(READINESS_TIMEOUT_MS) private readonly timeoutMs: number,
    @Inject(PLATFORM_LOGGER) private readonly logger: Logger,
  ) {}

  /** Collects every HEALTH_CONTRIBUTORS provider of every module (Nest's stand-in for multi providers). */
  onApplicationBootstrap(): void {
    const found = new Set<HealthContributor>();
    for (const wrapper of this.discovery.getProviders()) {
      if (wrapper.token !== HEALTH_CONTRIBUTORS || !wrapper.isDependencyTreeStatic()) continue;
      const values: unknown[] = Array.isArray(wrapper.instance)
        ? wrapper.instance
        : [wrapper.instance];
      for (const value of values) {
        if (!isHealthContributor(value))
          throw new Error(`A ${HEALTH_CONTRIBUTORS} provider is not a HealthContributor`);
        found.add(value);
      }
    }
    const names = [...found].map((contributor) => contributor.name);
    const duplicate = names.find((name, index) => names.indexOf(name) !== index);
    if (duplicate) throw new Error(`Two health contributors are named ${duplicate}`);
    this.contributors = [...found];
    this.logger.debug({ contributors: names }, 'health contributors registered');
  }

  /** Every contributor, for the internal port: Kafka and the other details at most every {@link healthDetailsReuseMs}. */
  async readiness(): Promise<ReadinessReport> {
    const checks = await Promise.all(
      this.contributors.map((contributor) => this.shared(contributor)),
    );
    const shuttingDown = this.lifecycle.isShuttingDown;
    const ready =
      !shuttingDown && checks.every((check) => !check.affectsReadiness || check.status !== 'down');
    const allUp = checks.every((check) => check.status === 'up');
    return { status: ready ? (allUp ? 'up' : 'degraded') : 'down', ready, shuttingDown, checks };
  }

  /**
   * Ready or not, for public ports: runs only the checks readiness depends on (the database), each
   * shared by the concurrent callers, so a flood of probes costs one query at a time.
   */
  async isReady(): Promise<boolean> {
    if (this.lifecycle.isShuttingDown) return false;
    const checks = await Promise.all(
      this.contributors
        .filter((contributor) => contributor.affectsReadiness)
        .map((contributor) => this.shared(contributor)),
    );
    return checks.every((check) => check.status !== 'down');
  }

  private shared(contributor: HealthContributor): Promise<ContributorReport> {
    const nowMs = performance.now();
    const recent = this.recentRuns.get(contributor);
    const reusableMs = contributor.affectsReadiness ? 0 : healthDetailsReuseMs;
    if (recent && (!recent.settled || nowMs - recent.startedAtMs < reusableMs))
      return recent.report;
    const run: RecentRun = { startedAtMs: nowMs, report: this.run(contributor), settled: false };
    void run.report.finally(() => (run.settled = true));
    this.recentRuns.set(contributor, run);
    return run.report;
  }

  private async run(contributor: HealthContributor): Promise<ContributorReport> {
    const started = performance.now();
    const base = { name: contributor.name, affectsReadiness: contributor.affectsReadiness };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.timeoutMs);
    });
    try {
      const result = await Promise.race([contributor.check(), timeout]);
      const durationMs = Math.round(performance.now() - started);
      if (result === 'timeout') {
        return {
          ...base,
          status: 'down',
          durationMs,
          details: { reason: `no answer within ${this.timeoutMs} ms` },
        };
      }
      return {
        ...base,
        status: result.status,
        durationMs,
        ...(result.details ? { details: result.details } : {}),
      };
    } catch (error) {
      this.logger.warn({ err: error, contributor: contributor.name }, 'health check failed');
      return {
        ...base,
        status: 'down',
        durationMs: Math.round(performance.now() - started),
        details: { reason: 'check failed' },
      };
    } finally {
      clearTimeout(timer);
    }
  }
}
