package io.ingraft.recovery;

/**
 * A sidecar file that cannot be understood: an unknown format version, or content that does not
 * parse. Its graph stops for an operator; the file is kept untouched and other graphs go on.
 */
public final class SidecarFormatException extends RecoveryException {
  private final String key;

  public SidecarFormatException(String key, String problem, Throwable cause) {
    super("sidecar " + key + ": " + problem, cause);
    this.key = key;
  }

  public String key() {
    return key;
  }
}
