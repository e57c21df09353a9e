package io.ingraft.it.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.ingraft.app.config.IngraftConfig;
import io.ingraft.app.topology.TopicSetup;
import io.ingraft.it.kafka.KafkaTestBroker;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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
  @TempDir
  Path dir;

  @Test
  void createsTheMissingTopicsOnceAndKeepsTheGraphLogForever(KafkaTestBroker kafka)
      throws Exception {
    String prefix = KafkaTestBroker.uniqueName("setup");
    IngraftConfig config = IngraftConfig.fromMap(Map.of(
        "kafka.bootstrap.servers", kafka.bootstrapServers(),
        "storage.root", dir.toString(),
        "ingraft.topic.mutations", prefix + ".mutations",
        "ingraft.topic.loads", prefix + ".loads",
        "ingraft.topic.graph-log", prefix + ".graph-log",
        "ingraft.topic.dlq", prefix + ".dlq",
        "ingraft.topic.commits", prefix + ".commits",
        "ingraft.topic.partitions", "3"));
    // An operator made the loads topic already, with another partition count.
    kafka.createTopic(prefix + ".loads", 1, Map.of());

    List<String> created = TopicSetup.ensure(kafka.admin(), config);

    assertThat(created).containsExactlyInAnyOrder(prefix + ".graph-log", prefix + ".mutations",
        prefix + ".dlq", prefix + ".commits");
    Map<String, TopicDescription> topics = kafka.admin().describeTopics(List.of(
            prefix + ".mutations", prefix + ".loads", prefix + ".graph-log", prefix + ".dlq",
            prefix + ".commits"))
        .allTopicNames().get(10, TimeUnit.SECONDS);
    assertThat(topics.get(prefix + ".mutations").partitions()).hasSize(3);
    assertThat(topics.get(prefix + ".loads").partitions()).hasSize(1);
    assertThat(topics.values()).allSatisfy(d -> assertThat(d.partitions())
        .allSatisfy(p -> assertThat(p.leader()).isNotNull()));

    ConfigResource graphLog = new ConfigResource(ConfigResource.Type.TOPIC,
        prefix + ".graph-log");
    Config graphLogConfig = kafka.admin().describeConfigs(List.of(graphLog)).all()
        .get(10, TimeUnit.SECONDS).get(graphLog);
    assertThat(graphLogConfig.get(TopicConfig.RETENTION_MS_CONFIG).value()).isEqualTo("-1");
    assertThat(graphLogConfig.get(TopicConfig.CLEANUP_POLICY_CONFIG).value()).isEqualTo("delete");

    // Idempotent: nothing left to create.
    assertThat(TopicSetup.ensure(kafka.admin(), config)).isEmpty();
  }
}
