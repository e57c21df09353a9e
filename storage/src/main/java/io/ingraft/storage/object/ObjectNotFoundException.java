package io.ingraft.storage.object;

import io.ingraft.storage.StorageException;

/** The object store holds no object under the requested key. */
public final class ObjectNotFoundException extends StorageException {
  private final String key;

  public ObjectNotFoundException(String key) {
    super("no object at key " + key);
    this.key = key;
  }

  public String key() {
    return key;
  }
}
