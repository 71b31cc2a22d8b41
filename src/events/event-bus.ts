import type { EventListener, PipelineEvent } from './event';

/**
 * Fans events out to subscribers. A throwing subscriber is isolated: it never
 * breaks the run or the other subscribers.
 */
export class EventBus {
  private listeners: EventListener[] = [];
  private readonly onListenerError: (error: unknown, event: PipelineEvent) => void;

  constructor(onListenerError: (error: unknown, event: PipelineEvent) => void = () => {}) {
    this.onListenerError = onListenerError;
  }

  /** Attaches a listener; returns the function that detaches it. */
  subscribe(listener: EventListener): () => void {
    this.listeners = [...this.listeners, listener];
    return () => this.unsubscribe(listener);
  }

  /** Detaches a listener. */
  unsubscribe(listener: EventListener): void {
    this.listeners = this.listeners.filter((l) => l !== listener);
  }

  /** Delivers an event to every listener, in subscription order. */
  emit(event: PipelineEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.onListenerError(error, event);
      }
    }
  }
}
