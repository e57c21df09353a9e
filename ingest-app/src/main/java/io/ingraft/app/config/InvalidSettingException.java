package io.ingraft.app.config;

import io.ingraft.app.AppException;

/**
 * A configuration setting is missing or malformed; the message names the key. The value of a secret
 * ({@link KnownSettings#isSecret}) is never put into the message.
 */
public class InvalidSettingException extends AppException {
  private final String key;
  private final String value;

  public InvalidSettingException(String key, String value, String problem) {
    super(message(key, value, problem));
    this.key = key;
    this.value = KnownSettings.isSecret(key) ? null : value;
  }

  private static String message(String key, String value, String problem) {
    if (value == null) {
      return problem;
    }
    String shown = KnownSettings.isSecret(key) ? "[hidden]" : value;
    return "setting " + key + "=" + shown + ": " + problem;
  }

  public String key() {
    return key;
  }

  /** The offending value, or null for a secret or a key without one. */
  public String value() {
    return value;
  }
}
