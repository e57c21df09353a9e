package io.ingraft.it.writer;

import static io.ingraft.it.writer.WriterRig.deleteNode;
import static io.ingraft.it.writer.WriterRig.edge;
import static io.ingraft.it.writer.WriterRig.load;
import static io.ingraft.it.writer.WriterRig.mutation;
import static io.ingraft.it.writer.WriterRig.props;
import static io.ingraft.it.writer.WriterRig.schema;
import static io.ingraft.it.writer.WriterRig.update;
import static io.ingraft.it.writer.WriterRig.upsert;
import static org.assertj.core.api.Assertions.assertThat;

import io.ingraft.app.config.IngraftConfig;
import io.ingraft.app.dlq.DeadLetterHeaders;
import io.ingraft.app.writer.GraphWriter;
import io.ingraft.app.writer.WriterStats;
import io.ingraft.engine.GraphEngine;
import io.ingraft.events.CommitNoticeCodec;
import io.ingraft.events.GraphLogCodec;
import io.ingraft.events.avro.CommitNotice;
import io.ingraft.events.avro.EdgeRow;
import io.ingraft.events.avro.LoadMode;
import io.ingraft.it.kafka.KafkaTestBroker;
import io.ingraft.recovery.Failpoints;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.RetryRecord;
import io.ingraft.storage.manifest.CommitKind;
import io.ingraft.storage.manifest.Manifest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The graph writer against a real broker and real Lance tables: batches between seals, dead
 * letters, commit notices, offsets committed only after the publish, restarts and replays that
 * change nothing, retries after a storage failure, and fencing.
 */
@ExtendWith(KafkaTestBroker.Extension.class)
class GraphWriterTest {
  static final String SCHEMA =
      """
      node Person {
        name: String @key
        age: I64?
      }
      node Company { name: String @key }
      edge WorksAt: Person -> Company { since: Date? }
      edge Knows: Person -> Person
      """;
  static final String SCHEMA_WITH_CITY =
      """
      node Person {
        name: String @key
        age: I64?
        city: String?
      }
      node Company { name: String @key }
      edge WorksAt: Person -> Company { since: Date? }
      edge Knows: Person -> Person
      """;

  @TempDir Path dir;
  WriterRig rig;
  GraphWriter writer;

  @BeforeEach
  void setUp(KafkaTestBroker kafka) {
    rig = new WriterRig(kafka, dir, 3);
  }

  @AfterEach
  void tearDown() {
    Failpoints.disarmAll();
    if (writer != null) {
      writer.close();
    }
    rig.close();
  }

  @Test
  void appliesEachSealedBatchOnceAndCommitsOnlyPublishedWork() throws Exception {
    // alpha alone on partition 0; beta and gamma share partition 1; partition 2 stays empty.
    rig.batch(0, schema("alpha", "a1", SCHEMA));
    rig.batch(1, schema("beta", "b1", SCHEMA));
    rig.batch(1, schema("gamma", "c1", SCHEMA));
    rig.batch(
        0,
        mutation(
            "alpha",
            "a2",
            upsert("Person", "name", "ada", "age", 36L),
            upsert("Person", "name", "bob", "age", 41L),
            upsert("Company", "name", "acme")),
        mutation(
            "alpha",
            "a3",
            edge("Knows", "k1", "ada", "bob"),
            edge("WorksAt", "w1", "ada", "acme", "since", "2024-01-31")));
    rig.batch(
        1,
        load(
            "beta",
            "b2",
            LoadMode.APPEND,
            Map.of(
                "Person",
                List.of(props("name", "carl", "age", 50L), props("name", "dora")),
                "Company",
                List.of(props("name", "initech"))),
            Map.of("WorksAt", List.of(new EdgeRow("carl", "initech", "w9", Map.of())))));
    rig.event(1, mutation("gamma", "c2", upsert("Person", "name", "eve", "age", 22L)));
    // A schema change in the middle of a batch: three manifest versions from one batch.
    rig.event(1, schema("gamma", "c3", SCHEMA_WITH_CITY));
    rig.event(1, mutation("gamma", "c4", update("Person", "eve", "city", "Oslo")));
    rig.event(
        1, mutation("gamma", "c5", upsert("Person", "name", "fay", "age", 30L, "city", "Bergen")));
    rig.batch(
        0,
        mutation("alpha", "a4", update("Person", "ada", "age", 37L)),
        mutation("alpha", "a5", deleteNode("Person", "bob")));
    RecordMetadata ghost =
        rig.event(1, mutation("beta", "b3", update("Person", "ghost", "age", 1L)));
    rig.event(1, mutation("beta", "b4", upsert("Person", "name", "dora", "age", 29L)));
    rig.seal(1, "gamma");
    rig.seal(1, "beta");
    int events = 14;
    int records = events + 8;
    Map<String, String> expected =
        Map.of(
            "alpha",
                """
            {"kind":"node","type":"Company","key":"acme","props":{}}
            {"kind":"node","type":"Person","key":"ada","props":{"age":37}}
            {"kind":"edge","type":"WorksAt","id":"w1","from":"ada","to":"acme","props":{"since":"2024-01-31"}}
            """,
            "beta",
                """
            {"kind":"node","type":"Company","key":"initech","props":{}}
            {"kind":"node","type":"Person","key":"carl","props":{"age":50}}
            {"kind":"node","type":"Person","key":"dora","props":{"age":29}}
            {"kind":"edge","type":"WorksAt","id":"w9","from":"carl","to":"initech","props":{}}
            """,
            "gamma",
                """
            {"kind":"node","type":"Person","key":"eve","props":{"age":22,"city":"Oslo"}}
            {"kind":"node","type":"Person","key":"fay","props":{"age":30,"city":"Bergen"}}
            """);

    GraphEngine engine = rig.engine("writer-1");
    writer = rig.startWriter("writer-1", engine);
    rig.awaitCommittedToEnd();
    KafkaTestBroker.await(
        WriterRig.TIMEOUT, "stats settled", () -> writer.stats().commitNotices() == 13);
    WriterStats first = writer.stats();
    writer.close();

    for (String graph : expected.keySet()) {
      assertThat(rig.export(engine, graph)).as(graph).isEqualTo(expected.get(graph));
    }
    assertThat(first.recordsRead()).isEqualTo(records);
    assertThat(first.batches()).isEqualTo(8);
    assertThat(first.eventsApplied()).isEqualTo(events - 1);
    assertThat(first.eventsRejected()).isEqualTo(1);
    assertThat(first.eventsSkipped()).isZero();
    assertThat(first.deadLetters()).isEqualTo(1);
    assertThat(first.retries()).isZero();
    assertThat(first.lastPublish()).isNotNull();

    // The DLQ holds exactly the rejected event: its original bytes and the reason headers.
    List<ConsumerRecord<byte[], byte[]>> dead = rig.readAll(rig.dlq);
    assertThat(dead).hasSize(1);
    ConsumerRecord<byte[], byte[]> letter = dead.get(0);
    ConsumerRecord<byte[], byte[]> original = graphLogRecordAt(ghost);
    assertThat(letter.key()).isEqualTo("beta".getBytes(StandardCharsets.UTF_8));
    assertThat(letter.value()).isEqualTo(original.value());
    assertThat(headers(letter))
        .isEqualTo(
            Map.of(
                DeadLetterHeaders.STAGE, "writer",
                DeadLetterHeaders.CODE, "NODE_NOT_FOUND",
                DeadLetterHeaders.MESSAGE, headers(letter).get(DeadLetterHeaders.MESSAGE),
                DeadLetterHeaders.SOURCE_TOPIC, rig.graphLog,
                DeadLetterHeaders.SOURCE_PARTITION, "1",
                DeadLetterHeaders.SOURCE_OFFSET, Long.toString(ghost.offset()),
                DeadLetterHeaders.GRAPH, "beta",
                DeadLetterHeaders.EVENT_ID, "b3"));
    assertThat(headers(letter).get(DeadLetterHeaders.MESSAGE)).contains("ghost");

    // One commit notice per manifest version: the batches', and the epoch claim the engine
    // made after creating each graph (its own kind, no events).
    List<CommitNotice> notices = notices();
    assertThat(notices).hasSize(13);
    for (String graph : expected.keySet()) {
      List<Manifest> versions = rig.manifests(graph);
      Set<Long> published =
          versions.stream().map(Manifest::version).collect(Collectors.toCollection(TreeSet::new));
      Map<Long, CommitNotice> byVersion =
          notices.stream()
              .filter(n -> n.getGraph().equals(graph))
              .collect(
                  Collectors.toMap(
                      CommitNotice::getManifestVersion,
                      n -> n,
                      (a, b) -> {
                        throw new AssertionError(
                            "two notices for " + graph + " version " + a.getManifestVersion());
                      },
                      TreeMap::new));
      assertThat(byVersion.keySet()).as(graph).isEqualTo(published);
      for (CommitNotice notice : byVersion.values()) {
        Manifest manifest =
            versions.stream()
                .filter(m -> m.version() == notice.getManifestVersion())
                .findFirst()
                .orElseThrow();
        Map<String, Long> pins = new HashMap<>();
        manifest.tables().forEach((table, pin) -> pins.put(table, pin.version()));
        assertThat(notice.getTables()).isEqualTo(pins);
        assertThat(notice.getPublishedAt()).isEqualTo(manifest.time().toEpochMilli());
        assertThat(notice.getKind()).isEqualTo(manifest.commit().kind().name());
        if (manifest.commit().kind() == CommitKind.EPOCH_CLAIM) {
          assertThat(notice.getApplied()).isZero();
          assertThat(notice.getFirstOffset()).isNull();
          continue;
        }
        assertThat(notice.getFreshnessMs()).isNotNull().isNotNegative();
        assertThat(notice.getFirstOffset()).isLessThanOrEqualTo(notice.getLastOffset());
      }
    }
    assertThat(notices.stream().filter(n -> n.getGraph().equals("gamma")).count())
        .as("gamma: create, claim, first mutation, schema change, last two mutations")
        .isEqualTo(5);
    CommitNotice withRejection =
        notices.stream()
            .filter(n -> n.getGraph().equals("beta") && n.getRejected() == 1)
            .findFirst()
            .orElseThrow();
    assertThat(withRejection.getApplied()).isEqualTo(1);
    assertThat(withRejection.getFirstOffset()).isEqualTo(ghost.offset());
    assertThat(notices.stream().mapToInt(CommitNotice::getApplied).sum()).isEqualTo(events - 1);

    Map<String, Long> latest = latestVersions(expected.keySet());

    // A restart on the same group: the committed offsets are at the end, nothing comes back.
    GraphEngine second = rig.engine("writer-2");
    writer = rig.startWriter("writer-2", second);
    KafkaTestBroker.await(
        WriterRig.TIMEOUT,
        "writer-2 assigned and caught up",
        () -> {
          WriterStats s = writer.stats();
          return s.assignedPartitions() == 3 && s.lag() == 0;
        });
    WriterStats restarted = writer.stats();
    writer.close();
    assertThat(restarted.recordsRead()).isZero();
    assertThat(restarted.batches()).isZero();
    assertThat(latestVersions(expected.keySet())).isEqualTo(latest);

    // Replay everything: reset the group to offset 0. Every event is skipped, no version added
    // but the new owner's epoch claims, and no dead letter or notice is sent again.
    Map<TopicPartition, OffsetAndMetadata> zero = new HashMap<>();
    for (int p = 0; p < 3; p++) {
      zero.put(new TopicPartition(rig.graphLog, p), new OffsetAndMetadata(0));
    }
    rig.kafka.admin().alterConsumerGroupOffsets(rig.group, zero).all().get(30, TimeUnit.SECONDS);
    GraphEngine third = rig.engine("writer-3");
    writer = rig.startWriter("writer-3", third);
    rig.awaitCommittedToEnd();
    KafkaTestBroker.await(
        WriterRig.TIMEOUT,
        "replay read",
        () -> writer.stats().recordsRead() == records && writer.stats().heldEvents() == 0);
    WriterStats replay = writer.stats();
    writer.close();
    assertThat(replay.eventsSkipped()).isEqualTo(events);
    assertThat(replay.eventsApplied()).isZero();
    assertThat(replay.eventsRejected()).isZero();
    // The only new versions are the replay's epoch claims, one per graph: their notices go out
    // (under a notice mark, since they cover no events); nothing older is sent again.
    assertThat(replay.commitNotices()).isEqualTo(expected.size());
    assertThat(replay.deadLetters()).isZero();
    for (String graph : expected.keySet()) {
      assertThat(rig.export(third, graph)).as(graph).isEqualTo(expected.get(graph));
      List<Manifest> added =
          rig.manifests(graph).stream().filter(m -> m.version() > latest.get(graph)).toList();
      assertThat(added)
          .as(graph)
          .extracting(m -> m.commit().kind())
          .containsOnly(CommitKind.EPOCH_CLAIM);
    }
    assertThat(rig.readAll(rig.dlq)).hasSize(1);
    List<CommitNotice> all = notices();
    assertThat(all).hasSize(13 + expected.size());
    assertThat(all.stream().filter(n -> n.getManifestVersion() > latest.get(n.getGraph())))
        .as("the replay's notices")
        .hasSize(expected.size())
        .extracting(CommitNotice::getKind)
        .containsOnly(CommitKind.EPOCH_CLAIM.name());
  }

  @Test
  void deadLettersUndecodableRecordsAndKeepsGoing() {
    RecordMetadata garbage =
        rig.sendRaw(
            2,
            "delta".getBytes(StandardCharsets.UTF_8),
            "not a graph-log record".getBytes(StandardCharsets.UTF_8));
    RecordMetadata empty = rig.sendRaw(2, null, null);
    rig.batch(2, schema("delta", "d1", SCHEMA));
    rig.batch(2, mutation("delta", "d2", upsert("Company", "name", "acme")));

    GraphEngine engine = rig.engine("writer-bad");
    writer = rig.startWriter("writer-bad", engine);
    rig.awaitCommittedToEnd();

    assertThat(rig.export(engine, "delta"))
        .isEqualTo("{\"kind\":\"node\",\"type\":\"Company\",\"key\":\"acme\",\"props\":{}}\n");
    List<ConsumerRecord<byte[], byte[]>> dead = rig.readAll(rig.dlq);
    assertThat(dead)
        .extracting(r -> headers(r).get(DeadLetterHeaders.CODE))
        .containsExactly(GraphWriter.BAD_LOG_RECORD, GraphWriter.BAD_LOG_RECORD);
    assertThat(dead)
        .extracting(r -> headers(r).get(DeadLetterHeaders.SOURCE_OFFSET))
        .containsExactly(Long.toString(garbage.offset()), Long.toString(empty.offset()));
    assertThat(dead.get(0).value())
        .isEqualTo("not a graph-log record".getBytes(StandardCharsets.UTF_8));
    assertThat(headers(dead.get(0)).get(DeadLetterHeaders.GRAPH)).isEqualTo("delta");
    assertThat(headers(dead.get(0))).doesNotContainKey(DeadLetterHeaders.EVENT_ID);
    assertThat(headers(dead.get(0)).get(DeadLetterHeaders.STAGE)).isEqualTo("writer");
  }

  @Test
  void deadLettersARecordThatOnlyTheWorkerFindsUndecodable() {
    // The head (graph, body kind) reads, so the poll thread buffers the bytes; the rest is cut
    // off, so the worker's decode fails: the same dead letter as a record the poll thread rejects.
    byte[] whole =
        rig.encode(
            GraphLogCodec.logged(
                mutation("zeta", "z2", upsert("Company", "name", "lost")),
                "ingraft.mutations",
                0,
                0));
    byte[] cut = Arrays.copyOf(whole, whole.length - 4);
    String expectedReason;
    try {
      new GraphLogCodec().decode(cut);
      throw new AssertionError("a cut record decodes");
    } catch (RuntimeException e) {
      expectedReason = e.getMessage();
    }
    rig.batch(2, schema("zeta", "z1", SCHEMA));
    RecordMetadata bad = rig.sendRaw(2, "zeta".getBytes(StandardCharsets.UTF_8), cut);
    rig.batch(2, mutation("zeta", "z3", upsert("Company", "name", "acme")));

    GraphEngine engine = rig.engine("writer-late-bad");
    writer = rig.startWriter("writer-late-bad", engine);
    rig.awaitCommittedToEnd();

    assertThat(rig.export(engine, "zeta"))
        .isEqualTo("{\"kind\":\"node\",\"type\":\"Company\",\"key\":\"acme\",\"props\":{}}\n");
    List<ConsumerRecord<byte[], byte[]>> dead = rig.readAll(rig.dlq);
    assertThat(dead).hasSize(1);
    Map<String, String> headers = headers(dead.get(0));
    assertThat(headers.get(DeadLetterHeaders.CODE)).isEqualTo(GraphWriter.BAD_LOG_RECORD);
    assertThat(headers.get(DeadLetterHeaders.MESSAGE)).isEqualTo(expectedReason);
    assertThat(headers.get(DeadLetterHeaders.SOURCE_OFFSET)).isEqualTo(Long.toString(bad.offset()));
    assertThat(headers.get(DeadLetterHeaders.GRAPH)).isEqualTo("zeta");
    assertThat(headers).doesNotContainKey(DeadLetterHeaders.EVENT_ID);
    assertThat(dead.get(0).value()).isEqualTo(cut);
  }

  @Test
  void retriesABatchThatFailedInStorageUntilItIsPublishedOnce() {
    rig.batch(0, schema("epsilon", "e1", SCHEMA));
    GraphEngine engine = rig.engine("writer-retry");
    writer = rig.startWriter("writer-retry", engine);
    rig.awaitCommittedToEnd();
    TopicPartition p0 = new TopicPartition(rig.graphLog, 0);
    long committedBefore = rig.committed().get(p0);

    // Staging fails (think: a full disk) until the fault goes away.
    Failpoints.arm(Failpoints.AFTER_STAGING, Failpoints.Action.THROW);
    rig.batch(
        0,
        mutation(
            "epsilon",
            "e2",
            upsert("Person", "name", "ada", "age", 1L),
            upsert("Person", "name", "bob")),
        mutation("epsilon", "e3", edge("Knows", "k", "ada", "bob")));
    rig.batch(0, mutation("epsilon", "e4", update("Person", "ada", "age", 2L)));
    KafkaTestBroker.await(WriterRig.TIMEOUT, "retries", () -> writer.stats().retries() >= 3);
    // Nothing is committed past the failing batch, and the batch behind it waits its turn.
    assertThat(rig.committed().get(p0)).isEqualTo(committedBefore);
    assertThat(writer.stats().batches()).isEqualTo(1);
    // Stuck: the streak is recorded in storage, for graph status and graph verify.
    GraphId epsilon = GraphId.of("epsilon");
    KafkaTestBroker.await(
        WriterRig.TIMEOUT, "a retry record", () -> engine.retryRecords().read(epsilon).isPresent());
    RetryRecord stuck = engine.retryRecords().read(epsilon).orElseThrow();
    assertThat(stuck.attempts()).isGreaterThanOrEqualTo(3);
    assertThat(stuck.writer()).isEqualTo("writer-retry");
    assertThat(stuck.error()).contains(Failpoints.AFTER_STAGING);
    Failpoints.disarmAll();
    rig.awaitCommittedToEnd();
    assertThat(engine.retryRecords().read(epsilon)).as("cleared by the success").isEmpty();

    // Every table committed, then a failure before the publish: the retry's takeover rolls the
    // batch forward and the engine skips its events, so an append load is not applied twice
    // (it would be rejected with KEY_COLLISION if it were).
    Failpoints.arm(Failpoints.AFTER_TABLE_COMMITS, Failpoints.Action.THROW);
    long retries = writer.stats().retries();
    rig.batch(
        0,
        load(
            "epsilon",
            "e5",
            LoadMode.APPEND,
            Map.of("Person", List.of(props("name", "cat", "age", 3L))),
            Map.of()));
    rig.awaitCommittedToEnd();
    Failpoints.disarmAll();

    assertThat(writer.stats().retries()).isGreaterThan(retries);
    assertThat(rig.export(engine, "epsilon"))
        .isEqualTo(
            """
        {"kind":"node","type":"Person","key":"ada","props":{"age":2}}
        {"kind":"node","type":"Person","key":"bob","props":{}}
        {"kind":"node","type":"Person","key":"cat","props":{"age":3}}
        {"kind":"edge","type":"Knows","id":"k","from":"ada","to":"bob","props":{}}
        """);
    assertThat(writer.stats().eventsRejected()).isZero();
    assertThat(rig.readAll(rig.dlq)).isEmpty();
  }

  @Test
  void appliesAGraphsQueuedBatchesTogetherUpToTheCapButNeverALoad() {
    rig.batch(0, schema("theta", "t0", SCHEMA));
    GraphEngine engine = rig.engine("writer-coalesce");
    Map<String, String> settings = rig.settings("writer-coalesce");
    settings.put("ingraft.writer.max-batch-events", "3");
    writer =
        new GraphWriter(
            IngraftConfig.fromMap(settings),
            engine,
            Clock.systemUTC(),
            WriterRig.fastOptions(Duration.ofSeconds(60)));
    writer.start();
    rig.awaitCommittedToEnd();
    long recordsBefore = writer.stats().recordsRead();

    // The writer falls behind: its first mutation batch keeps failing while seven more batches
    // of the graph queue up behind it, one event each, with a load in the middle.
    Failpoints.arm(Failpoints.AFTER_STAGING, Failpoints.Action.THROW);
    rig.batch(0, mutation("theta", "t1", upsert("Person", "name", "p1")));
    KafkaTestBroker.await(
        WriterRig.TIMEOUT, "a failed attempt", () -> writer.stats().retries() >= 1);
    rig.batch(0, mutation("theta", "t2", upsert("Person", "name", "p2")));
    rig.batch(0, mutation("theta", "t3", upsert("Person", "name", "p3", "age", 3L)));
    rig.batch(0, mutation("theta", "t4", edge("Knows", "k1", "p1", "p2")));
    rig.batch(
        0,
        load(
            "theta",
            "t5",
            LoadMode.MERGE,
            Map.of("Person", List.of(props("name", "p4"), props("name", "p1", "age", 1L))),
            Map.of()));
    rig.batch(0, mutation("theta", "t6", update("Person", "p3", "age", 33L)));
    rig.batch(0, mutation("theta", "t7", deleteNode("Person", "p2")));
    long records = recordsBefore + 7 * 2;
    KafkaTestBroker.await(
        WriterRig.TIMEOUT, "every batch read", () -> writer.stats().recordsRead() == records);
    // An attempt may be under way with the batches queued before the last ones arrived; the one
    // after it started with everything queued.
    long retries = writer.stats().retries();
    KafkaTestBroker.await(
        WriterRig.TIMEOUT,
        "an attempt with every batch queued",
        () -> writer.stats().retries() >= retries + 2);
    Failpoints.disarmAll();
    rig.awaitCommittedToEnd();
    KafkaTestBroker.await(
        WriterRig.TIMEOUT, "notices sent", () -> writer.stats().commitNotices() == 6);

    // Applies: the schema; t1..t3 (the cap); t4 (a load is next); the load alone; t6 and t7.
    WriterStats stats = writer.stats();
    assertThat(stats.batches()).isEqualTo(8);
    assertThat(stats.applies()).isEqualTo(5);
    assertThat(stats.eventsApplied()).isEqualTo(8);
    // Create, the engine's claim after it, and the five applies: the failed attempts in between
    // wrote no version (no epoch claim per retry).
    List<Manifest> published = rig.manifests("theta");
    assertThat(published)
        .extracting(m -> m.commit().kind())
        .containsExactly(
            CommitKind.CREATE,
            CommitKind.EPOCH_CLAIM,
            CommitKind.MUTATION,
            CommitKind.MUTATION,
            CommitKind.MUTATION,
            CommitKind.MUTATION);
    List<CommitNotice> notices = notices();
    assertThat(notices).extracting(CommitNotice::getApplied).containsExactly(1, 0, 3, 1, 1, 2);
    assertThat(notices)
        .extracting(CommitNotice::getManifestVersion)
        .containsExactlyElementsOf(published.stream().map(Manifest::version).toList());
    assertThat(rig.export(engine, "theta"))
        .isEqualTo(
            """
        {"kind":"node","type":"Person","key":"p1","props":{"age":1}}
        {"kind":"node","type":"Person","key":"p3","props":{"age":33}}
        {"kind":"node","type":"Person","key":"p4","props":{}}
        """);
    assertThat(rig.readAll(rig.dlq)).isEmpty();
  }

  @Test
  void aFencedWriterDropsTheGraphAndNeverCommitsPastIt() {
    rig.batch(0, schema("zeta", "z1", SCHEMA));
    rig.batch(1, schema("eta", "h1", SCHEMA));
    GraphEngine engine = rig.engine("writer-old");
    writer = rig.startWriter("writer-old", engine);
    rig.awaitCommittedToEnd();

    // Another owner claims zeta (a newer epoch) while this writer still thinks it owns it.
    rig.engine("writer-new").takeOver(GraphId.of("zeta"));
    List<RecordMetadata> fencedBatch =
        rig.batch(0, mutation("zeta", "z2", upsert("Person", "name", "ada")));
    rig.batch(0, mutation("zeta", "z3", upsert("Person", "name", "bob")));
    rig.batch(1, mutation("eta", "h2", upsert("Person", "name", "carl")));
    KafkaTestBroker.await(
        WriterRig.TIMEOUT, "the fence", () -> writer.stats().fencedBatches() >= 1);
    // eta (partition 1) flows on; zeta's partition stays committed below its first dropped event.
    Map<TopicPartition, Long> end = rig.endOffsets(rig.graphLog);
    TopicPartition p1 = new TopicPartition(rig.graphLog, 1);
    KafkaTestBroker.await(
        WriterRig.TIMEOUT, "eta committed", () -> rig.committed().get(p1).equals(end.get(p1)));
    KafkaTestBroker.await(WriterRig.TIMEOUT, "zeta read", () -> writer.stats().recordsRead() == 10);
    assertThat(rig.committed().get(new TopicPartition(rig.graphLog, 0)))
        .isEqualTo(fencedBatch.get(0).offset());
    assertThat(rig.export(engine, "zeta")).isEmpty();
    writer.close();

    // The next owner of the partition takes zeta over again and applies what was dropped, once.
    GraphEngine next = rig.engine("writer-next");
    writer = rig.startWriter("writer-next", next, WriterRig.fastOptions(Duration.ofSeconds(1)));
    rig.awaitCommittedToEnd();
    assertThat(rig.export(next, "zeta"))
        .isEqualTo(
            """
        {"kind":"node","type":"Person","key":"ada","props":{}}
        {"kind":"node","type":"Person","key":"bob","props":{}}
        """);
    assertThat(rig.export(next, "eta"))
        .isEqualTo("{\"kind\":\"node\",\"type\":\"Person\",\"key\":\"carl\",\"props\":{}}\n");

    // A claim from outside the group (an operator's recover) while the writer keeps the
    // partition: after the fence grace the writer re-reads the partition and claims eta back.
    rig.batch(1, mutation("eta", "h3", upsert("Person", "name", "dora")));
    rig.awaitCommittedToEnd();
    rig.engine("operator").takeOver(GraphId.of("eta"));
    rig.batch(1, mutation("eta", "h4", upsert("Person", "name", "eve")));
    rig.awaitCommittedToEnd();
    assertThat(writer.stats().fencedBatches()).isEqualTo(1);
    assertThat(rig.export(next, "eta"))
        .isEqualTo(
            """
        {"kind":"node","type":"Person","key":"carl","props":{}}
        {"kind":"node","type":"Person","key":"dora","props":{}}
        {"kind":"node","type":"Person","key":"eve","props":{}}
        """);
    List<Manifest> eta = rig.manifests("eta");
    assertThat(eta.get(eta.size() - 1).writer().writerId()).isEqualTo("writer-next");
    assertThat(eta.get(eta.size() - 1).commit().kind()).isEqualTo(CommitKind.MUTATION);
  }

  // ---------------------------------------------------------------------------------------------

  private ConsumerRecord<byte[], byte[]> graphLogRecordAt(RecordMetadata at) {
    return rig.readAll(rig.graphLog).stream()
        .filter(r -> r.partition() == at.partition() && r.offset() == at.offset())
        .findFirst()
        .orElseThrow();
  }

  private static Map<String, String> headers(ConsumerRecord<byte[], byte[]> record) {
    Map<String, String> headers = new HashMap<>();
    record
        .headers()
        .forEach(h -> headers.put(h.key(), new String(h.value(), StandardCharsets.UTF_8)));
    return headers;
  }

  private List<CommitNotice> notices() {
    CommitNoticeCodec codec = new CommitNoticeCodec();
    return rig.readAll(rig.commits).stream().map(r -> codec.decode(r.value())).toList();
  }

  private Map<String, Long> latestVersions(Set<String> graphs) {
    Map<String, Long> latest = new HashMap<>();
    for (String graph : graphs) {
      List<Manifest> versions = rig.manifests(graph);
      latest.put(graph, versions.get(versions.size() - 1).version());
    }
    return latest;
  }
}
