package io.ingraft.app.writer;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** The counters behind {@link WriterStats}, updated from the poll thread and the workers. */
final class WriterCounters {
  final AtomicLong recordsRead = new AtomicLong();
  final AtomicLong batches = new AtomicLong();
  final AtomicLong applies = new AtomicLong();
  final AtomicLong eventsApplied = new AtomicLong();
  final AtomicLong eventsRejected = new AtomicLong();
  final AtomicLong eventsSkipped = new AtomicLong();
  final AtomicLong deadLetters = new AtomicLong();
  final AtomicLong commitNotices = new AtomicLong();
  final AtomicLong retries = new AtomicLong();
  final AtomicLong fencedBatches = new AtomicLong();
  volatile Instant lastPublish;
  final Map<String, WriterStats.StoppedGraph> stopped = new ConcurrentHashMap<>();
}
