import { systemClock, type Clock } from '../clock';
import type { PlanService } from '../plan/plan';
import type { ServiceDescriptor, ServiceState } from '../service-record';
import { serviceStateFile } from './service-paths';
import { isProcessAlive } from '../process-alive';
import { readServiceState } from './service-state-file';
import { stopServiceProcess } from './stop-service';
import { SupervisedService, type ServiceEvent, type ServicePlace } from './supervised-service';

/**
 * The supervisor of the services a process starts. It lives in the process
 * that runs the service stages — a notebook kernel, `dagbook run`, a daemon
 * — and keeps their services running after the stage and the run end, for
 * as long as that process lives (one per process: {@link processSupervisor}).
 * What it knows it writes to each service's state file, so any process can
 * list the services and stop one. `stopAll()` is the graceful shutdown of
 * the process: every service stopped, none restarted.
 */

/** The service a {@link ServiceEvent} is about: where it belongs, how it is run, and its state after the change. */
export interface ServiceEventSource {
  /** Where it belongs (pipeline, stage, item). */
  readonly place: ServicePlace;
  /** How it is run (its restart policy included). */
  readonly spec: PlanService;
  /** Its state as just written. */
  readonly state: ServiceState;
}

/** A listener to the changes of state of a supervisor's services. */
export type ServiceListener = (event: ServiceEvent, source: ServiceEventSource) => void;

/** Options of a {@link ServiceSupervisor}. */
export interface SupervisorOptions {
  /** Paces backoff, probes and health checks. @default the system clock */
  readonly clock?: Clock;
  /** Told of every change of a service's state. @default none */
  readonly onEvent?: ServiceListener;
}

/** Supervises the services started in this process. */
export class ServiceSupervisor {
  private readonly services = new Map<string, SupervisedService>();
  private readonly clock: Clock;
  private readonly listeners: ServiceListener[] = [];

  constructor(options: SupervisorOptions = {}) {
    this.clock = options.clock ?? systemClock;
    if (options.onEvent) this.listeners.push(options.onEvent);
  }

  /** Adds a listener to every service's changes of state; returns its removal. */
  listen(listener: ServiceListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /**
   * Starts a service and resolves once it is ready. A service of the same
   * name that still runs — here, or under another process — is stopped first.
   * @throws DagbookError `SERVICE_NOT_READY` when it exits or is not ready in time
   */
  async start(spec: PlanService, place: ServicePlace): Promise<ServiceDescriptor> {
    const file = serviceStateFile(place.pipelineDir, place.name);
    const here = this.services.get(file);
    if (here?.active) await here.stop();
    else {
      const elsewhere = readServiceState(file);
      if (elsewhere !== undefined && (elsewhere.status === 'running' || elsewhere.status === 'restarting' || elsewhere.status === 'starting')) {
        await stopServiceProcess(place.pipelineDir, place.name, { graceMs: spec.stopGraceMs, clock: this.clock });
      }
    }
    const service: SupervisedService = new SupervisedService(spec, place, { clock: this.clock, onEvent: (event) => this.tell(event, { place, spec, state: service.current }) });
    this.services.set(file, service);
    return service.start();
  }

  /** Stops a service this supervisor runs; false when it runs no such service. */
  async stop(pipelineDir: string, name: string): Promise<boolean> {
    const service = this.services.get(serviceStateFile(pipelineDir, name));
    if (service === undefined || !service.active) return false;
    await service.stop();
    return true;
  }

  /** The state of every service this supervisor still supervises. */
  running(): ServiceState[] {
    return [...this.services.values()].filter((s) => s.active).map((s) => s.current);
  }

  /** Stops every service this supervisor runs (the graceful shutdown of its process). */
  async stopAll(): Promise<void> {
    await Promise.all([...this.services.values()].filter((s) => s.active).map((s) => s.stop()));
  }

  /** Resolves once no service is supervised any more (each stopped or failed). */
  async idle(): Promise<void> {
    for (;;) {
      const active = [...this.services.values()].filter((s) => s.active);
      if (active.length === 0) return;
      await Promise.all(active.map((s) => s.done));
    }
  }

  private tell(event: ServiceEvent, source: ServiceEventSource): void {
    for (const listener of [...this.listeners]) listener(event, source);
  }
}

const KEY = Symbol.for('dagbook.serviceSupervisor');

/**
 * The supervisor of this process, made on first use. Kept on `globalThis`,
 * so a notebook that loads dagbook's modules again still has one.
 */
export function processSupervisor(): ServiceSupervisor {
  const holder = globalThis as unknown as Record<symbol, ServiceSupervisor | undefined>;
  return (holder[KEY] ??= new ServiceSupervisor());
}

/**
 * Stops every service of this process's supervisor: for a daemon's or a
 * CLI's graceful shutdown (SIGTERM, SIGINT).
 */
export async function stopAll(): Promise<void> {
  await processSupervisor().stopAll();
}

/** Whether the service recorded in `state` is up: running, its process alive and its supervisor too. */
export function isServiceUp(state: ServiceState): boolean {
  return state.status === 'running' && state.pid !== undefined && isProcessAlive(state.pid) && isProcessAlive(state.supervisorPid);
}
