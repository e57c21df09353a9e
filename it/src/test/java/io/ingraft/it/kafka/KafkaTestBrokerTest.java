package io.ingraft.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The in-JVM test broker supports what the pipeline stands on: topic creation, transactions (EOS),
 * read_committed consumption and consumer groups.
 */
@ExtendWith(KafkaTestBroker.Extension.class)
class KafkaTestBrokerTest {
  private static final Duration CONSUME_TIMEOUT = Duration.ofSeconds(60);

  @Test
  void createsTopicsThatAreLedWhenCreateReturns(KafkaTestBroker kafka) throws Exception {
    String topic = kafka.createTopic("smoke-create", 3);

    TopicDescription d =
        kafka
            .admin()
            .describeTopics(List.of(topic))
            .allTopicNames()
            .get(10, TimeUnit.SECONDS)
            .get(topic);
    assertThat(d.partitions()).hasSize(3);
    assertThat(d.partitions()).allSatisfy(p -> assertThat(p.leader().id()).isEqualTo(1));
    assertThat(kafka.bootstrapServers()).startsWith("127.0.0.1:");
  }

  @Test
  void committedTransactionsArriveExactlyOnceAndAbortedOnesNever(KafkaTestBroker kafka) {
    String topic = kafka.createTopic("smoke-eos", 3);
    List<String> committedKeys = IntStream.range(0, 100).mapToObj(i -> "k-" + i).toList();

    Map<String, Object> pc = kafka.clientConfig();
    pc.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, KafkaTestBroker.uniqueName("smoke-tx"));
    pc.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    pc.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(pc, new StringSerializer(), new StringSerializer())) {
      producer.initTransactions();
      // 50 committed, 10 aborted in between, 50 committed.
      producer.beginTransaction();
      committedKeys
          .subList(0, 50)
          .forEach(k -> producer.send(new ProducerRecord<>(topic, k, "v-" + k)));
      producer.commitTransaction();
      producer.beginTransaction();
      for (int i = 0; i < 10; i++) {
        producer.send(new ProducerRecord<>(topic, "aborted-" + i, "never"));
      }
      producer.flush();
      producer.abortTransaction();
      producer.beginTransaction();
      committedKeys
          .subList(50, 100)
          .forEach(k -> producer.send(new ProducerRecord<>(topic, k, "v-" + k)));
      producer.commitTransaction();
    }

    // A consumer group, read_committed: exactly the 100 committed records, each once.
    Map<String, Object> cc = kafka.clientConfig();
    cc.put(ConsumerConfig.GROUP_ID_CONFIG, KafkaTestBroker.uniqueName("smoke-group"));
    cc.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    cc.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    cc.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    List<ConsumerRecord<String, String>> committed = consumeToEnd(cc, topic, 3, true);

    assertThat(committed).hasSize(100);
    assertThat(committed.stream().map(ConsumerRecord::key).collect(Collectors.toSet()))
        .containsExactlyInAnyOrderElementsOf(committedKeys);
    assertThat(committed).allSatisfy(r -> assertThat(r.value()).isEqualTo("v-" + r.key()));

    // The aborted records were really written (so the check above is not vacuous):
    // read_uncommitted sees them.
    Map<String, Object> uc = kafka.clientConfig();
    uc.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
    List<ConsumerRecord<String, String>> all = consumeToEnd(uc, topic, 3, false);
    assertThat(all).hasSize(110);
    assertThat(all.stream().filter(r -> r.key().startsWith("aborted-"))).hasSize(10);
  }

  /**
   * Consumes {@code topic} from the beginning until the consumer's position reached the end offset
   * of every partition (the last stable offset under read_committed), with a deadline.
   */
  static List<ConsumerRecord<String, String>> consumeToEnd(
      Map<String, Object> config, String topic, int partitions, boolean subscribe) {
    List<ConsumerRecord<String, String>> records = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
      Set<TopicPartition> tps = new HashSet<>();
      for (int p = 0; p < partitions; p++) {
        tps.add(new TopicPartition(topic, p));
      }
      if (subscribe) {
        consumer.subscribe(List.of(topic));
      } else {
        consumer.assign(tps);
        consumer.seekToBeginning(tps);
      }
      Map<TopicPartition, Long> end = consumer.endOffsets(tps);
      KafkaTestBroker.await(
          CONSUME_TIMEOUT,
          "consumer at the end of " + topic + " " + end,
          () -> {
            consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            if (!consumer.assignment().containsAll(tps)) {
              return false;
            }
            Map<TopicPartition, Long> positions = new HashMap<>();
            tps.forEach(tp -> positions.put(tp, consumer.position(tp)));
            return tps.stream().allMatch(tp -> positions.get(tp) >= end.get(tp));
          });
    }
    return records;
  }
}
