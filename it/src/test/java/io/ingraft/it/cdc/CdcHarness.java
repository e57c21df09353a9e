package io.ingraft.it.cdc;

import io.ingraft.app.local.ConnectWorker;
import io.ingraft.app.local.LocalPostgres;
import io.ingraft.it.kafka.KafkaTestBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Starting the CDC chain's third-party parts for a test: PostgreSQL in the test's temporary
 * directory, the Debezium connector on a Connect worker, and a plain consumer of what they produce.
 */
final class CdcHarness {
  /** Partitions of every topic the connector creates: rows of one table spread over them. */
  static final int PARTITIONS = 3;

  static final String CONNECTOR = "shop-source";

  private CdcHarness() {}

  /**
   * A PostgreSQL in {@code dir/postgres}. JUnit makes temporary directories readable by their owner
   * only; the server runs as the {@code postgres} OS user, so {@code dir} is opened to traversal
   * first. Durability is off: the test never crashes the database.
   */
  static LocalPostgres startPostgres(Path dir) {
    try {
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return LocalPostgres.builder(dir.resolve("postgres"))
        .setting("fsync", "off")
        .setting("synchronous_commit", "off")
        .setting("full_page_writes", "off")
        .start();
  }

  /**
   * The Debezium PostgreSQL connector on a Connect worker in {@code dir}, configured as Ingraft
   * expects ({@link ConnectWorker#debeziumPostgres}), topics {@code <prefix>.public.<table>} and
   * {@code <prefix>.transaction}; {@code extra} adds or overrides connector settings.
   */
  static ConnectWorker startConnector(
      LocalPostgres pg, String bootstrap, Path dir, String prefix, Map<String, String> extra) {
    Map<String, String> config = ConnectWorker.debeziumPostgres(pg, prefix, "ingraft", PARTITIONS);
    config.putAll(extra);
    return ConnectWorker.builder(dir)
        .bootstrapServers(bootstrap)
        .connector(CONNECTOR, config)
        .start();
  }

  /**
   * Reads the topics from the beginning (they may not exist yet) until {@code done} holds for
   * everything read so far, or fails after {@code timeout}.
   */
  static List<ConsumerRecord<String, String>> readUntil(
      KafkaTestBroker kafka,
      List<String> topics,
      Duration timeout,
      Predicate<List<ConsumerRecord<String, String>>> done) {
    Map<String, Object> props = kafka.clientConfig();
    props.put(ConsumerConfig.GROUP_ID_CONFIG, KafkaTestBroker.uniqueName("cdc-reader"));
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, 500);
    props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
    // Keyed by position: a topic that appears later rebalances the group, and without committed
    // offsets its members read again from the beginning.
    Map<String, ConsumerRecord<String, String>> byPosition = new LinkedHashMap<>();
    List<ConsumerRecord<String, String>> records = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(topics);
      KafkaTestBroker.await(
          timeout,
          "change events on " + topics,
          () -> {
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
              if (byPosition.putIfAbsent(r.topic() + "/" + r.partition() + "@" + r.offset(), r)
                  == null) {
                records.add(r);
              }
            }
            return done.test(records);
          });
    }
    return records;
  }
}
