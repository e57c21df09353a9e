package io.ingraft.it.pipeline;

import static io.ingraft.it.pipeline.Events.edge;
import static io.ingraft.it.pipeline.Events.list;
import static io.ingraft.it.pipeline.Events.load;
import static io.ingraft.it.pipeline.Events.mutation;
import static io.ingraft.it.pipeline.Events.props;
import static io.ingraft.it.pipeline.Events.rows;
import static io.ingraft.it.pipeline.Events.schema;
import static io.ingraft.it.pipeline.Events.update;
import static io.ingraft.it.pipeline.Events.upsert;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.ingraft.app.dlq.DeadLetterHeaders;
import io.ingraft.app.writer.WriterStats;
import io.ingraft.events.CommitNoticeCodec;
import io.ingraft.events.EventFormat;
import io.ingraft.events.GraphEventCodec;
import io.ingraft.events.GraphLogCodec;
import io.ingraft.events.avro.CommitNotice;
import io.ingraft.events.avro.GraphLogRecord;
import io.ingraft.events.avro.LoadMode;
import io.ingraft.events.avro.LoggedEvent;
import io.ingraft.it.kafka.KafkaTestBroker;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.manifest.CommitKind;
import io.ingraft.storage.manifest.ManifestLog;
import io.ingraft.storage.object.LocalObjectStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Poison records in a running pipeline, interleaved with good events of the same graph on the same
 * partition. Stage 1 must refuse bytes that are not an event, corrupt Avro, JSON missing fields or
 * its event id, and a record keyed by another graph; the writer must refuse an event of a graph
 * that does not exist and events the graph does not accept: an unknown type, a bad value, a missing
 * endpoint, a {@code @card} and a {@code @unique} violation, an append-load key collision, schema
 * text that does not parse and a schema change that is not additive (one of them the last event of
 * its graph). Each must reach the dead-letter topic exactly once with the right reason code, stage
 * and source headers and the original bytes; every good event, including those produced after the
 * poison, must apply (the stream keeps flowing); the commit notices count the rejections; and
 * {@code graph verify} with the Kafka check must find every event the writer committed applied or
 * rejected, never lost.
 *
 * <p>The second test replays the whole graph log into the same storage: nothing is rejected or
 * dead-lettered again (docs/semantics.md, "Replays"), but for the event of the graph that does not
 * exist, which has no manifest to record it in.
 */
@ExtendWith(KafkaTestBroker.Extension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PoisonRecordsTest {
  private static final Logger LOG = LoggerFactory.getLogger(PoisonRecordsTest.class);
  static final String SHOP = "shop";
  static final String GHOST = "ghost";

  /** A graph whose last event is a schema change the engine refuses. */
  static final String TAIL = "tail";

  static final String SCHEMA =
      """
      node Customer {
        id: String @key
        email: String? @unique
        visits: I64?
      }
      node Product { sku: String @key  price: F64? }
      edge Bought: Customer -> Product { qty: I64? }
      edge Favourite: Customer -> Product @card(0..1)
      """;

  @TempDir static Path dir;
  static PipelineRig rig;
  static Scenario scenario;
  static final List<Poison> poison = new ArrayList<>();

  /** A record that must be dead-lettered, and what its dead letter must say. */
  record Poison(Scenario.Sent sent, String stage, String code) {}

  @BeforeAll
  static void startPipeline(KafkaTestBroker kafka) {
    rig = new PipelineRig(kafka, dir);
    long t0 = System.nanoTime();
    rig.start("poison-writer");
    LOG.info("pipeline started in {} ms", (System.nanoTime() - t0) / 1_000_000);
  }

  @AfterAll
  static void stopPipeline() {
    if (rig != null) {
      rig.close();
    }
  }

  @Test
  @Order(1)
  void everyPoisonRecordIsDeadLetteredOnceAndTheStreamKeepsFlowing() throws Exception {
    long t0 = System.nanoTime();
    scenario = new Scenario(rig);
    String mutations = rig.topics.mutations();
    String loads = rig.topics.loads();
    assertThat(SCHEMA.replace("  visits: I64?\n", "")).isNotEqualTo(SCHEMA);
    GraphEventCodec codec = new GraphEventCodec();

    scenario.good(mutations, schema(SHOP, "e1", SCHEMA));
    scenario.good(mutations, schema(TAIL, "t1", SCHEMA));
    scenario.good(mutations, mutation(TAIL, "t2", upsert("Product", "sku", "p1")));
    poison.add(
        new Poison(
            scenario.rejectedByWriter(
                mutations,
                schema(TAIL, "t3", SCHEMA.replace("  visits: I64?\n", "")),
                EventFormat.JSON),
            "writer",
            "INCOMPATIBLE_SCHEMA"));
    scenario.good(
        mutations,
        mutation(
            SHOP,
            "e2",
            upsert("Customer", "id", "c1", "email", "c1@example.org", "visits", 1L),
            upsert("Customer", "id", "c2"),
            upsert("Product", "sku", "p1", "price", 9.5),
            upsert("Product", "sku", "p2")));
    // Stage 1 refusals. Producer headers travel with the dead letter, except ingraft.* ones.
    RecordHeaders traced = new RecordHeaders();
    traced.add("trace-id", "t-42".getBytes(UTF_8));
    traced.add(DeadLetterHeaders.CODE, "FORGED".getBytes(UTF_8));
    poison.add(
        new Poison(
            scenario.raw(
                mutations, SHOP.getBytes(UTF_8), "this is not an event".getBytes(UTF_8), traced),
            "topology",
            "NOT_AN_EVENT"));
    scenario.good(mutations, mutation(SHOP, "e3", edge("Bought", "b1", "c1", "p1", "qty", 2L)));
    poison.add(
        new Poison(
            scenario.raw(
                mutations,
                SHOP,
                ("{\"graph\": \"shop\", \"eventId\": \"x1\","
                        + " \"mutation\": {\"ops\": [{\"op\": \"updateNode\", \"type\": \"Customer\","
                        + " \"set\": {\"visits\": 2}}]}}")
                    .getBytes(UTF_8)),
            "topology",
            "MISSING_FIELD"));
    poison.add(
        new Poison(
            scenario.raw(
                mutations, SHOP, "{\"graph\": \"shop\", \"eventId\": \"x2\"}".getBytes(UTF_8)),
            "topology",
            "MISSING_FIELD"));
    poison.add(
        new Poison(
            scenario.raw(
                mutations,
                SHOP,
                ("{\"graph\": \"shop\", \"mutation\":"
                        + " {\"ops\": [{\"op\": \"deleteNode\", \"type\": \"Customer\", \"key\": \"c2\"}]}}")
                    .getBytes(UTF_8)),
            "topology",
            "MISSING_EVENT_ID"));
    poison.add(
        new Poison(
            scenario.raw(
                mutations,
                SHOP,
                codec.encode(
                    mutation("elsewhere", "x3", upsert("Customer", "id", "c9")), EventFormat.AVRO)),
            "topology",
            "KEY_MISMATCH"));
    byte[] avro =
        codec.encode(mutation(SHOP, "x10", upsert("Customer", "id", "c8")), EventFormat.AVRO);
    poison.add(
        new Poison(
            scenario.raw(loads, SHOP, Arrays.copyOf(avro, avro.length - 3)),
            "topology",
            "BAD_AVRO"));
    scenario.good(mutations, mutation(SHOP, "e4", update("Customer", "c2", "visits", 5L)));

    // Stage 2 refusals: valid events the graph does not accept.
    poison.add(
        new Poison(
            scenario.rejectedByWriter(
                mutations, mutation(GHOST, "g1", upsert("Customer", "id", "c1")), EventFormat.JSON),
            "writer",
            "UNKNOWN_GRAPH"));
    poison.add(
        new Poison(
            scenario.rejectedByWriter(
                mutations, mutation(SHOP, "x4", upsert("Robot", "id", "r1")), EventFormat.AVRO),
            "writer",
            "UNKNOWN_TYPE"));
    scenario.good(mutations, mutation(SHOP, "e5", upsert("Customer", "id", "c3", "visits", 7L)));
    poison.add(
        new Poison(
            scenario.rejectedByWriter(
                mutations,
                mutation(SHOP, "x5", update("Customer", "c1", "visits", "many")),
                EventFormat.JSON),
            "writer",
            "BAD_VALUE"));
    poison.add(
        new Poison(
            scenario.rejectedByWriter(
                mutations,
                // The first op is fine; the event is refused whole.
                mutation(
                    SHOP, "x6", upsert("Product", "sku", "p3"), edge("Bought", null, "c1", "p404")),
                EventFormat.AVRO),
            "writer",
            "MISSING_ENDPOINT"));
    scenario.good(mutations, mutation(SHOP, "e6", edge("Favourite", "f1", "c1", "p1")));
    poison.add(
        new Poison(
            scenario.rejectedByWriter(
                mutations,
                mutation(SHOP, "x7", edge("Favourite", "f2", "c1", "p2")),
                EventFormat.JSON),
            "writer",
            "CARDINALITY"));
    poison.add(
        new Poison(
            scenario.rejectedByWriter(
                mutations,
                mutation(SHOP, "x8", update("Customer", "c2", "email", "c1@example.org")),
                EventFormat.AVRO),
            "writer",
            "UNIQUENESS"));
    // Schema events the engine refuses: text that does not parse, and a change that drops a
    // property (not additive).
    poison.add(
        new Poison(
            scenario.rejectedByWriter(
                mutations, schema(SHOP, "x11", "node Customer {"), EventFormat.JSON),
            "writer",
            "BAD_SCHEMA"));
    poison.add(
        new Poison(
            scenario.rejectedByWriter(
                mutations,
                schema(SHOP, "x12", SCHEMA.replace("  visits: I64?\n", "")),
                EventFormat.AVRO),
            "writer",
            "INCOMPATIBLE_SCHEMA"));
    scenario.awaitPhase();

    // Phase 2 (loads topic): an append load that collides, between good loads.
    scenario.good(
        loads,
        load(
            SHOP,
            "e7",
            LoadMode.APPEND,
            rows("Product", list(props("sku", "p4", "price", 1.25))),
            Map.of()));
    poison.add(
        new Poison(
            scenario.rejectedByWriter(
                loads,
                load(
                    SHOP,
                    "x9",
                    LoadMode.APPEND,
                    rows("Product", list(props("sku", "p5"), props("sku", "p1"))),
                    Map.of()),
                EventFormat.JSON),
            "writer",
            "KEY_COLLISION"));
    scenario.good(
        loads,
        load(
            SHOP,
            "e8",
            LoadMode.MERGE,
            rows("Customer", list(props("id", "c4", "email", "c4@example.org"))),
            Map.of()));
    scenario.awaitPhase();

    // Phase 3: good events produced after all the poison still apply.
    scenario.good(
        mutations,
        mutation(
            SHOP,
            "e9",
            update("Customer", "c2", "email", "c2@example.org"),
            edge("Favourite", "f2", "c2", "p2"),
            edge("Bought", null, "c3", "p4", "qty", 1L)));
    scenario.good(mutations, mutation(SHOP, "e10", update("Customer", "c1", "visits", 3L)));
    scenario.awaitPhase();
    int expectedDeadLetters = poison.size();
    KafkaTestBroker.await(
        PipelineRig.TIMEOUT,
        expectedDeadLetters + " dead letters",
        () -> rig.readAll(rig.topics.dlq()).size() >= expectedDeadLetters);
    rig.awaitCommittedToEnd();
    LOG.info(
        "{} good and {} poison records through the pipeline in {} ms",
        scenario.toApply(),
        poison.size(),
        (System.nanoTime() - t0) / 1_000_000);

    // The good events, before and after the poison, all applied.
    assertThat(rig.export(SHOP)).isEqualTo(scenario.graph(SHOP).export());
    assertThat(rig.export(TAIL)).isEqualTo(scenario.graph(TAIL).export());
    assertThat(scenario.graph(SHOP).export())
        .contains("\"key\":\"c1\",\"props\":{\"email\":\"c1@example.org\",\"visits\":3}}")
        .contains("\"key\":\"c2\",\"props\":{\"email\":\"c2@example.org\",\"visits\":5}}")
        .doesNotContain("p3", "p5", "r1", "c9");
    assertThat(rig.pipeline().engine().exists(GraphId.of(GHOST))).isFalse();
    long writerPoison = poison.stream().filter(p -> p.stage().equals("writer")).count();
    WriterStats stats = rig.pipeline().stats();
    assertThat(stats.eventsApplied()).isEqualTo(scenario.toApply());
    assertThat(stats.eventsRejected()).isEqualTo(writerPoison);
    assertThat(stats.deadLetters()).isEqualTo(writerPoison);

    // Each poison record is dead-lettered exactly once, and nothing else is.
    List<ConsumerRecord<byte[], byte[]>> deadLetters = rig.readAll(rig.topics.dlq());
    assertThat(deadLetters).hasSize(poison.size());
    Map<TopicPartition, Map<Long, byte[]>> graphLog = graphLog();
    GraphLogCodec logCodec = new GraphLogCodec();
    List<ConsumerRecord<byte[], byte[]>> unmatched = new ArrayList<>(deadLetters);
    for (Poison p : poison) {
      Scenario.Sent sent = p.sent();
      List<ConsumerRecord<byte[], byte[]>> matching = new ArrayList<>();
      for (ConsumerRecord<byte[], byte[]> dl : deadLetters) {
        boolean same =
            p.stage().equals("topology")
                ? Arrays.equals(dl.value(), sent.value)
                : sent.eventId().equals(header(dl, DeadLetterHeaders.EVENT_ID))
                    && sent.event.getGraph().equals(header(dl, DeadLetterHeaders.GRAPH));
        if (same) {
          matching.add(dl);
        }
      }
      assertThat(matching).as("dead letters of " + p).hasSize(1);
      ConsumerRecord<byte[], byte[]> dl = matching.get(0);
      unmatched.remove(dl);
      assertThat(header(dl, DeadLetterHeaders.STAGE)).as(p.toString()).isEqualTo(p.stage());
      assertThat(header(dl, DeadLetterHeaders.CODE)).as(p.toString()).isEqualTo(p.code());
      assertThat(dl.headers().headers(DeadLetterHeaders.CODE)).as(p.toString()).hasSize(1);
      assertThat(header(dl, DeadLetterHeaders.MESSAGE)).as(p.toString()).isNotBlank();
      assertThat(dl.key()).as(p.toString()).isEqualTo(sent.key);
      if (p.stage().equals("topology")) {
        // The producer's record, unchanged, and where it was produced.
        assertThat(dl.value()).isEqualTo(sent.value);
        assertThat(header(dl, DeadLetterHeaders.SOURCE_TOPIC)).isEqualTo(sent.topic);
        assertThat(header(dl, DeadLetterHeaders.SOURCE_PARTITION))
            .isEqualTo(Integer.toString(sent.partition));
        assertThat(header(dl, DeadLetterHeaders.SOURCE_OFFSET))
            .isEqualTo(Long.toString(sent.offset));
      } else {
        // The graph-log record the writer read (docs/architecture.md, stage 2), which wraps the
        // producer's event with where it was produced; re-encoded, it is the producer's bytes.
        String at =
            header(dl, DeadLetterHeaders.SOURCE_TOPIC)
                + "-"
                + header(dl, DeadLetterHeaders.SOURCE_PARTITION)
                + "@"
                + header(dl, DeadLetterHeaders.SOURCE_OFFSET);
        assertThat(header(dl, DeadLetterHeaders.SOURCE_TOPIC)).isEqualTo(rig.topics.graphLog());
        byte[] logged =
            graphLog
                .get(
                    new TopicPartition(
                        rig.topics.graphLog(),
                        Integer.parseInt(header(dl, DeadLetterHeaders.SOURCE_PARTITION))))
                .get(Long.parseLong(header(dl, DeadLetterHeaders.SOURCE_OFFSET)));
        assertThat(logged).as("graph-log record at " + at).isNotNull();
        assertThat(dl.value()).as(at).isEqualTo(logged);
        GraphLogRecord record = logCodec.decode(dl.value());
        assertThat(record.getEntry()).isInstanceOf(LoggedEvent.class);
        LoggedEvent event = (LoggedEvent) record.getEntry();
        assertThat(event.getSourceTopic()).isEqualTo(sent.topic);
        assertThat(event.getSourcePartition()).isEqualTo(sent.partition);
        assertThat(event.getSourceOffset()).isEqualTo(sent.offset);
        assertThat(codec.encode(event.getEvent(), sent.format)).isEqualTo(sent.value);
      }
    }
    assertThat(unmatched).isEmpty();
    RecordHeaders expectedTrace = new RecordHeaders();
    expectedTrace.add("trace-id", "t-42".getBytes(UTF_8));
    ConsumerRecord<byte[], byte[]> tracedLetter =
        deadLetters.stream()
            .filter(dl -> Arrays.equals(dl.value(), "this is not an event".getBytes(UTF_8)))
            .findFirst()
            .orElseThrow();
    assertThat(header(tracedLetter, "trace-id")).isEqualTo("t-42");

    // The manifest chain verifies, and every event the writer group committed is applied,
    // rejected events included (docs/semantics.md: "Rejected events also advance the offset").
    for (String graph : List.of(SHOP, TAIL)) {
      PipelineRig.Verified verify = rig.verify(graph);
      assertThat(verify.ok()).as(graph + ": " + verify.report()).isTrue();
    }

    // Commit notices: the applied events of each graph, and the rejections of each published
    // version (the ghost graph has none).
    CommitNoticeCodec notices = new CommitNoticeCodec();
    Map<String, long[]> totals = new LinkedHashMap<>();
    for (ConsumerRecord<byte[], byte[]> record : rig.readAll(rig.topics.commits())) {
      CommitNotice notice = notices.decode(record.value());
      long[] t = totals.computeIfAbsent(notice.getGraph(), g -> new long[2]);
      t[0] += notice.getApplied();
      t[1] += notice.getRejected();
    }
    assertThat(totals.keySet()).containsExactlyInAnyOrder(SHOP, TAIL);
    for (String graph : List.of(SHOP, TAIL)) {
      assertThat(totals.get(graph)[0]).as(graph).isEqualTo(scenario.applied.get(graph).size());
      assertThat(totals.get(graph)[1])
          .as(graph)
          .isEqualTo(
              poison.stream()
                  .filter(
                      p -> p.stage().equals("writer") && graph.equals(p.sent().event.getGraph()))
                  .count());
    }
  }

  /**
   * A full replay of the graph log (the writer group reset to the beginning, a new pipeline on the
   * same storage): every event of the graph was applied or rejected before, so every one is
   * skipped, and no dead letter or version is added but the new owner's epoch claims, whose notices
   * are the only new ones. docs/semantics.md: "Rejected events also advance the offset: a replay
   * does not reject them again." The ghost graph's event is the exception: its graph has no
   * manifest to record it.
   */
  @Test
  @Order(2)
  void aFullReplayOfTheGraphLogRejectsNothingAgain() throws Exception {
    assertThat(scenario).as("the first test ran").isNotNull();
    rig.awaitCommittedToEnd();
    List<String> deadLettersBefore = deadLetterIds();
    int noticesBefore = rig.readAll(rig.topics.commits()).size();
    Map<String, Long> versionsBefore = new HashMap<>();
    for (String graph : List.of(SHOP, TAIL)) {
      versionsBefore.put(graph, rig.pipeline().engine().snapshot(GraphId.of(graph)).version());
    }
    rig.stop();
    Map<TopicPartition, OffsetAndMetadata> zero = new HashMap<>();
    for (int p = 0; p < PipelineRig.PARTITIONS; p++) {
      zero.put(new TopicPartition(rig.topics.graphLog(), p), new OffsetAndMetadata(0));
    }
    rig.kafka
        .admin()
        .alterConsumerGroupOffsets(rig.config("probe").writer().groupId(), zero)
        .all()
        .get(30, TimeUnit.SECONDS);
    long records = graphLog().values().stream().mapToLong(Map::size).sum();
    rig.start("poison-writer-replay");
    rig.awaitStats(
        "the replay read the whole graph log",
        s -> s.recordsRead() == records && s.heldEvents() == 0);
    rig.awaitCommittedToEnd();
    WriterStats replay = rig.pipeline().stats();
    List<String> again = deadLetterIds();
    deadLettersBefore.forEach(again::remove);
    assertThat(again)
        .as("dead-lettered again by the replay")
        .containsExactly("ghost/g1 UNKNOWN_GRAPH");
    assertThat(replay.eventsApplied()).isZero();
    assertThat(replay.eventsRejected()).isEqualTo(1);
    assertThat(rig.export(SHOP)).isEqualTo(scenario.graph(SHOP).export());
    assertThat(rig.export(TAIL)).isEqualTo(scenario.graph(TAIL).export());
    long claims = 0;
    try (LocalObjectStore store = new LocalObjectStore(rig.storageRoot())) {
      for (String graph : List.of(SHOP, TAIL)) {
        ManifestLog log = new ManifestLog(store, GraphId.of(graph));
        for (long v = versionsBefore.get(graph) + 1; v <= log.require().version(); v++) {
          assertThat(log.read(v).commit().kind())
              .as(graph + " version " + v)
              .isEqualTo(CommitKind.EPOCH_CLAIM);
        }
        claims += log.require().version() - versionsBefore.get(graph);
        assertThat(rig.verify(graph).ok()).as(graph).isTrue();
      }
    }
    // Only the replay's epoch claims are new versions: their notices go out, nothing older again.
    assertThat(rig.readAll(rig.topics.commits())).hasSize(noticesBefore + (int) claims);
  }

  /** Every dead letter as "graph/eventId CODE" (nulls for what stage 1 could not know). */
  private static List<String> deadLetterIds() {
    List<String> ids = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> dl : rig.readAll(rig.topics.dlq())) {
      ids.add(
          header(dl, DeadLetterHeaders.GRAPH)
              + "/"
              + header(dl, DeadLetterHeaders.EVENT_ID)
              + " "
              + header(dl, DeadLetterHeaders.CODE));
    }
    return ids;
  }

  private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
    return DeadLetterHeaders.text(record.headers(), name);
  }

  /** Every graph-log record's value by partition and offset. */
  private static Map<TopicPartition, Map<Long, byte[]>> graphLog() {
    Map<TopicPartition, Map<Long, byte[]>> out = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : rig.readAll(rig.topics.graphLog())) {
      out.computeIfAbsent(new TopicPartition(r.topic(), r.partition()), k -> new HashMap<>())
          .put(r.offset(), r.value());
    }
    return out;
  }
}
