package io.ingraft.storage.object;

import io.ingraft.storage.StorageException;

/** A put-if-absent lost: an object already exists under the key, and it was left untouched. */
public final class ObjectAlreadyExistsException extends StorageException {
  private final String key;

  public ObjectAlreadyExistsException(String key) {
    super("an object already exists at key " + key);
    this.key = key;
  }

  public String key() {
    return key;
  }
}
