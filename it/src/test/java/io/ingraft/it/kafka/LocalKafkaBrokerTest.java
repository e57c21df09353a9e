package io.ingraft.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ingraft.app.kafka.LocalKafkaBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The child-process broker of the quick start: it serves clients, keeps its data across a restart
 * on the same directory, and leaves no process behind when closed.
 */
class LocalKafkaBrokerTest {
  @TempDir Path dir;

  @Test
  void servesClientsRestartsOnItsDataAndLeavesNoProcessBehind() throws Exception {
    String topic = KafkaTestBroker.uniqueName("local-broker");
    ProcessHandle first;
    try (LocalKafkaBroker broker = LocalKafkaBroker.start(dir)) {
      first = broker.processHandle();
      assertThat(first.isAlive()).isTrue();
      assertThat(first.pid()).isNotEqualTo(ProcessHandle.current().pid());
      assertThat(broker.bootstrapServers()).startsWith("127.0.0.1:");

      try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
        admin
            .createTopics(List.of(new NewTopic(topic, 1, (short) 1)))
            .all()
            .get(30, TimeUnit.SECONDS);
      }
      RecordMetadata sent = produce(broker.bootstrapServers(), topic, "graph-1", "hello");
      assertThat(sent.offset()).isZero();
      assertThat(consumeAll(broker.bootstrapServers(), topic, 1))
          .singleElement()
          .satisfies(
              r -> {
                assertThat(r.key()).isEqualTo("graph-1");
                assertThat(r.value()).isEqualTo("hello");
              });
      assertThat(Files.readString(broker.logFile())).contains("Kafka Server started");
    }
    assertGone(first);

    // Same directory again: the storage is kept (same cluster id, no reformat) and so is the
    // record, on whatever ports this start picked.
    try (LocalKafkaBroker broker = LocalKafkaBroker.start(dir)) {
      assertThat(broker.pid()).isNotEqualTo(first.pid());
      assertThat(consumeAll(broker.bootstrapServers(), topic, 1))
          .extracting(ConsumerRecord::value)
          .containsExactly("hello");
      RecordMetadata sent = produce(broker.bootstrapServers(), topic, "graph-1", "again");
      assertThat(sent.offset()).isEqualTo(1);
      ProcessHandle second = broker.processHandle();
      broker.close();
      assertGone(second);
      assertThat(broker.isAlive()).isFalse();
    }
  }

  @Test
  void refusesAClasspathWithoutTheBroker() {
    assertThatThrownBy(() -> LocalKafkaBroker.builder(dir).classpath(dir.toString()).start())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("kafka_2.13");
  }

  private static void assertGone(ProcessHandle process) {
    // close() returns after the child exited; the OS no longer lists it as alive.
    assertThat(process.isAlive()).isFalse();
    assertThat(ProcessHandle.of(process.pid()).filter(ProcessHandle::isAlive)).isEmpty();
  }

  private static RecordMetadata produce(String bootstrap, String topic, String key, String value)
      throws Exception {
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ProducerConfig.ACKS_CONFIG,
                "all"),
            new StringSerializer(),
            new StringSerializer())) {
      return producer.send(new ProducerRecord<>(topic, key, value)).get(30, TimeUnit.SECONDS);
    }
  }

  private static List<ConsumerRecord<String, String>> consumeAll(
      String bootstrap, String topic, int partitions) {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    return KafkaTestBrokerTest.consumeToEnd(config, topic, partitions, false);
  }
}
