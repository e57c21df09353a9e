package io.ingraft.storage.manifest;

import io.ingraft.storage.StorageException;

/**
 * A manifest file declares a format version this code does not know. It is never guessed at:
 * upgrade the reader.
 */
public final class UnsupportedManifestFormatException extends StorageException {
  private final String key;
  private final String found;

  public UnsupportedManifestFormatException(String key, String found) {
    super(
        "manifest "
            + key
            + " has format "
            + found
            + ", this reader supports format "
            + Manifest.FORMAT);
    this.key = key;
    this.found = found;
  }

  public String key() {
    return key;
  }

  /** The format value found in the file, as text ("missing" if absent). */
  public String found() {
    return found;
  }
}
