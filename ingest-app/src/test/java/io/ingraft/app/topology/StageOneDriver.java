package io.ingraft.app.topology;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.ingraft.app.config.IngraftConfig;
import io.ingraft.events.GraphLogCodec;
import io.ingraft.events.SchemaRegistry;
import io.ingraft.events.avro.GraphLogRecord;
import io.ingraft.events.avro.LoggedEvent;
import io.ingraft.events.avro.Seal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/**
 * Stage 1 under a {@link TopologyTestDriver}: no broker, a wall clock the test moves, and the graph
 * log read back as decoded records.
 */
final class StageOneDriver implements AutoCloseable {
  static final String MUTATIONS = "t.mutations";
  static final String LOADS = "t.loads";
  static final String GRAPH_LOG = "t.graph-log";
  static final String DLQ = "t.dlq";
  static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

  final IngraftConfig config;
  final TopologyTestDriver driver;
  final TestInputTopic<byte[], byte[]> mutations;
  final TestInputTopic<byte[], byte[]> loads;
  final TestOutputTopic<String, byte[]> graphLog;
  final TestOutputTopic<byte[], byte[]> dlq;
  private final GraphLogCodec codec = new GraphLogCodec();

  /** A graph-log record as the writer would see it, and the size of its value in bytes. */
  record Entry(String key, GraphLogRecord record, int size) {
    boolean isSeal() {
      return record.getEntry() instanceof Seal;
    }

    Seal seal() {
      return (Seal) record.getEntry();
    }

    LoggedEvent logged() {
      return (LoggedEvent) record.getEntry();
    }

    /** {@code e:<eventId>} or {@code seal:<sequence>:<count>:<REASON>}, for readable asserts. */
    String brief() {
      if (isSeal()) {
        return "seal:"
            + seal().getSequence()
            + ":"
            + seal().getEventCount()
            + ":"
            + seal().getReason();
      }
      return "e:" + logged().getEvent().getEventId();
    }
  }

  StageOneDriver(Path stateDir, Map<String, String> settings, SchemaRegistry registry) {
    this.config = config(stateDir, settings);
    this.driver =
        new TopologyTestDriver(
            IngestTopology.build(config, registry), IngestTopology.streamsProps(config), START);
    ByteArraySerializer bytes = new ByteArraySerializer();
    this.mutations = driver.createInputTopic(MUTATIONS, bytes, bytes);
    this.loads = driver.createInputTopic(LOADS, bytes, bytes);
    this.graphLog =
        driver.createOutputTopic(GRAPH_LOG, new StringDeserializer(), new ByteArrayDeserializer());
    this.dlq =
        driver.createOutputTopic(DLQ, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  StageOneDriver(Path stateDir, Map<String, String> settings) {
    this(stateDir, settings, null);
  }

  static IngraftConfig config(Path stateDir, Map<String, String> settings) {
    Map<String, String> all = new HashMap<>();
    all.put("storage.root", stateDir.resolve("data").toString());
    all.put("ingraft.state-dir", stateDir.resolve("streams").toString());
    all.put("ingraft.application-id", "stage-one-test");
    all.put("kafka.bootstrap.servers", "unused:9092");
    all.put("ingraft.topic.mutations", MUTATIONS);
    all.put("ingraft.topic.loads", LOADS);
    all.put("ingraft.topic.graph-log", GRAPH_LOG);
    all.put("ingraft.topic.dlq", DLQ);
    all.put("ingraft.seal.max-events", "1000");
    all.put("ingraft.seal.linger-ms", "1000");
    all.putAll(settings);
    return IngraftConfig.fromMap(all);
  }

  void mutation(String key, byte[] value) {
    mutations.pipeInput(key == null ? null : key.getBytes(UTF_8), value);
  }

  void mutation(String key, byte[] value, Headers headers) {
    mutations.pipeInput(new TestRecord<>(key == null ? null : key.getBytes(UTF_8), value, headers));
  }

  void load(String key, byte[] value) {
    loads.pipeInput(key == null ? null : key.getBytes(UTF_8), value);
  }

  void advance(Duration wallClock) {
    driver.advanceWallClockTime(wallClock);
  }

  /** Everything written to the graph log since the last read, decoded. */
  List<Entry> readLog() {
    return graphLog.readRecordsToList().stream()
        .map(r -> new Entry(r.key(), codec.decode(r.value()), r.value().length))
        .toList();
  }

  /** {@link Entry#brief()} of everything written to the graph log since the last read. */
  List<String> readBrief() {
    return readLog().stream().map(Entry::brief).toList();
  }

  @Override
  public void close() {
    driver.close();
  }
}
