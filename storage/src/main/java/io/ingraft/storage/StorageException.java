package io.ingraft.storage;

import io.ingraft.IngraftException;

/** Base of the storage module's exceptions: object store, Lance tables and the manifest log. */
public abstract class StorageException extends IngraftException {
  protected StorageException(String message) {
    super(message);
  }

  protected StorageException(String message, Throwable cause) {
    super(message, cause);
  }
}
