package io.ingraft.app;

import io.ingraft.IngraftException;

/** Base of the ingest application's exceptions: configuration, pipeline and CLI errors. */
public abstract class AppException extends IngraftException {
  protected AppException(String message) {
    super(message);
  }

  protected AppException(String message, Throwable cause) {
    super(message, cause);
  }
}
