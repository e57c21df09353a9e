package io.ingraft.storage.table;

import io.ingraft.IngraftException;
import io.ingraft.storage.StorageIoException;
import java.io.IOException;
import java.util.Locale;

/**
 * The one place that turns Lance's untyped exceptions into Ingraft's typed ones, and the only code
 * allowed to look at Lance exception messages.
 *
 * <p>Lance 7.0.0 throws (docs/storage.md, "Lance 7.0.0 facts"):
 *
 * <ul>
 *   <li>{@link IllegalArgumentException} for "Dataset at path … was not found", "Dataset already
 *       exists", "Dataset is closed" and bad input (unknown columns, bad SQL, schema mismatch);
 *   <li>{@link IOException} (undeclared, thrown through JNI) for I/O faults, local or S3;
 *   <li>plain {@link RuntimeException} for commit conflicts ("Retryable commit conflict…",
 *       "Incompatible transaction…", "Commit conflict…", "Too many concurrent writers…") and for
 *       JNI bugs; data Lance refuses to encode also comes as a plain RuntimeException
 *       ("LanceError(Arrow): Invalid argument error: …").
 * </ul>
 *
 * Anything this class cannot classify is reported as a {@link StorageIoException}: an unexplained
 * failure of a write has an unknown outcome, and that type tells callers not to clean up.
 */
final class LanceErrors {

  /** What kind of failure a Lance exception reports. */
  enum Kind {
    NOT_FOUND,
    ALREADY_EXISTS,
    CLOSED,
    CONFLICT,
    UNREADABLE,
    IO,
    INVALID_INPUT,
    OTHER
  }

  private static final String[] CONFLICT_MARKERS = {
    "retryable commit conflict",
    "incompatible transaction",
    "commit conflict for version",
    "too many concurrent writers"
  };

  /** Data Lance refuses to write, reported as a plain RuntimeException ("LanceError(Arrow)…"). */
  private static final String[] INVALID_INPUT_MARKERS = {
    "invalid argument error", "invalid user input"
  };

  /**
   * Committed data Lance cannot decode. It comes as an {@link IOException} through the Arrow C
   * stream, but it is not an I/O fault: the same bytes fail the same way on every read. The first
   * is a data file Lance cannot decode; the second a deletion file too short to hold an Arrow
   * file's tail (Rust's in-memory cursor refusing a seek before its start: no disk is involved any
   * more).
   */
  private static final String[] UNREADABLE_MARKERS = {
    "error decoding batch", "invalid seek to a negative or overflowing position"
  };

  private LanceErrors() {}

  static Kind classify(Throwable e) {
    String message = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
    for (String marker : UNREADABLE_MARKERS) {
      if (message.contains(marker)) {
        return Kind.UNREADABLE;
      }
    }
    if (e instanceof IOException) {
      return Kind.IO;
    }
    if (e instanceof IllegalArgumentException) {
      if (message.contains("dataset already exists")) {
        return Kind.ALREADY_EXISTS;
      }
      if (message.contains("was not found")) {
        return Kind.NOT_FOUND;
      }
      if (message.contains("dataset is closed")) {
        return Kind.CLOSED;
      }
      return Kind.INVALID_INPUT;
    }
    for (String marker : CONFLICT_MARKERS) {
      if (message.contains(marker)) {
        return Kind.CONFLICT;
      }
    }
    for (String marker : INVALID_INPUT_MARKERS) {
      if (message.contains(marker)) {
        return Kind.INVALID_INPUT;
      }
    }
    return Kind.OTHER;
  }

  /** Whether Lance reports a missing dataset or a missing version manifest. */
  static boolean isNotFound(Throwable e) {
    return !(e instanceof IngraftException) && classify(e) == Kind.NOT_FOUND;
  }

  /** Whether Lance rejected a commit because of a concurrent transaction. */
  static boolean isConflict(Throwable e) {
    return !(e instanceof IngraftException) && classify(e) == Kind.CONFLICT;
  }

  /** Whether the failure is an I/O fault (disk, network, object store). */
  static boolean isIo(Throwable e) {
    return !(e instanceof IngraftException) && classify(e) == Kind.IO;
  }

  /** A failure while opening or reading a table. */
  static RuntimeException onRead(String table, String operation, Throwable e) {
    return translate(table, operation, e, Kind.OTHER);
  }

  /** A failure while creating a table. */
  static RuntimeException onCreate(String table, Throwable e) {
    return translate(table, "create table", e, Kind.INVALID_INPUT);
  }

  /** A failure while staging a write: bad input becomes {@link InvalidStagedWriteException}. */
  static RuntimeException onStage(String table, String operation, Throwable e) {
    return translate(table, operation, e, Kind.INVALID_INPUT);
  }

  /** A failure while scanning: bad input becomes {@link InvalidScanException}. */
  static RuntimeException onScan(String table, Throwable e) {
    if (!(e instanceof IngraftException) && classify(e) == Kind.INVALID_INPUT) {
      return new InvalidScanException(table, e.getMessage(), e);
    }
    return translate(table, "scan", e, Kind.OTHER);
  }

  /**
   * A failure while committing that is not a conflict (conflicts are handled by the caller, which
   * re-reads the latest version). The outcome of such a commit is unknown.
   */
  static RuntimeException onCommit(String table, Throwable e) {
    return translate(table, "commit", e, Kind.OTHER);
  }

  private static RuntimeException translate(
      String table, String operation, Throwable e, Kind invalidInputAs) {
    if (e instanceof IngraftException ie) {
      return ie;
    }
    return switch (classify(e)) {
      case NOT_FOUND -> new TableNotFoundException(table);
      case ALREADY_EXISTS -> new TableAlreadyExistsException(table);
      case CLOSED ->
          new IllegalStateException(
              "Lance dataset handle of " + table + " used after close (a TableStore bug)", e);
      case UNREADABLE -> new UnreadableTableDataException(table, operation, e);
      case INVALID_INPUT ->
          invalidInputAs == Kind.INVALID_INPUT
              ? new InvalidStagedWriteException(
                  table, operation + " rejected by Lance: " + e.getMessage(), e)
              : new StorageIoException(table, operation, e);
      case CONFLICT, IO, OTHER -> new StorageIoException(table, operation, e);
    };
  }
}
