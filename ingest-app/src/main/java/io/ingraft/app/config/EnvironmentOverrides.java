package io.ingraft.app.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Settings from environment variables: {@code INGRAFT_WRITER_THREADS=8} sets {@code
 * ingraft.writer.threads}, {@code INGRAFT_STORAGE_S3_SECRET_KEY} sets {@code
 * storage.s3.secret-key}, {@code INGRAFT_KAFKA_SASL_JAAS_CONFIG} sets {@code
 * kafka.sasl.jaas.config} ({@link KnownSettings#envName} has the rule). Variables of the launcher
 * ({@code INGRAFT_LOG_FORMAT} and the like) are not settings. Other {@code INGRAFT_*} variables are
 * ignored, since orchestrators set some of their own (Kubernetes adds {@code INGRAFT_SERVICE_HOST}
 * for a service named ingraft), but one within a typo of a known variable is reported as a warning.
 */
public record EnvironmentOverrides(Map<String, String> settings, List<String> warnings) {
  /** The launcher's own variables (docs/operations.md, "Commands"). */
  static final Set<String> LAUNCHER =
      Set.of(
          "INGRAFT_JAVA_OPTS",
          "INGRAFT_LAUNCHER",
          "INGRAFT_LOG_FORMAT",
          "INGRAFT_LOG_LEVEL",
          "INGRAFT_TMPDIR",
          "INGRAFT_DEBUG",
          "INGRAFT_HOME");

  public EnvironmentOverrides {
    settings = Map.copyOf(settings);
    warnings = List.copyOf(warnings);
  }

  /** The settings {@code environment} (such as {@code System.getenv()}) overrides. */
  public static EnvironmentOverrides of(Map<String, String> environment) {
    Map<String, String> settings = new TreeMap<>();
    List<String> warnings = new ArrayList<>();
    new TreeMap<>(environment)
        .forEach(
            (variable, value) -> {
              if (!variable.startsWith(KnownSettings.ENV_PREFIX) || LAUNCHER.contains(variable)) {
                return;
              }
              Optional<String> key = KnownSettings.keyOfEnv(variable);
              if (key.isPresent()) {
                settings.put(key.get(), value);
              } else {
                KnownSettings.closestEnv(variable)
                    .ifPresent(
                        near ->
                            warnings.add(
                                "environment variable "
                                    + variable
                                    + " is not a setting and is ignored; did you mean "
                                    + near
                                    + "?"));
              }
            });
    return new EnvironmentOverrides(settings, warnings);
  }

  /** The keys set, never their values (secrets come this way). */
  @Override
  public String toString() {
    return "EnvironmentOverrides" + settings.keySet() + " " + warnings;
  }
}
