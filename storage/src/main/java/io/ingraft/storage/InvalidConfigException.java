package io.ingraft.storage;

/** A configuration value is missing or malformed; the message names the property key. */
public final class InvalidConfigException extends StorageException {
  private final String key;
  private final String value;

  public InvalidConfigException(String key, String value, String problem) {
    super("config " + key + "=" + value + " " + problem);
    this.key = key;
    this.value = value;
  }

  public String key() {
    return key;
  }

  public String value() {
    return value;
  }
}
