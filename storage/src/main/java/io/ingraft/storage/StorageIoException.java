package io.ingraft.storage;

/**
 * A storage fault: the disk or the object store failed an operation (I/O error, network error,
 * unexpected status). The outcome of a write that failed this way may be unknown, so callers must
 * not clean up intent records (sidecars) on this error.
 */
public class StorageIoException extends StorageException {
  private final String location;

  public StorageIoException(String location, String operation, Throwable cause) {
    super(operation + " failed at " + location + ": " + cause, cause);
    this.location = location;
  }

  /** The object key, file or table URI the failed operation addressed. */
  public String location() {
    return location;
  }

  /** Retryable: an I/O fault of the disk or the object store: it may be back later. */
  @Override
  public io.ingraft.FailureKind failureKind() {
    return io.ingraft.FailureKind.RETRYABLE;
  }
}
