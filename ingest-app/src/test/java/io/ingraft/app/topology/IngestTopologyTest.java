package io.ingraft.app.topology;

import static io.ingraft.app.topology.Events.avro;
import static io.ingraft.app.topology.Events.json;
import static io.ingraft.app.topology.Events.load;
import static io.ingraft.app.topology.Events.mutation;
import static io.ingraft.app.topology.Events.schema;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ingraft.app.dlq.DeadLetterHeaders;
import io.ingraft.app.dlq.RecordLimits;
import io.ingraft.app.topology.StageOneDriver.Entry;
import io.ingraft.events.EventFormat;
import io.ingraft.events.EventTopics;
import io.ingraft.events.GraphEventCodec;
import io.ingraft.events.GraphLogCodec;
import io.ingraft.events.SchemaRegistry;
import io.ingraft.events.SchemaRegistryException;
import io.ingraft.events.avro.GraphEvent;
import io.ingraft.events.avro.Seal;
import io.ingraft.events.avro.SealReason;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TopologyDescription;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Stage 1 under the TopologyTestDriver: batching, dead letters, order and provenance. */
class IngestTopologyTest {
  @TempDir(factory = BuildDirectoryTempDirs.class)
  Path dir;

  @Test
  void sealsABatchWhenItReachesMaxEvents() {
    try (StageOneDriver t = new StageOneDriver(dir, Map.of("ingraft.seal.max-events", "3"))) {
      for (int i = 1; i <= 7; i++) {
        t.mutation("g1", avro(mutation("g1", "m" + i)));
      }

      assertThat(t.readBrief())
          .containsExactly(
              "e:m1",
              "e:m2",
              "e:m3",
              "seal:0:3:COUNT",
              "e:m4",
              "e:m5",
              "e:m6",
              "seal:1:3:COUNT",
              "e:m7");
    }
  }

  @Test
  void sealsABatchWhenItReachesMaxBytes() {
    try (StageOneDriver t = new StageOneDriver(dir, Map.of("ingraft.seal.max-bytes", "1024"))) {
      for (int i = 1; i <= 6; i++) {
        t.mutation("g1", json(mutation("g1", "m" + i, "x".repeat(300))));
      }

      List<Entry> log = t.readLog();
      // The batch closes at the first event that takes it to 1024 bytes or more of logged-event
      // values (what the writer reads).
      List<String> expected = new ArrayList<>();
      long bytes = 0;
      int events = 0;
      long sequence = 0;
      for (Entry entry : log.stream().filter(e -> !e.isSeal()).toList()) {
        expected.add(entry.brief());
        bytes += entry.size();
        events++;
        if (bytes >= 1024) {
          expected.add("seal:" + sequence++ + ":" + events + ":BYTES");
          bytes = 0;
          events = 0;
        }
      }
      assertThat(expected).contains("e:m1", "e:m6").anyMatch(s -> s.endsWith(":BYTES"));
      assertThat(log).extracting(Entry::brief).containsExactlyElementsOf(expected);
    }
  }

  @Test
  void sealsAnIdleBatchOnceItIsOlderThanTheLinger() {
    try (StageOneDriver t = new StageOneDriver(dir, Map.of("ingraft.seal.linger-ms", "500"))) {
      t.mutation("g1", avro(mutation("g1", "m1")));
      t.advance(Duration.ofMillis(200));
      t.mutation("g1", avro(mutation("g1", "m2")));
      t.advance(Duration.ofMillis(200));
      assertThat(t.readBrief()).containsExactly("e:m1", "e:m2");

      t.advance(Duration.ofMillis(150));
      assertThat(t.readBrief()).containsExactly("seal:0:2:LINGER");

      // No empty seals: an idle graph with nothing open stays quiet.
      t.advance(Duration.ofSeconds(5));
      assertThat(t.readBrief()).isEmpty();

      t.mutation("g1", json(mutation("g1", "m3")));
      t.advance(Duration.ofMillis(600));
      assertThat(t.readBrief()).containsExactly("e:m3", "seal:1:1:LINGER");
    }
  }

  @Test
  void lingerCountsFromTheFirstEventOfTheBatch() {
    try (StageOneDriver t = new StageOneDriver(dir, Map.of("ingraft.seal.linger-ms", "500"))) {
      t.mutation("g1", avro(mutation("g1", "m1")));
      t.advance(Duration.ofMillis(300));
      t.mutation("g2", avro(mutation("g2", "n1")));
      t.advance(Duration.ofMillis(300));
      // g1 opened 600 ms ago, g2 300 ms ago.
      assertThat(t.readBrief()).containsExactly("e:m1", "e:n1", "seal:0:1:LINGER");
      t.advance(Duration.ofMillis(300));
      assertThat(t.readLog())
          .singleElement()
          .satisfies(e -> assertThat(e.key()).isEqualTo("g2"))
          .satisfies(e -> assertThat(e.brief()).isEqualTo("seal:0:1:LINGER"));
    }
  }

  @Test
  void loadsAndSchemaChangesSitAloneInTheirBatches() {
    try (StageOneDriver t = new StageOneDriver(dir, Map.of())) {
      t.mutation("g1", avro(mutation("g1", "m1")));
      t.mutation("g1", avro(mutation("g1", "m2")));
      t.load("g1", avro(load("g1", "l1")));
      t.mutation("g1", json(mutation("g1", "m3")));
      t.mutation("g1", json(schema("g1", "s1")));
      t.load("g1", json(load("g1", "l2")));
      t.mutation("g1", avro(schema("g1", "s2")));

      assertThat(t.readBrief())
          .containsExactly(
              "e:m1",
              "e:m2",
              "seal:0:2:LOAD",
              "e:l1",
              "seal:1:1:LOAD",
              "e:m3",
              "seal:2:1:SCHEMA",
              "e:s1",
              "seal:3:1:SCHEMA",
              "e:l2",
              "seal:4:1:LOAD",
              "e:s2",
              "seal:5:1:SCHEMA");
    }
  }

  @Test
  void eachGraphHasItsOwnBatchesAndSequences() {
    try (StageOneDriver t = new StageOneDriver(dir, Map.of("ingraft.seal.max-events", "2"))) {
      t.mutation("a", avro(mutation("a", "a1")));
      t.mutation("b", avro(mutation("b", "b1")));
      t.mutation("a", avro(mutation("a", "a2")));
      t.mutation("c", avro(mutation("c", "c1")));
      t.mutation("b", avro(mutation("b", "b2")));
      t.mutation("a", avro(mutation("a", "a3")));
      t.load("b", avro(load("b", "bl")));

      List<Entry> log = t.readLog();
      assertThat(log)
          .allSatisfy(
              e ->
                  assertThat(e.key())
                      .isEqualTo(
                          e.isSeal() ? e.seal().getGraph() : e.logged().getEvent().getGraph()));
      assertThat(briefOf(log, "a")).containsExactly("e:a1", "e:a2", "seal:0:2:COUNT", "e:a3");
      assertThat(briefOf(log, "b"))
          .containsExactly("e:b1", "e:b2", "seal:0:2:COUNT", "e:bl", "seal:1:1:LOAD");
      assertThat(briefOf(log, "c")).containsExactly("e:c1");
    }
  }

  @Test
  void keepsTheOrderOfAGraphsEventsWhateverTheirFormat() {
    try (StageOneDriver t = new StageOneDriver(dir, Map.of("ingraft.seal.max-events", "7"))) {
      List<String> sent = new ArrayList<>();
      for (int i = 0; i < 60; i++) {
        String id = "m" + i;
        GraphEvent event = mutation("g1", id);
        t.mutation(i % 3 == 0 ? null : "g1", i % 2 == 0 ? avro(event) : json(event));
        sent.add("e:" + id);
        t.mutation("other", avro(mutation("other", "x" + i)));
      }

      List<String> g1 =
          briefOf(t.readLog(), "g1").stream().filter(s -> s.startsWith("e:")).toList();
      assertThat(g1).containsExactlyElementsOf(sent);
    }
  }

  @Test
  void loggedEventsCarryTheTopicPartitionAndOffsetTheyWereReadFrom() {
    try (StageOneDriver t = new StageOneDriver(dir, Map.of())) {
      t.mutation("g1", avro(mutation("g1", "m0")));
      t.mutation("g1", avro(mutation("g1", "m1")));
      t.load("g1", avro(load("g1", "l0")));
      t.mutation("zz", "garbage".getBytes(UTF_8));
      t.mutation("g1", json(mutation("g1", "m3")));

      List<Entry> events = t.readLog().stream().filter(e -> !e.isSeal()).toList();
      assertThat(events)
          .extracting(
              e ->
                  e.logged().getEvent().getEventId()
                      + "@"
                      + e.logged().getSourceTopic()
                      + "-"
                      + e.logged().getSourcePartition()
                      + ":"
                      + e.logged().getSourceOffset())
          .containsExactly(
              "m0@" + StageOneDriver.MUTATIONS + "-0:0",
              "m1@" + StageOneDriver.MUTATIONS + "-0:1",
              "l0@" + StageOneDriver.LOADS + "-0:0",
              "m3@" + StageOneDriver.MUTATIONS + "-0:3");
      // The event inside is the producer's, field for field.
      assertThat(events.get(3).logged().getEvent()).isEqualTo(mutation("g1", "m3"));
    }
  }

  @Test
  void aRecordWithoutKeyIsKeyedByItsGraph() {
    try (StageOneDriver t = new StageOneDriver(dir, Map.of())) {
      t.mutation(null, json(mutation("g7", "m1")));

      assertThat(t.readLog())
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.key()).isEqualTo("g7");
                assertThat(e.logged().getEvent().getEventId()).isEqualTo("m1");
              });
      assertThat(t.dlq.isEmpty()).isTrue();
    }
  }

  /** A bad record, what the dead letter must say, and its graph and event id headers. */
  record BadInput(
      String name, String key, byte[] value, String code, String graph, String eventId) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Arguments> badInputs() {
    byte[] avro = avro(mutation("g1", "m1"));
    return Stream.of(
            new BadInput(
                "garbage", "g1", "hello world".getBytes(UTF_8), "NOT_AN_EVENT", null, null),
            new BadInput("empty value", "g1", new byte[0], "NOT_AN_EVENT", null, null),
            new BadInput("tombstone", "g1", null, "NOT_AN_EVENT", null, null),
            new BadInput(
                "broken JSON", "g1", "{\"graph\": \"g1\",".getBytes(UTF_8), "BAD_JSON", null, null),
            new BadInput(
                "truncated Avro",
                "g1",
                Arrays.copyOf(avro, avro.length - 3),
                "BAD_AVRO",
                null,
                null),
            new BadInput(
                "Confluent without a registry",
                "g1",
                new byte[] {0, 0, 0, 0, 1, 2, 3},
                "UNSUPPORTED_FORMAT",
                null,
                null),
            new BadInput(
                "updateNode without key",
                "g1",
                ("{\"graph\": \"g1\", \"eventId\": \"m1\","
                        + " \"mutation\": {\"ops\": [{\"op\": \"updateNode\", \"type\": \"Person\","
                        + " \"set\": {\"age\": 3}}]}}")
                    .getBytes(UTF_8),
                "MISSING_FIELD",
                null,
                null),
            new BadInput(
                "graph id with a slash",
                "g1",
                ("{\"graph\": \"../etc\", \"eventId\": \"m1\","
                        + " \"schema\": {\"source\": \"node A { k: String @key }\"}}")
                    .getBytes(UTF_8),
                "BAD_GRAPH_ID",
                null,
                null),
            new BadInput(
                "no graph id",
                "g1",
                ("{\"eventId\": \"m1\","
                        + " \"schema\": {\"source\": \"node A { k: String @key }\"}}")
                    .getBytes(UTF_8),
                "BAD_GRAPH_ID",
                null,
                null),
            new BadInput(
                "no event id",
                "g1",
                ("{\"graph\": \"g1\","
                        + " \"schema\": {\"source\": \"node A { k: String @key }\"}}")
                    .getBytes(UTF_8),
                "MISSING_EVENT_ID",
                null,
                null),
            new BadInput(
                "empty event id",
                "g1",
                ("{\"graph\": \"g1\", \"eventId\": \"\","
                        + " \"schema\": {\"source\": \"node A { k: String @key }\"}}")
                    .getBytes(UTF_8),
                "MISSING_EVENT_ID",
                null,
                null),
            new BadInput("key of another graph", "g2", avro, "KEY_MISMATCH", "g1", "m1"),
            new BadInput("empty key", "", json(mutation("g1", "m1")), "KEY_MISMATCH", "g1", "m1"))
        .map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badInputs")
  void deadLettersBadInputWithItsOriginalBytesAndTheReason(BadInput bad) {
    try (StageOneDriver t = new StageOneDriver(dir, Map.of())) {
      t.mutation("g1", avro(mutation("g1", "before")));
      t.mutation(bad.key(), bad.value());
      t.mutation("g1", avro(mutation("g1", "after")));

      assertThat(t.readBrief()).containsExactly("e:before", "e:after");
      assertOneDeadLetter(t, bad.key(), bad.value(), bad.code(), "", bad.graph(), bad.eventId());
    }
  }

  /**
   * The dead-letter topic holds exactly one record: the second record of the mutations topic, with
   * its original key and value and the reason headers.
   */
  private static void assertOneDeadLetter(
      StageOneDriver t,
      String key,
      byte[] value,
      String code,
      String messagePart,
      String graph,
      String eventId) {
    TestRecord<byte[], byte[]> dead = t.dlq.readRecord();
    assertThat(t.dlq.isEmpty()).isTrue();
    assertThat(dead.key()).isEqualTo(key == null ? null : key.getBytes(UTF_8));
    assertThat(dead.value()).isEqualTo(value);
    var h = dead.headers();
    assertThat(DeadLetterHeaders.text(h, DeadLetterHeaders.STAGE)).isEqualTo("topology");
    assertThat(DeadLetterHeaders.text(h, DeadLetterHeaders.CODE)).isEqualTo(code);
    assertThat(DeadLetterHeaders.text(h, DeadLetterHeaders.MESSAGE))
        .isNotBlank()
        .contains(messagePart);
    assertThat(DeadLetterHeaders.text(h, DeadLetterHeaders.SOURCE_TOPIC))
        .isEqualTo(StageOneDriver.MUTATIONS);
    assertThat(DeadLetterHeaders.text(h, DeadLetterHeaders.SOURCE_PARTITION)).isEqualTo("0");
    assertThat(DeadLetterHeaders.text(h, DeadLetterHeaders.SOURCE_OFFSET)).isEqualTo("1");
    assertThat(DeadLetterHeaders.text(h, DeadLetterHeaders.GRAPH)).isEqualTo(graph);
    assertThat(DeadLetterHeaders.text(h, DeadLetterHeaders.EVENT_ID)).isEqualTo(eventId);
  }

  @Test
  void aDeadLetterKeepsTheProducersHeadersButNotStaleReasons() {
    try (StageOneDriver t = new StageOneDriver(dir, Map.of())) {
      RecordHeaders headers = new RecordHeaders();
      headers.add("traceparent", "00-abc-def-01".getBytes(UTF_8));
      headers.add(DeadLetterHeaders.CODE, "BAD_JSON".getBytes(UTF_8));
      t.mutation("g1", "nope".getBytes(UTF_8), headers);

      var h = t.dlq.readRecord().headers();
      assertThat(DeadLetterHeaders.text(h, "traceparent")).isEqualTo("00-abc-def-01");
      assertThat(h.headers(DeadLetterHeaders.CODE)).hasSize(1);
      assertThat(DeadLetterHeaders.text(h, DeadLetterHeaders.CODE)).isEqualTo("NOT_AN_EVENT");
    }
  }

  @Test
  void aRecordTooLargeToForwardIsDeadLetteredWithoutItsBytesAndTheStreamGoesOn() {
    try (StageOneDriver t = new StageOneDriver(dir, Map.of("ingraft.seal.max-events", "1"))) {
      // Key and value exactly at the limit: decoded as usual.
      byte[] justUnder = new byte[RecordLimits.MAX_FORWARDED_BYTES - "g1".length()];
      java.util.Arrays.fill(justUnder, (byte) 'x');
      RecordHeaders headers = new RecordHeaders();
      headers.add("traceparent", new byte[2048]);
      t.mutation("g1", new byte[10 << 20], headers);
      t.mutation("g1", justUnder);
      t.mutation("g1", avro(mutation("g1", "m2")));

      assertThat(t.readBrief()).containsExactly("e:m2", "seal:0:1:COUNT");
      TestRecord<byte[], byte[]> tooLarge = t.dlq.readRecord();
      assertThat(tooLarge.key()).isNull();
      assertThat(tooLarge.value()).isEmpty();
      assertThat(DeadLetterHeaders.text(tooLarge.headers(), "traceparent")).isNull();
      assertThat(DeadLetterHeaders.text(tooLarge.headers(), DeadLetterHeaders.CODE))
          .isEqualTo(RecordLimits.RECORD_TOO_LARGE);
      assertThat(DeadLetterHeaders.text(tooLarge.headers(), DeadLetterHeaders.SOURCE_OFFSET))
          .isEqualTo("0");
      // Exactly at the limit: not an event, dead-lettered with its bytes as usual.
      TestRecord<byte[], byte[]> notAnEvent = t.dlq.readRecord();
      assertThat(DeadLetterHeaders.text(notAnEvent.headers(), DeadLetterHeaders.CODE))
          .isEqualTo("NOT_AN_EVENT");
      assertThat(notAnEvent.value()).hasSize(justUnder.length);
    }
  }

  @Test
  void theGraphLogCarriesNoProducerOrRoutingHeaders() {
    try (StageOneDriver t = new StageOneDriver(dir, Map.of("ingraft.seal.max-events", "1"))) {
      RecordHeaders headers = new RecordHeaders();
      headers.add("traceparent", "00-abc-def-01".getBytes(UTF_8));
      t.mutation("g1", avro(mutation("g1", "m1")), headers);

      assertThat(t.graphLog.readRecordsToList())
          .hasSize(2)
          .allSatisfy(r -> assertThat(r.headers().toArray()).isEmpty());
    }
  }

  @Test
  void readsTheConfluentFormatThroughTheRegistry() {
    MapRegistry registry = new MapRegistry();
    GraphEventCodec confluent =
        new GraphEventCodec(registry, EventTopics.valueSubject(StageOneDriver.MUTATIONS));
    try (StageOneDriver t = new StageOneDriver(dir, Map.of(), registry)) {
      t.mutation("g1", confluent.encode(mutation("g1", "c1"), EventFormat.CONFLUENT));
      t.mutation("g1", avro(mutation("g1", "a1")));
      byte[] unknownId = confluent.encode(mutation("g1", "c2"), EventFormat.CONFLUENT);
      unknownId[4] = 99;
      t.mutation("g1", unknownId);

      assertThat(t.readBrief()).containsExactly("e:c1", "e:a1");
      assertThat(DeadLetterHeaders.text(t.dlq.readRecord().headers(), DeadLetterHeaders.CODE))
          .isEqualTo("UNKNOWN_SCHEMA_ID");
    }
  }

  @Test
  void anUnavailableRegistryStopsTheThreadInsteadOfDeadLetteringTheRecord() {
    MapRegistry registry = new MapRegistry();
    byte[] value =
        new GraphEventCodec(registry, "s").encode(mutation("g1", "c1"), EventFormat.CONFLUENT);
    registry.down = true;
    try (StageOneDriver t = new StageOneDriver(dir, Map.of(), registry)) {
      assertThatThrownBy(() -> t.mutation("g1", value))
          .satisfies(
              e ->
                  assertThat(IngestTopology.causedBy(e, RegistryUnavailableException.class))
                      .isTrue());
      assertThat(t.dlq.isEmpty()).isTrue();
      assertThat(t.graphLog.isEmpty()).isTrue();
      assertThat(registry.lookups).isEqualTo(DecodeProcessor.REGISTRY_ATTEMPTS);
    }
  }

  @Test
  void anUnexpectedFailureWhileDecodingDeadLettersTheRecordAndGoesOn() {
    MapRegistry registry = new MapRegistry();
    byte[] value =
        new GraphEventCodec(registry, "s").encode(mutation("g1", "c1"), EventFormat.CONFLUENT);
    // A registry that answers null: the codec trips over it with a NullPointerException.
    registry.answersNull = true;
    try (StageOneDriver t = new StageOneDriver(dir, Map.of(), registry)) {
      t.mutation("g1", value);
      t.mutation("g1", avro(mutation("g1", "m2")));

      assertThat(t.readBrief()).containsExactly("e:m2");
      TestRecord<byte[], byte[]> dead = t.dlq.readRecord();
      assertThat(dead.value()).isEqualTo(value);
      assertThat(dead.key()).isEqualTo("g1".getBytes(UTF_8));
      assertThat(DeadLetterHeaders.text(dead.headers(), DeadLetterHeaders.CODE))
          .isEqualTo("PROCESSING_FAILED");
      assertThat(DeadLetterHeaders.text(dead.headers(), DeadLetterHeaders.SOURCE_OFFSET))
          .isEqualTo("0");
    }
  }

  @Test
  void streamsPropsPinExactlyOnceAndPassClientSettingsThrough() {
    Properties props =
        IngestTopology.streamsProps(
            StageOneDriver.config(
                dir,
                Map.of(
                    "kafka.security.protocol", "SASL_SSL",
                    "kafka.commit.interval.ms", "250",
                    "kafka.processing.guarantee", "at_least_once")));

    assertThat(props.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG))
        .isEqualTo(StreamsConfig.EXACTLY_ONCE_V2);
    assertThat(props.get(StreamsConfig.APPLICATION_ID_CONFIG)).isEqualTo("stage-one-test");
    assertThat(props.get(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG)).isEqualTo("unused:9092");
    assertThat(props.get(StreamsConfig.STATE_DIR_CONFIG))
        .isEqualTo(dir.resolve("streams").toString());
    assertThat(props.get(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG))
        .isEqualTo(true);
    assertThat(props.get(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG))
        .isEqualTo(TopologyExceptionHandler.class.getName());
    assertThat(props.get("security.protocol")).isEqualTo("SASL_SSL");
    assertThat(props.get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG)).isEqualTo("250");
    // And Kafka Streams accepts the whole set.
    assertThat(new StreamsConfig(props).getLong(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG))
        .isEqualTo(250L);
  }

  @Test
  void writesProducerBatchesOf512KibUnlessAPassthroughSetsTheBatchSize() {
    String name = ProducerConfig.BATCH_SIZE_CONFIG;
    assertThat(stageOneProducer(name, Map.of())).isEqualTo(512 * 1024);
    assertThat(stageOneProducer(name, Map.of("kafka.batch.size", "65536"))).isEqualTo("65536");
    assertThat(
            IngestTopology.streamsProps(
                StageOneDriver.config(dir, Map.of("kafka.batch.size", "65536"))))
        .doesNotContainKey(StreamsConfig.producerPrefix(name));
    assertThat(stageOneProducer(name, Map.of("kafka.producer.batch.size", "131072")))
        .isEqualTo("131072");
  }

  @Test
  void compressesTheGraphLogWithLz4UnlessAPassthroughSetsTheCompression() {
    String name = ProducerConfig.COMPRESSION_TYPE_CONFIG;
    assertThat(stageOneProducer(name, Map.of())).isEqualTo("lz4");
    assertThat(stageOneProducer(name, Map.of("kafka.compression.type", "zstd"))).isEqualTo("zstd");
    assertThat(stageOneProducer(name, Map.of("kafka.producer.compression.type", "none")))
        .isEqualTo("none");
  }

  /** A setting of stage 1's producer as Kafka Streams resolves it from {@code streamsProps}. */
  private Object stageOneProducer(String name, Map<String, String> settings) {
    return new StreamsConfig(IngestTopology.streamsProps(StageOneDriver.config(dir, settings)))
        .getProducerConfigs("client")
        .get(name);
  }

  @Test
  void commitsEvery100MsAndDoesNotIdleTasksByDefault() {
    Properties props = IngestTopology.streamsProps(StageOneDriver.config(dir, Map.of()));
    assertThat(new StreamsConfig(props).getLong(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG))
        .isEqualTo(100L);
    assertThat(new StreamsConfig(props).getLong(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG))
        .isEqualTo(StreamsConfig.MAX_TASK_IDLE_MS_DISABLED);
    Properties tuned =
        IngestTopology.streamsProps(
            StageOneDriver.config(dir, Map.of("kafka.max.task.idle.ms", "0")));
    assertThat(new StreamsConfig(tuned).getLong(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG)).isZero();
  }

  @Test
  void repartitionsByGraphBeforeTheSealingStepAndItsStore() {
    TopologyDescription description =
        IngestTopology.build(StageOneDriver.config(dir, Map.of())).describe();
    String text = description.toString();

    assertThat(text)
        .contains(
            "producer-topics",
            StageOneDriver.MUTATIONS,
            StageOneDriver.LOADS,
            IngestTopology.BY_GRAPH + "-repartition",
            IngestTopology.BATCH_STORE,
            StageOneDriver.GRAPH_LOG,
            StageOneDriver.DLQ);
    // Two sub-topologies: before the repartition (decode, dead letters) and after it (seal).
    assertThat(description.subtopologies()).hasSize(2);
  }

  /** Keyed-by-graph mode over four partitions (the driver reads every record from partition 0). */
  private static final Map<String, String> KEYED =
      Map.of("ingraft.topology.keyed-by-graph", "true", "ingraft.topic.partitions", "4");

  @Test
  void keyedModeWritesTheSameGraphLogAsTheDefaultMode() {
    List<String> graphs = graphsInPartition(0, 4, 3);
    Map<String, String> settings =
        Map.of(
            "ingraft.seal.max-events",
            "3",
            "ingraft.seal.linger-ms",
            "500",
            "ingraft.topic.partitions",
            "4");
    Map<String, String> keyed = new HashMap<>(settings);
    keyed.putAll(KEYED);
    List<TestRecord<String, byte[]>> byDefault =
        sameInput(dir.resolve("default"), settings, graphs);
    List<TestRecord<String, byte[]>> byKey = sameInput(dir.resolve("keyed"), keyed, graphs);

    // Events, seals (count, load, schema, linger), keys and bytes: all the same.
    assertThat(byKey).hasSize(byDefault.size()).hasSizeGreaterThan(30);
    for (int i = 0; i < byDefault.size(); i++) {
      assertThat(byKey.get(i).key()).as("record %d", i).isEqualTo(byDefault.get(i).key());
      assertThat(byKey.get(i).value()).as("record %d", i).isEqualTo(byDefault.get(i).value());
      assertThat(byKey.get(i).headers().toArray()).isEmpty();
    }
    assertThat(byDefault).extracting(TestRecord::key).containsAll(graphs);
    GraphLogCodec codec = new GraphLogCodec();
    assertThat(byDefault)
        .map(r -> codec.decode(r.value()).getEntry())
        .filteredOn(e -> e instanceof Seal)
        .map(e -> ((Seal) e).getReason())
        .contains(SealReason.COUNT, SealReason.LOAD, SealReason.SCHEMA, SealReason.LINGER);
  }

  /** Runs one input over a fresh driver and returns the graph log it wrote. */
  private static List<TestRecord<String, byte[]>> sameInput(
      Path stateDir, Map<String, String> settings, List<String> graphs) {
    try (StageOneDriver t = new StageOneDriver(stateDir, settings)) {
      for (int i = 0; i < 12; i++) {
        for (String g : graphs) {
          String id = g + "-" + i;
          if (i == 0) {
            t.mutation(g, json(schema(g, id)));
          } else if (i % 5 == 0) {
            t.load(g, avro(load(g, id)));
          } else {
            t.mutation(g, i % 2 == 0 ? avro(mutation(g, id)) : json(mutation(g, id)));
          }
        }
        if (i == 6) {
          t.advance(Duration.ofMillis(300));
        }
      }
      t.advance(Duration.ofSeconds(1));
      assertThat(t.dlq.isEmpty()).isTrue();
      return t.graphLog.readRecordsToList();
    }
  }

  @Test
  void theKeyedTopologyHasNoRepartitionAndSealsInTheSourceSubTopology() {
    TopologyDescription description =
        IngestTopology.build(StageOneDriver.config(dir, KEYED)).describe();

    assertThat(description.toString())
        .doesNotContain("repartition")
        .contains(IngestTopology.BATCH_STORE, StageOneDriver.GRAPH_LOG, StageOneDriver.DLQ);
    // One sub-topology: both source topics, decode, seal and its store; task p reads
    // partition p of both topics.
    assertThat(description.subtopologies())
        .singleElement()
        .satisfies(
            sub -> {
              assertThat(sub.nodes())
                  .extracting(TopologyDescription.Node::name)
                  .contains(
                      "producer-topics",
                      "decode",
                      IngestTopology.SEAL_NODE,
                      IngestTopology.GRAPH_LOG_NODE);
              assertThat(sub.nodes())
                  .filteredOn(n -> n instanceof TopologyDescription.Source)
                  .singleElement()
                  .satisfies(
                      n ->
                          assertThat(((TopologyDescription.Source) n).topicSet())
                              .containsExactlyInAnyOrder(
                                  StageOneDriver.MUTATIONS, StageOneDriver.LOADS));
            });
  }

  /** A record keyed-by-graph mode refuses, and the code it must get. */
  record KeyedBadInput(
      String name,
      String key,
      byte[] value,
      String code,
      String graph,
      String eventId,
      String messagePart) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Arguments> keyedBadInputs() {
    String home = graphsInPartition(0, 4, 1).get(0);
    String away = graphsInPartition(2, 4, 1).get(0);
    return Stream.of(
            new KeyedBadInput(
                "no key",
                null,
                avro(mutation(home, "m1")),
                "MISSING_RECORD_KEY",
                home,
                "m1",
                "no key"),
            new KeyedBadInput(
                "key of another graph",
                "other",
                json(mutation(home, "m1")),
                "KEY_MISMATCH",
                home,
                "m1",
                "\"other\""),
            new KeyedBadInput(
                "right key, wrong partition",
                away,
                avro(mutation(away, "m1")),
                "WRONG_PARTITION",
                away,
                "m1",
                "\""
                    + away
                    + "\" is in partition 0 of "
                    + StageOneDriver.MUTATIONS
                    + ", but the default partitioner puts its key in"
                    + " partition 2 of 4"),
            new KeyedBadInput(
                "no key and not an event",
                null,
                "nope".getBytes(UTF_8),
                "NOT_AN_EVENT",
                null,
                null,
                ""))
        .map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("keyedBadInputs")
  void keyedModeDeadLettersRecordsThatBreakTheKeyingAndGoesOn(KeyedBadInput bad) {
    String home = graphsInPartition(0, 4, 1).get(0);
    try (StageOneDriver t = new StageOneDriver(dir, KEYED)) {
      t.mutation(home, avro(mutation(home, "before")));
      t.mutation(bad.key(), bad.value());
      t.mutation(home, avro(mutation(home, "after")));

      assertThat(t.readBrief()).containsExactly("e:before", "e:after");
      assertOneDeadLetter(
          t, bad.key(), bad.value(), bad.code(), bad.messagePart(), bad.graph(), bad.eventId());
    }
  }

  @Test
  void keyedModeChecksLoadsLikeMutations() {
    String home = graphsInPartition(0, 4, 1).get(0);
    String away = graphsInPartition(1, 4, 1).get(0);
    try (StageOneDriver t = new StageOneDriver(dir, KEYED)) {
      t.load(null, avro(load(home, "l1")));
      t.load(away, avro(load(away, "l2")));
      t.load(home, avro(load(home, "l3")));

      assertThat(t.readBrief()).containsExactly("e:l3", "seal:0:1:LOAD");
      assertThat(t.dlq.readRecordsToList())
          .extracting(
              r ->
                  DeadLetterHeaders.text(r.headers(), DeadLetterHeaders.CODE)
                      + "@"
                      + DeadLetterHeaders.text(r.headers(), DeadLetterHeaders.SOURCE_TOPIC))
          .containsExactly(
              "MISSING_RECORD_KEY@" + StageOneDriver.LOADS,
              "WRONG_PARTITION@" + StageOneDriver.LOADS);
    }
  }

  @Test
  void aKeylessRecordIsStillAcceptedInTheDefaultModeWhateverThePartitionCount() {
    String away = graphsInPartition(3, 4, 1).get(0);
    try (StageOneDriver t = new StageOneDriver(dir, Map.of("ingraft.topic.partitions", "4"))) {
      t.mutation(null, avro(mutation(away, "m1")));
      t.mutation(away, avro(mutation(away, "m2")));

      assertThat(t.readBrief()).containsExactly("e:m1", "e:m2");
      assertThat(t.dlq.isEmpty()).isTrue();
    }
  }

  @Test
  void theExpectedPartitionIsTheProducersDefaultPartition() {
    for (int partitions : new int[] {1, 2, 3, 4, 7, 64}) {
      for (int i = 0; i < 500; i++) {
        byte[] key = ("graph-" + i).getBytes(UTF_8);
        assertThat(DecodeProcessor.defaultPartition(key, partitions))
            .as("graph-%d of %d", i, partitions)
            .isEqualTo(BuiltInPartitioner.partitionForKey(key, partitions));
      }
    }
    // murmur2 can be negative: the partition never is.
    assertThat(
            IntStream.range(0, 2000)
                .map(i -> DecodeProcessor.defaultPartition(("n" + i).getBytes(UTF_8), 5)))
        .allSatisfy(p -> assertThat(p).isBetween(0, 4));
  }

  /** The first {@code count} graph ids {@code g0, g1, ...} whose default partition is {@code p}. */
  static List<String> graphsInPartition(int p, int partitions, int count) {
    List<String> out = new ArrayList<>();
    for (int i = 0; out.size() < count; i++) {
      String graph = "g" + i;
      if (DecodeProcessor.defaultPartition(graph.getBytes(UTF_8), partitions) == p) {
        out.add(graph);
      }
    }
    return out;
  }

  @Test
  void sweepsEveryTenthOfTheLingerAtMost20Ms() {
    assertThat(SealingProcessor.sweepInterval(Duration.ofMillis(250)))
        .isEqualTo(Duration.ofMillis(20));
    assertThat(SealingProcessor.sweepInterval(Duration.ofMillis(150)))
        .isEqualTo(Duration.ofMillis(15));
    assertThat(SealingProcessor.sweepInterval(Duration.ofMillis(5)))
        .isEqualTo(Duration.ofMillis(1));
  }

  private static List<String> briefOf(List<Entry> log, String graph) {
    return log.stream().filter(e -> e.key().equals(graph)).map(Entry::brief).toList();
  }

  /** An in-memory registry that can go down or answer nonsense. */
  static final class MapRegistry implements SchemaRegistry {
    private final List<Schema> schemas = new ArrayList<>();
    boolean down;
    boolean answersNull;
    int lookups;

    @Override
    public synchronized int register(String subject, Schema schema) {
      int id = schemas.indexOf(schema);
      if (id < 0) {
        schemas.add(schema);
        id = schemas.size() - 1;
      }
      return id + 1;
    }

    @Override
    public synchronized Schema schemaById(int id) {
      lookups++;
      if (down) {
        throw new IllegalStateException("connection refused");
      }
      if (answersNull) {
        return null;
      }
      if (id < 1 || id > schemas.size()) {
        throw new SchemaRegistryException(
            SchemaRegistryException.Kind.NOT_FOUND,
            404,
            40403,
            "schema " + id + " not found",
            null);
      }
      return schemas.get(id - 1);
    }
  }
}
