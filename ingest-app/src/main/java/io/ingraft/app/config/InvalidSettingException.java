package io.ingraft.app.config;

import io.ingraft.app.AppException;

/** A configuration setting is missing or malformed; the message names the key. */
public final class InvalidSettingException extends AppException {
  private final String key;
  private final String value;

  public InvalidSettingException(String key, String value, String problem) {
    super("setting " + key + "=" + value + ": " + problem);
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
