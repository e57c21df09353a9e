package io.ingraft.app.writer;

import io.ingraft.FailureKind;
import io.ingraft.IngraftException;
import io.ingraft.recovery.SidecarFormatException;
import io.ingraft.recovery.SweepStoppedException;
import io.ingraft.storage.manifest.CorruptManifestException;
import io.ingraft.storage.manifest.UnsupportedManifestFormatException;
import io.ingraft.storage.table.UnreadableTableDataException;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.kafka.common.errors.RetriableException;

/**
 * The one place the writer decides what a failed apply means: retry it with backoff (something is
 * unavailable for now), or stop the graph for an operator, with a documented reason code and what
 * to do. It reads {@link IngraftException#failureKind()} of the first Ingraft exception in the
 * cause chain; I/O and retriable Kafka errors outside Ingraft's types are retryable; anything else
 * is a bug, which retrying would only repeat.
 */
final class FailureClassifier {
  /** The reason codes of a stopped graph (operations.md, "Stopped graphs"). */
  static final String SWEEP_STOPPED = "SWEEP_STOPPED";

  static final String UNREADABLE_SIDECAR = "UNREADABLE_SIDECAR";
  static final String UNREADABLE_MANIFEST = "UNREADABLE_MANIFEST";
  static final String UNREADABLE_TABLE = "UNREADABLE_TABLE";
  static final String NEEDS_OPERATOR = "NEEDS_OPERATOR";
  static final String BUG = "BUG";

  /** What a failure means for its graph. */
  record Failure(FailureKind kind, String code, String action) {
    boolean retryable() {
      return kind == FailureKind.RETRYABLE;
    }
  }

  private FailureClassifier() {}

  static Failure classify(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof IngraftException ingraft) {
        if (ingraft.failureKind() == FailureKind.RETRYABLE) {
          return new Failure(FailureKind.RETRYABLE, null, null);
        }
        return operator(ingraft);
      }
      if (t instanceof IOException
          || t instanceof UncheckedIOException
          || t instanceof RetriableException) {
        return new Failure(FailureKind.RETRYABLE, null, null);
      }
    }
    return new Failure(
        FailureKind.NEEDS_OPERATOR,
        BUG,
        "a bug in Ingraft or Lance: keep the"
            + " writer's log (it has the stack trace) and report it; then run `ingraft graph recover"
            + " -g <graph>` or restart the writer to try again");
  }

  private static Failure operator(IngraftException e) {
    if (e instanceof SweepStoppedException) {
      return new Failure(
          FailureKind.NEEDS_OPERATOR,
          SWEEP_STOPPED,
          "a table's HEAD is below"
              + " its pinned version: restore the table's missing versions from backup, or publish a"
              + " manifest that pins a version the table has; then `ingraft graph recover -g <graph>`");
    }
    if (e instanceof SidecarFormatException) {
      return new Failure(
          FailureKind.NEEDS_OPERATOR,
          UNREADABLE_SIDECAR,
          "a recovery sidecar"
              + " this version cannot read: run the Ingraft version that wrote it, or move it aside"
              + " once you have decided what the operation did; then `ingraft graph recover -g"
              + " <graph>`");
    }
    if (e instanceof UnsupportedManifestFormatException || e instanceof CorruptManifestException) {
      return new Failure(
          FailureKind.NEEDS_OPERATOR,
          UNREADABLE_MANIFEST,
          "a manifest this"
              + " version cannot read: run the Ingraft version that wrote it, or restore the file"
              + " from backup; then `ingraft graph recover -g <graph>`");
    }
    if (e instanceof UnreadableTableDataException) {
      return new Failure(
          FailureKind.NEEDS_OPERATOR,
          UNREADABLE_TABLE,
          "Lance cannot decode a data"
              + " file of one of the graph's tables (a table in Lance's 2.1 file format, created"
              + " before Ingraft wrote 2.0): rebuild the graph from its log with `ingraft graph"
              + " rebuild` into a new storage root and put it in place of the graph's directory;"
              + " then `ingraft graph recover -g <graph>`");
    }
    return new Failure(
        FailureKind.NEEDS_OPERATOR,
        NEEDS_OPERATOR,
        "see the message and the"
            + " writer's log; once fixed, `ingraft graph recover -g <graph>` (or a restart of the"
            + " writer) resumes the graph");
  }
}
