package io.ingraft.app.cli;

import io.ingraft.events.GraphLogCodec;
import io.ingraft.events.avro.GraphLogRecord;
import io.ingraft.events.avro.LoggedEvent;
import io.ingraft.storage.manifest.Manifest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The Kafka half of {@code graph verify}: every event of the graph on the canonical log below the
 * writer group's committed offset must be applied, i.e. below the manifest's recorded next offset
 * for its partition. An event the group committed past but the graph never applied would be a lost
 * event; this check finds it.
 */
final class LogCoverageCheck {
  private final Map<String, Object> clientProps;
  private final String topic;
  private final String group;

  LogCoverageCheck(Map<String, Object> clientProps, String topic, String group) {
    this.clientProps = clientProps;
    this.topic = topic;
    this.group = group;
  }

  /** Problems found, and how many events of the graph were checked. */
  record Result(long eventsChecked, List<String> problems) {}

  Result check(String graph, Manifest latest) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> committed;
    try (Admin admin = Admin.create(clientProps)) {
      committed =
          admin
              .listConsumerGroupOffsets(group)
              .partitionsToOffsetAndMetadata()
              .get(30, java.util.concurrent.TimeUnit.SECONDS);
    }
    Map<String, Object> props = new HashMap<>(clientProps);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    List<String> problems = new ArrayList<>();
    long checked = 0;
    GraphLogCodec codec = new GraphLogCodec();
    byte[] key = graph.getBytes(StandardCharsets.UTF_8);
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      for (var info : consumer.partitionsFor(topic)) {
        TopicPartition tp = new TopicPartition(topic, info.partition());
        OffsetAndMetadata upTo = committed.get(tp);
        if (upTo == null || upTo.offset() == 0) {
          continue;
        }
        long next = latest.nextOffset(topic + ":" + info.partition());
        consumer.assign(Set.of(tp));
        consumer.seekToBeginning(Set.of(tp));
        long position = 0;
        while (position < upTo.offset()) {
          var records = consumer.poll(Duration.ofSeconds(2));
          if (records.isEmpty() && consumer.position(tp) >= upTo.offset()) {
            break;
          }
          for (ConsumerRecord<byte[], byte[]> r : records) {
            position = r.offset() + 1;
            if (r.offset() >= upTo.offset() || !java.util.Arrays.equals(r.key(), key)) {
              continue;
            }
            GraphLogRecord record;
            try {
              record = codec.decode(r.value());
            } catch (RuntimeException e) {
              continue; // dead-lettered by the writer, never part of a graph
            }
            if (record.getEntry() instanceof LoggedEvent) {
              checked++;
              if (r.offset() >= next) {
                problems.add(
                    "event at "
                        + tp
                        + "@"
                        + r.offset()
                        + " was committed by group "
                        + group
                        + " but is not applied (graph's next offset "
                        + next
                        + ")");
              }
            }
          }
          position = Math.max(position, consumer.position(tp));
        }
      }
    }
    return new Result(checked, problems);
  }
}
