package io.ingraft.storage.manifest;

import io.ingraft.storage.StorageException;

/**
 * A manifest file is not valid JSON, misses fields, or contradicts its own name (graph, version).
 */
public final class CorruptManifestException extends StorageException {
  private final String key;

  public CorruptManifestException(String key, String problem, Throwable cause) {
    super("manifest " + key + " is corrupt: " + problem, cause);
    this.key = key;
  }

  public String key() {
    return key;
  }
}
