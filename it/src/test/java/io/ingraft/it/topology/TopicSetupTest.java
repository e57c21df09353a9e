package io.ingraft.it.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ingraft.app.config.IngraftConfig;
import io.ingraft.app.topology.PartitionCountMismatchException;
import io.ingraft.app.topology.TopicSetup;
import io.ingraft.app.topology.TopicSetupException;
import io.ingraft.it.kafka.KafkaTestBroker;
import io.ingraft.it.kafka.TopicSettings;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** TopicSetup on a real broker: creates what is missing, leaves the rest, waits for leaders. */
@ExtendWith(KafkaTestBroker.Extension.class)
class TopicSetupTest {
  @TempDir Path dir;

  @Test
  void createsTheMissingTopicsOnceAndKeepsTheGraphLogForever(KafkaTestBroker kafka)
      throws Exception {
    String prefix = KafkaTestBroker.uniqueName("setup");
    IngraftConfig config = config(kafka, prefix, 3, false);
    // An operator made the loads topic already, with another partition count.
    kafka.createTopic(prefix + ".loads", 1, Map.of());

    List<String> created = TopicSetup.ensure(kafka.admin(), config);

    assertThat(created)
        .containsExactlyInAnyOrder(
            prefix + ".graph-log", prefix + ".mutations", prefix + ".dlq", prefix + ".commits");
    Map<String, TopicDescription> topics =
        kafka
            .admin()
            .describeTopics(
                List.of(
                    prefix + ".mutations",
                    prefix + ".loads",
                    prefix + ".graph-log",
                    prefix + ".dlq",
                    prefix + ".commits"))
            .allTopicNames()
            .get(10, TimeUnit.SECONDS);
    assertThat(topics.get(prefix + ".mutations").partitions()).hasSize(3);
    assertThat(topics.get(prefix + ".loads").partitions()).hasSize(1);
    assertThat(topics.values())
        .allSatisfy(
            d -> assertThat(d.partitions()).allSatisfy(p -> assertThat(p.leader()).isNotNull()));

    ConfigResource graphLog = new ConfigResource(ConfigResource.Type.TOPIC, prefix + ".graph-log");
    Config graphLogConfig =
        kafka
            .admin()
            .describeConfigs(List.of(graphLog))
            .all()
            .get(10, TimeUnit.SECONDS)
            .get(graphLog);
    assertThat(graphLogConfig.get(TopicConfig.RETENTION_MS_CONFIG).value()).isEqualTo("-1");
    assertThat(graphLogConfig.get(TopicConfig.CLEANUP_POLICY_CONFIG).value()).isEqualTo("delete");

    // Idempotent: nothing left to create.
    assertThat(TopicSetup.ensure(kafka.admin(), config)).isEmpty();
  }

  @Test
  void keyedByGraphRefusesASourceTopicWithAnotherPartitionCountBeforeCreatingAnything(
      KafkaTestBroker kafka) throws Exception {
    String prefix = KafkaTestBroker.uniqueName("setup-keyed");
    IngraftConfig config = config(kafka, prefix, true);
    // The loads topic exists with 2 partitions; producers' partitioner would spread a graph's
    // loads over 2, its mutations over 4: keyed mode cannot run on that.
    kafka.createTopic(prefix + ".loads", 2, Map.of());

    assertThatThrownBy(() -> TopicSetup.ensure(kafka.admin(), config))
        .isInstanceOf(TopicSetupException.class)
        .isInstanceOfSatisfying(
            PartitionCountMismatchException.class,
            e -> {
              assertThat(e.topic()).isEqualTo(prefix + ".loads");
              assertThat(e.actual()).isEqualTo(2);
              assertThat(e.expected()).isEqualTo(4);
            })
        .hasMessageContaining(prefix + ".loads")
        .hasMessageContaining("has 2 partitions")
        .hasMessageContaining("ingraft.topic.partitions=4")
        .hasMessageContaining("ingraft.topology.keyed-by-graph");
    // Validated first: none of the missing topics was created with a count about to change.
    Set<String> names = kafka.admin().listTopics().names().get(10, TimeUnit.SECONDS);
    assertThat(names)
        .contains(prefix + ".loads")
        .doesNotContain(
            prefix + ".mutations", prefix + ".graph-log", prefix + ".dlq", prefix + ".commits");

    // The default mode runs on the same topics, as before (a differing count is only logged).
    assertThat(TopicSetup.ensure(kafka.admin(), config(kafka, prefix, false)))
        .containsExactlyInAnyOrder(
            prefix + ".graph-log", prefix + ".mutations", prefix + ".dlq", prefix + ".commits");
  }

  @Test
  void raisesTheRecordSizeOfAnExistingGraphLogAndDeadLetterTopic(KafkaTestBroker kafka)
      throws Exception {
    String prefix = KafkaTestBroker.uniqueName("setup-size");
    // Made by an operator with the broker's default record size (1 MiB).
    kafka.createTopic(prefix + ".graph-log", 4, Map.of());
    kafka.createTopic(prefix + ".dlq", 4, Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "100000"));

    TopicSetup.ensure(kafka.admin(), config(kafka, prefix, false));

    // A broker's view of a topic's configuration follows the controller's shortly after.
    String wanted = Integer.toString(io.ingraft.app.dlq.RecordLimits.MAX_RECORD_BYTES);
    for (String topic : List.of(prefix + ".graph-log", prefix + ".dlq")) {
      ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
      KafkaTestBroker.await(
          java.time.Duration.ofSeconds(10),
          topic + " max.message.bytes " + wanted,
          () -> wanted.equals(maxMessageBytes(kafka, resource)));
    }
    // Nothing left to raise: a second run changes nothing.
    TopicSetup.ensure(kafka.admin(), config(kafka, prefix, false));
  }

  @Test
  void theGraphLogRetentionIsLeftAloneUnlessSetAndThenApplied(KafkaTestBroker kafka)
      throws Exception {
    String prefix = KafkaTestBroker.uniqueName("setup-retention");
    // An operator made the graph log with a retention of their own.
    kafka.createTopic(
        prefix + ".graph-log", 4, Map.of(TopicConfig.RETENTION_MS_CONFIG, "86400000"));
    ConfigResource graphLog = new ConfigResource(ConfigResource.Type.TOPIC, prefix + ".graph-log");

    TopicSetup.ensure(kafka.admin(), config(kafka, prefix, false));
    assertThat(topicConfig(kafka, graphLog, TopicConfig.RETENTION_MS_CONFIG))
        .as("not set: left as it is")
        .isEqualTo("86400000");

    Map<String, String> week = Map.of("ingraft.log.retention.ms", "604800000");
    TopicSetup.ensure(kafka.admin(), config(kafka, prefix, false, week));
    KafkaTestBroker.await(
        java.time.Duration.ofSeconds(10),
        "graph log retention.ms 604800000",
        () -> "604800000".equals(topicConfig(kafka, graphLog, TopicConfig.RETENTION_MS_CONFIG)));

    // A graph log Ingraft creates gets the setting at once; -1 is forever.
    String other = KafkaTestBroker.uniqueName("setup-retention-new");
    TopicSetup.ensure(kafka.admin(), config(kafka, other, false, week));
    assertThat(
            topicConfig(
                kafka,
                new ConfigResource(ConfigResource.Type.TOPIC, other + ".graph-log"),
                TopicConfig.RETENTION_MS_CONFIG))
        .isEqualTo("604800000");
    TopicSetup.ensure(
        kafka.admin(), config(kafka, prefix, false, Map.of("ingraft.log.retention.ms", "-1")));
    KafkaTestBroker.await(
        java.time.Duration.ofSeconds(10),
        "graph log retention.ms -1",
        () -> "-1".equals(topicConfig(kafka, graphLog, TopicConfig.RETENTION_MS_CONFIG)));
  }

  private static String topicConfig(KafkaTestBroker kafka, ConfigResource resource, String key) {
    try {
      return kafka
          .admin()
          .describeConfigs(List.of(resource))
          .all()
          .get(10, TimeUnit.SECONDS)
          .get(resource)
          .get(key)
          .value();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void keyedByGraphAcceptsSourceTopicsWithTheConfiguredPartitionCount(KafkaTestBroker kafka) {
    String prefix = KafkaTestBroker.uniqueName("setup-keyed-ok");
    IngraftConfig config = config(kafka, prefix, true);
    kafka.createTopic(prefix + ".mutations", 4, Map.of());
    // Sinks may differ: only the two source topics must match.
    kafka.createTopic(prefix + ".dlq", 1, Map.of());

    assertThat(TopicSetup.ensure(kafka.admin(), config))
        .containsExactlyInAnyOrder(prefix + ".loads", prefix + ".graph-log", prefix + ".commits");
    assertThat(TopicSetup.ensure(kafka.admin(), config)).isEmpty();
  }

  private static String maxMessageBytes(KafkaTestBroker kafka, ConfigResource resource) {
    try {
      return kafka
          .admin()
          .describeConfigs(List.of(resource))
          .all()
          .get(10, TimeUnit.SECONDS)
          .get(resource)
          .get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG)
          .value();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private IngraftConfig config(KafkaTestBroker kafka, String prefix, boolean keyed) {
    return config(kafka, prefix, 4, keyed);
  }

  private IngraftConfig config(
      KafkaTestBroker kafka, String prefix, boolean keyed, Map<String, String> more) {
    Map<String, String> settings = new HashMap<>(TopicSettings.prefixed(prefix));
    settings.put("kafka.bootstrap.servers", kafka.bootstrapServers());
    settings.put("storage.root", dir.toString());
    settings.putAll(more);
    return IngraftConfig.fromMap(settings);
  }

  private IngraftConfig config(
      KafkaTestBroker kafka, String prefix, int partitions, boolean keyed) {
    Map<String, String> settings = new HashMap<>(TopicSettings.prefixed(prefix));
    settings.put("kafka.bootstrap.servers", kafka.bootstrapServers());
    settings.put("storage.root", dir.toString());
    settings.put("ingraft.topic.partitions", Integer.toString(partitions));
    settings.put("ingraft.topology.keyed-by-graph", Boolean.toString(keyed));
    return IngraftConfig.fromMap(settings);
  }
}
