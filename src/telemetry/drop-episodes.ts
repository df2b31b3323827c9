import type { Logger } from '../log/logger.js';

/** Why audit spans were lost (the `reason` label of `dutygate_audit_spans_dropped_total`). */
export type SpanDropReason = 'queue_full' | 'export_failed' | 'shutdown';

/** Options of {@link createDropEpisodes}. */
export interface DropEpisodeOptions {
  readonly logger: Pick<Logger, 'error'>;
  /** Counts lost spans (the metric). */
  readonly onDropped: (reason: SpanDropReason, count: number) => void;
  /** Longest an episode runs before its line is written and a new one starts (default 10 s). */
  readonly maxEpisodeMs?: number;
}

/** Counts lost audit spans and logs them, one line per episode. */
export interface DropEpisodes {
  /**
   * `count` spans lost for `reason`, `first`…`last` their audit ids in the order they ended;
   * `error` is the exporter's, logged with the episode.
   */
  dropped(reason: SpanDropReason, count: number, first: string, last: string, error?: string): void;
  /** A span was accepted again: a running queue-full episode is over. */
  accepted(): void;
  /** Writes the line of a running episode (shutdown). */
  close(): void;
}

interface Episode {
  readonly reason: SpanDropReason;
  readonly first: string;
  last: string;
  count: number;
  error: string | undefined;
  readonly timer: NodeJS.Timeout;
}

/**
 * The drop log. A lost span is lost evidence, so no loss is silent: each is counted at once, and
 * the ids are logged — one line per episode rather than per span, since a dead collector at a
 * thousand checks a second would otherwise write a thousand lines a second. An episode is a run
 * of drops of one reason; it ends when a span is accepted again, when the reason changes, after
 * `maxEpisodeMs` (so an outage that never ends still writes a line every so often), or at
 * shutdown. The decision log still holds every record: the line says which ones to read there.
 */
export function createDropEpisodes(options: DropEpisodeOptions): DropEpisodes {
  const maxEpisodeMs = options.maxEpisodeMs ?? 10_000;
  let episode: Episode | undefined;

  const close = () => {
    const ended = episode;
    if (!ended) return;
    episode = undefined;
    clearTimeout(ended.timer);
    options.logger.error(
      { reason: ended.reason, dropped: ended.count, first_decision_id: ended.first, last_decision_id: ended.last, ...(ended.error ? { err: ended.error } : {}) },
      `${ended.count} audit spans lost (${ended.reason}): decision ids ${ended.first} … ${ended.last}; the decision log has their records`,
    );
  };

  return {
    dropped(reason, count, first, last, error) {
      options.onDropped(reason, count);
      if (episode && episode.reason !== reason) close();
      if (episode) {
        episode.last = last;
        episode.count += count;
        episode.error = error ?? episode.error;
        return;
      }
      const timer = setTimeout(close, maxEpisodeMs);
      // An open episode must not keep a stopping process alive; close() at shutdown logs it.
      timer.unref();
      episode = { reason, first, last, count, error, timer };
    },
    accepted() {
      if (episode?.reason === 'queue_full') close();
    },
    close,
  };
}
