package io.ingraft.storage.table;

import io.ingraft.storage.StorageIoException;
import java.io.IOException;

/**
 * A file Lance reported written for a staged write is missing, shorter than Lance recorded, or not
 * whole when read back (a deletion file whose Arrow footer or bitmap is cut off). Found before the
 * staged write is committed, so no table version ever references the file. Retryable, like every
 * {@link StorageIoException}: the write stages again and Lance writes new files under new names;
 * the incomplete one stays behind, unreferenced, for housekeeping (docs/storage.md).
 */
public final class IncompleteFileException extends StorageIoException {
  private final String table;
  private final String file;
  private final long bytesOnDisk;
  private final long expectedBytes;

  IncompleteFileException(
      String table, String file, long bytesOnDisk, long expectedBytes, String problem) {
    super(
        file,
        "read back of a file staged for " + table,
        new IOException(
            problem
                + " ("
                + (bytesOnDisk < 0 ? "missing" : bytesOnDisk + " bytes on disk")
                + (expectedBytes < 0 ? "" : ", " + expectedBytes + " written")
                + ")"));
    this.table = table;
    this.file = file;
    this.bytesOnDisk = bytesOnDisk;
    this.expectedBytes = expectedBytes;
  }

  /** The table the file was staged for. */
  public String table() {
    return table;
  }

  /** The file's key, relative to the storage root. */
  public String file() {
    return file;
  }

  /** The file's size when it was read back, or -1 when it was missing. */
  public long bytesOnDisk() {
    return bytesOnDisk;
  }

  /** The size Lance recorded for the file, or -1 when Lance records none (deletion files). */
  public long expectedBytes() {
    return expectedBytes;
  }
}
