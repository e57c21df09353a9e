package io.ingraft.storage.object;

import io.ingraft.storage.StorageException;

/**
 * An object key or list prefix that no store accepts: empty, absolute, with empty, "." or ".."
 * segments, with a backslash or a control character, or naming a store-internal temporary file.
 * Thrown before any I/O, so nothing in the store has changed when a caller sees it.
 */
public final class InvalidObjectKeyException extends StorageException {
  private final String key;
  private final String reason;

  public InvalidObjectKeyException(String key, String reason) {
    super("invalid object key '" + key + "': " + reason);
    this.key = key;
    this.reason = reason;
  }

  /** The rejected key or prefix as given (may be null). */
  public String key() {
    return key;
  }

  /** Which rule the key broke. */
  public String reason() {
    return reason;
  }
}
