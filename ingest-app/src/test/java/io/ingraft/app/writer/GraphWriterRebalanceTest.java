package io.ingraft.app.writer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ingraft.app.config.IngraftConfig;
import io.ingraft.engine.GraphEngine;
import io.ingraft.events.CommitNoticeCodec;
import io.ingraft.events.EventFormat;
import io.ingraft.events.GraphLogCodec;
import io.ingraft.events.avro.GraphEvent;
import io.ingraft.events.avro.GraphLogRecord;
import io.ingraft.events.avro.MutationBody;
import io.ingraft.events.avro.Op;
import io.ingraft.events.avro.OpKind;
import io.ingraft.events.avro.SchemaBody;
import io.ingraft.events.avro.SealReason;
import io.ingraft.recovery.Failpoints;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.manifest.VersionSelector;
import io.ingraft.storage.object.LocalObjectStore;
import io.ingraft.storage.table.TableStore;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.LongStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writer's consumer-side behaviour, driven deterministically through a {@link MockConsumer}
 * (rebalances run inside {@code poll}, as with a real consumer) over a real engine: what a
 * revocation commits and drops, when the consumer is paused and resumed, and the lifecycle.
 */
class GraphWriterRebalanceTest {
  static final String TOPIC = "ingraft.graph-log";
  static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
  static final TopicPartition P1 = new TopicPartition(TOPIC, 1);
  static final String SCHEMA = "node Person {\n  name: String @key\n  n: I64?\n}\n";
  static final Duration TIMEOUT = Duration.ofSeconds(60);

  /**
   * A MockConsumer whose empty polls take a moment, as real ones do, instead of spinning, and that
   * remembers every commit (MockConsumer only reports those of assigned partitions).
   */
  static final class PacedConsumer extends MockConsumer<byte[], byte[]> {
    final Map<TopicPartition, Long> commits = new ConcurrentHashMap<>();

    PacedConsumer() {
      super("earliest");
    }

    @Override
    public synchronized void commitSync(
        Map<TopicPartition, OffsetAndMetadata> offsets, Duration timeout) {
      super.commitSync(offsets, timeout);
      offsets.forEach((partition, offset) -> commits.put(partition, offset.offset()));
    }

    @Override
    public ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
      ConsumerRecords<byte[], byte[]> records = super.poll(timeout);
      if (records.isEmpty()) {
        try {
          TimeUnit.MILLISECONDS.sleep(5);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return records;
    }
  }

  /**
   * A MockProducer whose committed transactions commit their offsets on the {@link PacedConsumer}
   * (as the group coordinator would), so the test and the writer's re-reads see them.
   */
  final class TransactionalProducer extends MockProducer<byte[], byte[]> {
    private Map<TopicPartition, OffsetAndMetadata> pending = Map.of();
    private boolean initialised;

    TransactionalProducer() {
      super(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    }

    synchronized TransactionalProducer initialised() {
      if (!initialised) {
        initTransactions();
        initialised = true;
      }
      return this;
    }

    @Override
    public synchronized void sendOffsetsToTransaction(
        Map<TopicPartition, OffsetAndMetadata> offsets,
        org.apache.kafka.clients.consumer.ConsumerGroupMetadata groupMetadata) {
      super.sendOffsetsToTransaction(offsets, groupMetadata);
      pending = Map.copyOf(offsets);
    }

    @Override
    public synchronized void commitTransaction() {
      super.commitTransaction();
      consumer.commitSync(pending, Duration.ofSeconds(1));
      pending = Map.of();
    }
  }

  @TempDir Path dir;
  LocalObjectStore store;
  TableStore tables;
  GraphEngine engine;
  PacedConsumer consumer;
  TransactionalProducer producer;
  GraphWriter writer;
  final GraphLogCodec codec = new GraphLogCodec();
  final Map<TopicPartition, Long> nextOffset = new HashMap<>();

  @BeforeEach
  void setUp() {
    store = new LocalObjectStore(dir.resolve("data"));
    tables = new TableStore(store);
    engine = new GraphEngine(store, tables, "writer-test", Clock.systemUTC());
    consumer = new PacedConsumer();
    producer = new TransactionalProducer();
    IngraftConfig config =
        IngraftConfig.fromMap(
            Map.of(
                "storage.root",
                dir.resolve("data").toString(),
                "ingraft.writer.max-buffered-events",
                "1000"));
    GraphWriter.Options options =
        new GraphWriter.Options(
            Duration.ofMillis(20),
            Duration.ofMillis(50),
            Duration.ofMillis(20),
            Duration.ofMillis(200),
            Duration.ofSeconds(30),
            Duration.ofSeconds(10),
            Duration.ofSeconds(60));
    writer =
        new GraphWriter(
            config,
            engine,
            () -> producer.initialised(),
            Clock.systemUTC(),
            options,
            props -> {
              assertThat(props)
                  .containsEntry("isolation.level", "read_committed")
                  .containsEntry("enable.auto.commit", false)
                  .containsEntry("auto.offset.reset", "earliest")
                  .containsEntry("group.id", "ingraft-writer");
              return consumer;
            });
  }

  @AfterEach
  void tearDown() {
    Failpoints.disarmAll();
    writer.close();
    tables.close();
    store.close();
  }

  @Test
  void aRevocationCommitsPublishedWorkAndDropsWhatIsBuffered() {
    writer.start();
    assign(P0);
    add(P0, event("g", "s", new SchemaBody(SCHEMA)));
    add(P0, seal("g", 1));
    add(P0, event("g", "e1", upsert("ada", 1)));
    add(P0, event("g", "e2", upsert("bob", 2)));
    await("schema batch committed", () -> committed(P0) == 2);
    await("events buffered", () -> writer.stats().heldEvents() == 2);

    consumer.schedulePollTask(() -> consumer.rebalance(List.of()));
    await(
        "revoked",
        () -> writer.stats().assignedPartitions() == 0 && writer.stats().heldEvents() == 0);

    // The buffered events were never applied and never committed: the next owner reads them.
    assertThat(committed(P0)).isEqualTo(2);
    assertThat(export("g")).isEmpty();
    assertThat(writer.isRunning()).isTrue();
  }

  @Test
  void pausesWhileTooManyEventsAreHeldByStuckBatchesAndResumesWhenTheyDrain() {
    writer.start();
    assign(P0, P1);
    add(P0, event("g", "s", new SchemaBody(SCHEMA)));
    add(P0, seal("g", 1));
    await("schema batch committed", () -> committed(P0) == 2);

    Failpoints.arm(Failpoints.AFTER_STAGING, Failpoints.Action.THROW);
    for (int i = 0; i < 1001; i++) {
      add(P0, event("g", "e" + i, upsert("p" + i, i)));
    }
    add(P0, seal("g", 2));
    await("paused", () -> consumer.paused().containsAll(Set.of(P0, P1)));
    // Records arriving now are not read until the stuck batch drains.
    add(P1, event("h", "s", new SchemaBody(SCHEMA)));
    add(P1, seal("h", 1));
    await("retried", () -> writer.stats().retries() >= 2);
    assertThat(committed(P1)).isZero();
    assertThat(consumer.paused()).contains(P0, P1);

    Failpoints.disarmAll();
    await(
        "resumed and drained",
        () ->
            consumer.paused().isEmpty()
                && committed(P0) == nextOffset.get(P0)
                && committed(P1) == 2);
    assertThat(writer.stats().eventsApplied()).isEqualTo(1 + 1001 + 1);
  }

  @Test
  void neverPausesForEventsThatOnlyWaitForTheirSeal() {
    writer.start();
    assign(P0);
    add(P0, event("g", "s", new SchemaBody(SCHEMA)));
    add(P0, seal("g", 1));
    await("schema batch committed", () -> committed(P0) == 2);

    // More than the limit, all waiting for a seal: pausing would keep the seal out forever.
    for (int i = 0; i < 1500; i++) {
      add(P0, event("g", "e" + i, upsert("p" + (i % 10), i)));
    }
    await("all read", () -> writer.stats().heldEvents() == 1500);
    assertThat(consumer.paused()).isEmpty();
    add(P0, seal("g", 2));
    await("applied", () -> committed(P0) == nextOffset.get(P0));
    assertThat(export("g")).contains("\"key\":\"p9\",\"props\":{\"n\":1499}");
  }

  @Test
  void aGraphThatNeedsAnOperatorStopsAloneAndSaysWhy() {
    engine.createGraph(GraphId.of("g"), SCHEMA);
    // A sidecar this version cannot read: the takeover's sweep refuses to guess.
    store.put(
        new io.ingraft.storage.GraphLayout(GraphId.of("g")).recoveryDir()
            + "01JZZZZZZZZZZZZZZZZZZZZZZZ.json",
        "{\"format\": 99}".getBytes(StandardCharsets.UTF_8));
    writer.start();
    assign(P0, P1);
    add(P0, event("g", "e1", upsert("ada", 1)));
    add(P0, seal("g", 1));
    add(P1, event("h", "s", new SchemaBody(SCHEMA)));
    add(P1, seal("h", 1));
    await("g stopped", () -> writer.stats().stoppedGraphs().containsKey("g"));
    await("h applied", () -> committed(P1) == 2);

    WriterStats.StoppedGraph why = writer.stats().stoppedGraphs().get("g");
    assertThat(why.code()).isEqualTo(FailureClassifier.UNREADABLE_SIDECAR);
    assertThat(why.action()).contains("ingraft graph recover");
    assertThat(engine.stopRecords().read(GraphId.of("g")))
        .hasValueSatisfying(
            record -> assertThat(record.code()).isEqualTo(FailureClassifier.UNREADABLE_SIDECAR));
    // Not retried, not committed past, and later records of g are not held in memory.
    long retries = writer.stats().retries();
    add(P0, event("g", "e2", upsert("bob", 2)));
    add(P0, seal("g", 2));
    add(P1, event("h", "e1", upsert("cy", 3)));
    add(P1, seal("h", 2));
    await("h applied again", () -> committed(P1) == 4);
    assertThat(writer.stats().retries()).isEqualTo(retries);
    assertThat(committed(P0)).isZero();
    assertThat(writer.stats().heldEvents()).isZero();
    assertThat(writer.isRunning()).isTrue();
  }

  /**
   * A quiet tail (versions that cover no events, here a new graph's claim) is sent with the commit
   * that reaches its notice mark's position, and a later owner counts it as sent once the group's
   * offset is there. So when the partition changes hands first, the next assignment must not commit
   * past that position without sending it. The graph's seal just below the position is re-read
   * without any of its events (they lie below the committed offset): it must still take the graph
   * over, so that the new owner queues the tail and sends it by then.
   */
  @Test
  void aQuietTailIsSentBeforeAnyAssignmentCommitsPastItsMark() {
    List<GraphLogRecord> log =
        List.of(
            event("g", "s", new SchemaBody(SCHEMA)), // 0
            event("h", "s", new SchemaBody(SCHEMA)), // 1: unsealed, holds the commit at 1
            seal("g", 1), // 2: g's version 2 (its creator's claim) is marked at 3
            event("g", "e1", upsert("ada", 1)), // 3: unsealed, holds the commit at 3
            seal("h", 1), // 4
            seal("g", 2)); // 5
    createGThenLoseThePartitionBelowItsMark(log);

    // Re-read from 1: g's seal comes without its event, and the commit moves to 3.
    assign(P0);
    replay(P0, log, 1, 5);
    await("committed to 3", () -> committed(P0) == 3);
    revoke();

    assign(P0);
    replay(P0, log, 3, 6);
    await("committed to the end", () -> committed(P0) == 6);
    assertEveryVersionNoticedOnce("g", "h");
  }

  /**
   * The same promise when the new owner's first work coalesces the re-read seal with later batches
   * (its takeover failed and was retried while they queued up) and the versions it publishes cover
   * events: the takeover's mark sits just above its first seal, not at the end of the work, so the
   * commit that passes the former owner's mark sends the tail.
   */
  @Test
  void aQuietTailIsSentBeforeAnyAssignmentCommitsPastItsMarkWhenTheTakeoverCoalesces() {
    List<GraphLogRecord> log =
        List.of(
            event("g", "s", new SchemaBody(SCHEMA)), // 0
            event("h", "s", new SchemaBody(SCHEMA)), // 1: unsealed at first, holds the commit
            seal("g", 1), // 2: g's version 2 (its creator's claim) is marked at 3
            event("k", "s", new SchemaBody(SCHEMA)), // 3: unsealed until the end, holds the commit
            event("g", "e1", upsert("ada", 1)), // 4
            seal("g", 2), // 5
            seal("h", 1), // 6
            seal("k", 1)); // 7
    createGThenLoseThePartitionBelowItsMark(log);

    // g's takeover fails until its two batches (the re-read seal, then e1's) wait together.
    Failpoints.arm(Failpoints.WRITER_AFTER_TAKEOVER, Failpoints.Action.THROW);
    assign(P0);
    replay(P0, log, 1, 7);
    await(
        "g's batches queued behind its failing takeover",
        () -> writer.stats().retries() >= 1 && writer.stats().heldEvents() == 2);
    Failpoints.disarmAll();
    await(
        "g applied, the commit at 3 (k holds it)",
        () -> writer.stats().heldEvents() == 1 && committed(P0) == 3);
    revoke();

    assign(P0);
    replay(P0, log, 3, 8);
    await("committed to the end", () -> committed(P0) == 8);
    assertEveryVersionNoticedOnce("g", "h", "k");
  }

  @Test
  void startsOnceAndClosesIdempotently() {
    writer.start();
    assertThatThrownBy(writer::start).isInstanceOf(IllegalStateException.class);
    writer.close();
    writer.close();
    assertThat(writer.isRunning()).isFalse();
    assertThat(consumer.closed()).isTrue();
  }

  @Test
  void retryBackoffDoublesUpToItsCap() {
    assertThat(
            List.of(
                writer.backoffMillis(1),
                writer.backoffMillis(2),
                writer.backoffMillis(3),
                writer.backoffMillis(4),
                writer.backoffMillis(5),
                writer.backoffMillis(100)))
        .containsExactly(20L, 40L, 80L, 160L, 200L, 200L);
  }

  // ---------------------------------------------------------------------------------------------

  private void assign(TopicPartition... partitions) {
    consumer.schedulePollTask(
        () -> {
          Map<TopicPartition, Long> zero = new HashMap<>();
          for (TopicPartition p : partitions) {
            zero.put(p, 0L);
          }
          consumer.updateBeginningOffsets(zero);
          consumer.rebalance(List.of(partitions));
        });
    await("assignment", () -> consumer.assignment().containsAll(List.of(partitions)));
  }

  /**
   * The first assignment of the quiet-tail tests: reads {@code log[0, 3)} (g's schema, h's, g's
   * seal), so g is created and its creator's claim marked at 3 while h's unsealed schema holds the
   * commit at 1; then the partition is revoked.
   */
  private void createGThenLoseThePartitionBelowItsMark(List<GraphLogRecord> log) {
    writer.start();
    assign(P0);
    replay(P0, log, 0, 3);
    await(
        "g created, its claim marked",
        () -> committed(P0) == 1 && !engine.noticeMarks().readAll(GraphId.of("g")).isEmpty());
    revoke();
  }

  private void revoke() {
    consumer.schedulePollTask(() -> consumer.rebalance(List.of()));
    await("revoked", () -> writer.stats().assignedPartitions() == 0);
  }

  /**
   * Adds {@code log[from, to)} at offsets {@code from..to-1}: the records a (re-)assignment reads
   * (a MockConsumer forgets what it returned).
   */
  private void replay(TopicPartition partition, List<GraphLogRecord> log, int from, int to) {
    for (int offset = from; offset < to; offset++) {
      addAt(partition, offset, log.get(offset));
    }
  }

  private void assertEveryVersionNoticedOnce(String... graphs) {
    for (String graph : graphs) {
      long latest = engine.resolve(GraphId.of(graph), new VersionSelector.Latest()).version();
      assertThat(notices(graph))
          .as("%s: one notice per version 1..%d", graph, latest)
          .containsExactlyElementsOf(LongStream.rangeClosed(1, latest).boxed().toList());
    }
  }

  /** The manifest versions of {@code graph} whose commit notices committed transactions sent. */
  private List<Long> notices(String graph) {
    CommitNoticeCodec notices = new CommitNoticeCodec();
    return producer.history().stream()
        .filter(r -> r.topic().equals("ingraft.commits"))
        .map(r -> notices.decode(r.value()))
        .filter(n -> n.getGraph().equals(graph))
        .map(n -> n.getManifestVersion())
        .sorted()
        .toList();
  }

  private void add(TopicPartition partition, GraphLogRecord record) {
    addAt(partition, nextOffset.merge(partition, 1L, Long::sum) - 1, record);
  }

  private void addAt(TopicPartition partition, long offset, GraphLogRecord record) {
    consumer.addRecord(
        new ConsumerRecord<>(
            partition.topic(),
            partition.partition(),
            offset,
            GraphLogCodec.graphOf(record).getBytes(StandardCharsets.UTF_8),
            codec.encode(record, EventFormat.AVRO)));
  }

  private static GraphLogRecord event(String graph, String id, Object body) {
    return GraphLogCodec.logged(
        GraphEvent.newBuilder().setGraph(graph).setEventId(id).setBody(body).build(),
        "ingraft.mutations",
        0,
        0);
  }

  private static GraphLogRecord seal(String graph, long sequence) {
    return GraphLogCodec.seal(graph, sequence, 0, SealReason.COUNT);
  }

  private static MutationBody upsert(String name, long n) {
    Map<String, Object> props = new HashMap<>();
    props.put("name", name);
    props.put("n", n);
    return new MutationBody(
        List.of(
            Op.newBuilder().setOp(OpKind.UPSERT_NODE).setType("Person").setProps(props).build()));
  }

  private long committed(TopicPartition partition) {
    return consumer.commits.getOrDefault(partition, 0L);
  }

  private String export(String graph) {
    StringWriter out = new StringWriter();
    engine.snapshot(GraphId.of(graph)).export(out);
    return out.toString();
  }

  private static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      try {
        TimeUnit.MILLISECONDS.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
