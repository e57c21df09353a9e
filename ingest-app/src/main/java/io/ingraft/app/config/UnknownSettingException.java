package io.ingraft.app.config;

import java.util.Optional;

/**
 * A setting whose key Ingraft does not know, most likely a slip: the message names the closest
 * known key ("did you mean ingraft.writer.threads?"). Never ignored, since a misspelt key would
 * otherwise run with the default.
 */
public final class UnknownSettingException extends InvalidSettingException {
  private final String suggestion;

  public UnknownSettingException(String key, String suggestion) {
    super(
        key,
        null,
        "unknown setting "
            + key
            + (suggestion == null
                ? "; known keys are listed in docs/operations.md, \"Configuration\""
                : "; did you mean " + suggestion + "?"));
    this.suggestion = suggestion;
  }

  /** The closest known key, if one is close. */
  public Optional<String> suggestion() {
    return Optional.ofNullable(suggestion);
  }
}
