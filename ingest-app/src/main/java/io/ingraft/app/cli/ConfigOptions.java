package io.ingraft.app.cli;

import io.ingraft.app.config.ConfigSources;
import io.ingraft.app.config.IngraftConfig;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The settings every command reads, one way (docs/operations.md, "Configuration"): {@code --config
 * FILE} (Java properties), {@code INGRAFT_*} environment variables over it, {@code --set KEY=VALUE}
 * and the command's own options over both. Used as a picocli mixin, directly or through {@link
 * StorageOptions} and {@link KafkaOptions}.
 */
final class ConfigOptions {
  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "Properties file (docs/operations.md, \"Configuration\").")
  Path file;

  @Option(
      names = "--set",
      paramLabel = "KEY=VALUE",
      description =
          "One setting, over --config and the environment (repeatable), e.g."
              + " --set ingraft.writer.threads=8. Not for secrets: the command line is visible"
              + " to every user of the machine.")
  Map<String, String> set = new LinkedHashMap<>();

  /**
   * The validated configuration: file, environment, {@code --set}, then {@code commandSettings}
   * (the command's own options). Warnings about the environment go to the operator.
   */
  IngraftConfig toConfig(Map<String, String> commandSettings) {
    return sources(commandSettings).config();
  }

  /** The sources behind {@link #toConfig}, for commands that must know what was set. */
  ConfigSources sources(Map<String, String> commandSettings) {
    Map<String, String> flags = new HashMap<>(set);
    flags.putAll(commandSettings);
    ConfigSources sources = new ConfigSources(file, System.getenv(), flags);
    sources.warnings().forEach(Notices::warn);
    return sources;
  }
}
