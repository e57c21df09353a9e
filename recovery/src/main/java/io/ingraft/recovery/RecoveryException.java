package io.ingraft.recovery;

import io.ingraft.IngraftException;

/** Base of the recovery module's exceptions: sidecars, the sweep and failpoints. */
public abstract class RecoveryException extends IngraftException {
  protected RecoveryException(String message) {
    super(message);
  }

  protected RecoveryException(String message, Throwable cause) {
    super(message, cause);
  }
}
