package io.ingraft.app.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;

/**
 * Where a command's settings come from, in rising precedence: the properties file of {@code
 * --config} (if any), environment variables ({@link EnvironmentOverrides}), then command-line
 * options. Every command that reads settings reads them through this one path and then {@link
 * IngraftConfig#fromMap}, which checks the keys and resolves config-provider references.
 *
 * @param file the {@code --config} file, or null
 * @param environment the process environment ({@code System.getenv()})
 * @param flags settings from command-line options
 */
public record ConfigSources(Path file, Map<String, String> environment, Map<String, String> flags) {
  public ConfigSources {
    environment = Map.copyOf(environment);
    flags = Map.copyOf(flags);
  }

  /** The merged settings, before provider references are resolved. */
  public Map<String, String> settings() {
    Map<String, String> all = new HashMap<>();
    if (file != null) {
      all.putAll(readFile(file));
    }
    all.putAll(EnvironmentOverrides.of(environment).settings());
    all.putAll(flags);
    return all;
  }

  /**
   * Warnings: environment variables within a typo of a setting's, and {@code kafka.} keys within a
   * typo of a Kafka client setting ({@link KnownSettings#kafkaSlip}).
   */
  public List<String> warnings() {
    List<String> warnings = new ArrayList<>(EnvironmentOverrides.of(environment).warnings());
    new TreeSet<>(settings().keySet())
        .forEach(
            key ->
                KnownSettings.kafkaSlip(key)
                    .ifPresent(
                        near ->
                            warnings.add(
                                key
                                    + " is not a setting of Kafka's clients and is passed on"
                                    + " as is; did you mean "
                                    + near
                                    + "?")));
    return warnings;
  }

  /** The validated configuration. */
  public IngraftConfig config() {
    return IngraftConfig.fromMap(settings());
  }

  /** Keys only: values may be secrets. */
  @Override
  public String toString() {
    return "ConfigSources[file=" + file + ", flags=" + flags.keySet() + "]";
  }

  static Map<String, String> readFile(Path file) {
    Properties props = new Properties();
    try (Reader reader = Files.newBufferedReader(file)) {
      props.load(reader);
    } catch (IOException e) {
      throw new InvalidSettingException("--config", file.toString(), "cannot read: " + e);
    }
    Map<String, String> all = new HashMap<>();
    props.forEach((k, v) -> all.put(k.toString(), v.toString()));
    return all;
  }
}
