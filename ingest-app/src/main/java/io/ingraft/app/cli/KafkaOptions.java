package io.ingraft.app.cli;

import io.ingraft.app.config.IngraftConfig;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The Kafka options of every command that talks to Kafka ({@code run}, {@code produce}, {@code
 * graph verify}, ...), as a picocli mixin: {@code --bootstrap-servers}, over {@code
 * kafka.bootstrap.servers} of {@code --config} or the environment. Every other client setting
 * ({@code kafka.security.protocol}, {@code kafka.sasl.jaas.config}, ...) comes the same way as for
 * {@code run}: {@code kafka.*} keys in the file, {@code INGRAFT_KAFKA_*} variables or {@code
 * --set}. A new command adds {@code @Mixin KafkaOptions kafka;} beside its {@link ConfigOptions} or
 * {@link StorageOptions} and builds its configuration with {@link #settings()}.
 */
final class KafkaOptions {
  @Option(
      names = "--bootstrap-servers",
      paramLabel = "HOST:PORT",
      description =
          "Kafka bootstrap servers (default: kafka.bootstrap.servers from --config or"
              + " INGRAFT_KAFKA_BOOTSTRAP_SERVERS, else localhost:9092).")
  String bootstrap;

  /** The settings these options give, for {@link ConfigOptions#toConfig}. */
  Map<String, String> settings() {
    Map<String, String> settings = new HashMap<>();
    if (bootstrap != null) {
      settings.put(IngraftConfig.BOOTSTRAP, bootstrap);
    }
    return settings;
  }
}
