/**
 * dagbook's public API. Named exports only, listed on purpose.
 */
export { VERSION, versions } from './version';

// Errors
export {
  DagbookError,
  NonRetryableError,
  isDagbookError,
  isNonRetryableError,
  hasErrorCode,
} from './errors';
export type { ErrorCode, ErrorClass, PlanIssue } from './errors';

// Time and randomness (injectable)
export { systemClock, ManualClock } from './clock';
export type { Clock } from './clock';
export { seededRandom, systemRandom } from './random';
export type { RandomSource } from './random';

// Definition
export { definePipeline, defineStage } from './definition/define-pipeline';
export { loadPipelineFile } from './definition/load-file';
export { pipelineFileJsonSchema } from './definition/json-schema';
export { selectEnvironment, ENVIRONMENT_VARIABLE } from './definition/environments';
export type { LoadPipelineFileOptions } from './definition/load-file';
export type { ActiveEnvironment, PipelineOverlay } from './definition/types';
export type {
  PipelineDefinition,
  StageDefinition,
  StageContext,
  StageInputs,
  StageFn,
  RetryOptions,
  BreakerOptions,
  BudgetOptions,
  ValidationRule,
  Severity,
  FailurePolicy,
  StageIsolation,
  ExecutorOptions,
  LocalExecutorOptions,
  BullmqExecutorOptions,
  PeriodsOptions,
  PeriodValue,
  PeriodStateHash,
  PeriodStateContext,
  Item,
  ItemSet,
  AlertOptions,
  AlertThresholdsOptions,
  AlertLevelsOptions,
  AlertSinkOptions,
  WebhookSinkOptions,
  CommandSinkOptions,
} from './definition/types';
export type { ItemRunOptions } from './run/item-options';
export type { DryRunItems } from './query/item-preview';
export type { ItemCounts, ItemRecord } from './records';

// Plan
export { compilePipeline, planHash } from './plan/compile';
export { selectStages } from './plan/select';
export type { SelectionOptions, Selection } from './plan/select';
export { dryRun } from './query/dry-run';
export type { DryRunResult, DryRunRow, DryRunAction, DryRunOptions } from './query/dry-run';
export { pipelineStatus } from './query/status';
export type { StageStanding } from './query/status';
export type { Plan, PlanStage, CompiledPipeline, PlanAlerts } from './plan/plan';

// Run
export { runPipeline, startRun } from './run/run-pipeline';
export type { RunOptions, RunResult, RunHandle } from './run/run-pipeline';
export type { RunMetrics, StageMetrics } from './run/run-metrics';
export { toPublicEvent, publicEventSchema, publicEventJsonSchema } from './events/public-event';
export type { PublicEvent, PublicEventType, PublicEventLevel } from './events/public-event';
export { readRunEvents, followRunEvents, latestRunId, runLogEnded } from './query/run-events';
export type { ReadRunEventsOptions, FollowRunEventsOptions, FollowEnd } from './query/run-events';
export type { RunExport } from './notebook/run-export';
export type { PipelineEvent, EventType, EventListener, AlertLevel, AlertMetric, ServiceAlertMetric, AlertMetadata } from './events/event';
export type { AlertPayload } from './alerts/alert-payload';

// Stores
export { MemoryStore } from './store/memory-store';
export { openDurableStore } from './store/durable-store';
export type { DurableStore, GcResult, OpenDurableStoreOptions, RetentionResult } from './store/durable-store';
export { openStateReader } from './store/state-reader';
export type { OpenStateReaderOptions, StateReader } from './store/state-reader';
export type { CacheOptions } from './store/cache-policy';
export type { RunStore, RunStoreReader } from './store/run-store';
export type { RunRecord, StageRecord, StageStatus, RunStatus, CacheEntry, OutputCheck } from './records';

// Notebook workbench and display
export { openWorkbench } from './notebook/workbench';
export type { Workbench, WorkbenchRunOptions, WorkbenchRunResult } from './notebook/workbench';
export type { WorkbenchOptions } from './notebook/workbench-options';
export { escapeHtml, renderTable } from './display/html';
export type { Rendered } from './display/html';
export { inNotebook, show, newLiveDisplay } from './display/notebook-display';
export { renderHtmlDocument, type HtmlDocumentOptions } from './display/html-document';
export type { LiveDisplay, TextSink } from './display/notebook-display';

// Service stages: supervised long-running processes
export { serviceStage } from './definition/service-stage';
export type { ServiceStageDefinition } from './definition/service-stage';
export type { ServiceOptions, ServiceReadiness, ServiceHealth, ServiceRestart, ServiceLogs, StageKind } from './definition/types';
export { ServiceSupervisor, processSupervisor, stopAll, isServiceUp } from './service/supervisor';
export type { SupervisorOptions, ServiceListener, ServiceEventSource } from './service/supervisor';
export type { ServiceEvent, ServicePlace } from './service/supervised-service';
export { listServices, serviceStanding } from './service/service-list';
export type { ServiceStanding } from './service/service-list';
export { stopServiceProcess } from './service/stop-service';
export type { ServiceDescriptor, ServiceState, ServiceStatus, ServiceExit } from './service-record';
