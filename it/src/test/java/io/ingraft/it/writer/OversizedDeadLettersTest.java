package io.ingraft.it.writer;

import static io.ingraft.it.writer.WriterRig.mutation;
import static io.ingraft.it.writer.WriterRig.schema;
import static io.ingraft.it.writer.WriterRig.upsert;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.ingraft.app.dlq.DeadLetterHeaders;
import io.ingraft.app.dlq.RecordLimits;
import io.ingraft.app.writer.GraphWriter;
import io.ingraft.engine.GraphEngine;
import io.ingraft.engine.RejectionCode;
import io.ingraft.events.GraphLogCodec;
import io.ingraft.events.avro.SealReason;
import io.ingraft.it.kafka.KafkaTestBroker;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Graph-log records too large to dead-letter whole (something other than stage 1 wrote them into a
 * graph log that allows more than the pipeline's 4 MiB): the writer sends a valueless {@code
 * RECORD_TOO_LARGE} dead letter naming the original's position and reason, and goes on; its
 * producer never stops on {@code RecordTooLargeException}.
 */
@ExtendWith(KafkaTestBroker.Extension.class)
class OversizedDeadLettersTest {
  static final String SCHEMA = "node Company { name: String @key  note: String? }\n";

  @TempDir Path dir;
  WriterRig rig;
  GraphWriter writer;

  @AfterEach
  void tearDown() {
    if (writer != null) {
      writer.close();
    }
    if (rig != null) {
      rig.close();
    }
  }

  @Test
  void aRecordTooLargeToDeadLetterWholeIsDeadLetteredWithoutItsBytes(KafkaTestBroker kafka)
      throws Exception {
    rig = new WriterRig(kafka, dir, 1);
    kafka
        .admin()
        .incrementalAlterConfigs(
            Map.of(
                new ConfigResource(ConfigResource.Type.TOPIC, rig.graphLog),
                    List.of(
                        new AlterConfigOp(
                            new ConfigEntry(
                                TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(8 << 20)),
                            AlterConfigOp.OpType.SET)),
                new ConfigResource(ConfigResource.Type.TOPIC, rig.dlq),
                    List.of(
                        new AlterConfigOp(
                            new ConfigEntry(
                                TopicConfig.MAX_MESSAGE_BYTES_CONFIG,
                                Integer.toString(RecordLimits.MAX_RECORD_BYTES)),
                            AlterConfigOp.OpType.SET))))
        .all()
        .get(30, TimeUnit.SECONDS);

    byte[] garbage = new byte[5 << 20];
    Arrays.fill(garbage, (byte) 'x');
    byte[] ghostEvent =
        rig.encode(
            GraphLogCodec.logged(
                mutation(
                    "ghost",
                    "g1",
                    upsert(
                        "Company",
                        "name",
                        "big",
                        "note",
                        "n".repeat(RecordLimits.MAX_RECORD_BYTES))),
                "ingraft.mutations",
                0,
                0));
    RecordMetadata garbageAt;
    RecordMetadata ghostAt;
    Map<String, Object> props = kafka.clientConfig();
    props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 8 << 20);
    try (KafkaProducer<byte[], byte[]> big =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      garbageAt =
          big.send(new ProducerRecord<>(rig.graphLog, 0, "omega".getBytes(UTF_8), garbage))
              .get(60, TimeUnit.SECONDS);
      ghostAt =
          big.send(new ProducerRecord<>(rig.graphLog, 0, "ghost".getBytes(UTF_8), ghostEvent))
              .get(60, TimeUnit.SECONDS);
      big.send(
              new ProducerRecord<>(
                  rig.graphLog,
                  0,
                  "ghost".getBytes(UTF_8),
                  rig.encode(GraphLogCodec.seal("ghost", 1, 1, SealReason.COUNT))))
          .get(60, TimeUnit.SECONDS);
    }
    rig.batch(0, schema("omega", "o1", SCHEMA));
    rig.batch(0, mutation("omega", "o2", upsert("Company", "name", "acme")));

    GraphEngine engine = rig.engine("writer-oversized");
    writer = rig.startWriter("writer-oversized", engine);
    rig.awaitCommittedToEnd();

    assertThat(writer.isRunning()).isTrue();
    assertThat(rig.export(engine, "omega"))
        .isEqualTo("{\"kind\":\"node\",\"type\":\"Company\",\"key\":\"acme\",\"props\":{}}\n");
    List<ConsumerRecord<byte[], byte[]>> dead = rig.readAll(rig.dlq);
    assertThat(dead).hasSize(2);
    assertThat(dead)
        .allSatisfy(
            letter -> {
              assertThat(header(letter, DeadLetterHeaders.CODE))
                  .isEqualTo(RecordLimits.RECORD_TOO_LARGE);
              assertThat(letter.key()).isNull();
              assertThat(letter.value()).isEmpty();
              assertThat(header(letter, DeadLetterHeaders.STAGE)).isEqualTo("writer");
            });
    assertThat(dead)
        .extracting(letter -> header(letter, DeadLetterHeaders.SOURCE_OFFSET))
        .containsExactly(Long.toString(garbageAt.offset()), Long.toString(ghostAt.offset()));
    // The reason it was rejected stays in the message.
    assertThat(header(dead.get(1), DeadLetterHeaders.MESSAGE))
        .startsWith(RejectionCode.UNKNOWN_GRAPH.name());
    assertThat(header(dead.get(1), DeadLetterHeaders.EVENT_ID)).isEqualTo("g1");
  }

  private static String header(ConsumerRecord<byte[], byte[]> record, String key) {
    var header = record.headers().lastHeader(key);
    return header == null ? null : new String(header.value(), UTF_8);
  }
}
