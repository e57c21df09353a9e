package io.ingraft.it.cdc;

import io.ingraft.app.cli.CdcShop;
import io.ingraft.app.config.IngraftConfig;
import io.ingraft.app.topology.TopicSetup;
import io.ingraft.engine.GraphEngine;
import io.ingraft.it.kafka.KafkaTestBroker;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.manifest.CdcPosition;
import io.ingraft.storage.manifest.Manifest;
import io.ingraft.storage.manifest.ManifestLog;
import io.ingraft.storage.object.LocalObjectStore;
import io.ingraft.storage.table.TableStore;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One Ingraft pipeline of a CDC test: its own topics on the test broker, a storage root, the
 * settings an {@code ingraft run} with a CDC mapping reads ({@code ingraft.cdc.mapping}), and the
 * reads the assertions need (the graph's manifests, their CDC positions, exports at any version
 * through a reader engine that never writes).
 */
final class CdcRig implements AutoCloseable {
  /** The setting naming the mapping file (the CDC core's contract). */
  static final String MAPPING = "ingraft.cdc.mapping";

  final KafkaTestBroker kafka;
  final Path dir;
  final String prefix;
  final Path mappingFile;
  final Path dataRoot;
  final LocalObjectStore store;
  final TableStore tables;
  private final GraphEngine reader;
  private final Map<String, String> overrides = new HashMap<>();

  CdcRig(KafkaTestBroker kafka, Path dir, Path mappingFile) {
    this.kafka = kafka;
    this.dir = dir;
    this.prefix = KafkaTestBroker.uniqueName("cdc");
    this.mappingFile = mappingFile;
    this.dataRoot = dir.resolve("graphs");
    this.store = new LocalObjectStore(dataRoot);
    this.tables = new TableStore(store);
    this.reader = new GraphEngine(store, tables, "cdc-proof-reader", Clock.systemUTC());
    TopicSetup.ensure(kafka.admin(), IngraftConfig.fromMap(settings("cdc-setup")));
  }

  /** Sets (or with null removes) a setting every later {@link #settings} carries. */
  CdcRig with(String key, String value) {
    if (value == null) {
      overrides.remove(key);
    } else {
      overrides.put(key, value);
    }
    return this;
  }

  /** The settings of one pipeline instance: short session timeouts, fast seals. */
  Map<String, String> settings(String writerId) {
    Map<String, String> s = new HashMap<>();
    s.put(IngraftConfig.BOOTSTRAP, kafka.bootstrapServers());
    s.put("storage.root", dataRoot.toString());
    s.put("ingraft.topic.mutations", prefix + ".mutations");
    s.put("ingraft.topic.loads", prefix + ".loads");
    s.put("ingraft.topic.graph-log", prefix + ".graph-log");
    s.put("ingraft.topic.dlq", prefix + ".dlq");
    s.put("ingraft.topic.commits", prefix + ".commits");
    s.put("ingraft.topic.partitions", "2");
    s.put("ingraft.application-id", prefix + "-ingest");
    s.put("ingraft.state-dir", dir.resolve("streams").toString());
    s.put("ingraft.seal.linger-ms", "100");
    s.put("ingraft.writer.id", writerId);
    s.put("ingraft.writer.group", prefix + "-writers");
    s.put("ingraft.writer.threads", "2");
    s.put("kafka.session.timeout.ms", "3000");
    s.put("kafka.heartbeat.interval.ms", "500");
    // Stage 1's transactional producers, one request in flight: on this loaded test broker a
    // first batch to a new internal topic can fail with CONCURRENT_TRANSACTIONS and be
    // overtaken by the next one, which then fails with OUT_OF_ORDER_SEQUENCE_NUMBER on every
    // retry (seen here, with the transaction-v2 producer of Kafka 4.4; ProofRig's producer
    // met the same).
    s.put("kafka.producer.max.in.flight.requests.per.connection", "1");
    s.put(MAPPING, mappingFile.toString());
    s.putAll(overrides);
    return s;
  }

  /** {@code pipeline key=value...}: the arguments of a {@code ProofChildMain} pipeline child. */
  String[] childArgs(String writerId) {
    List<String> args = new ArrayList<>();
    args.add("pipeline");
    settings(writerId).forEach((k, v) -> args.add(k + "=" + v));
    return args.toArray(String[]::new);
  }

  boolean exists() {
    return reader.exists(GraphId.of(CdcShop.GRAPH));
  }

  ManifestLog log() {
    return new ManifestLog(store, GraphId.of(CdcShop.GRAPH));
  }

  /** The latest published version, 0 before the graph exists. */
  long latestVersion() {
    return log().latest().map(Manifest::version).orElse(0L);
  }

  /**
   * The source transaction id the latest version reflects (the number before the colon, if any), or
   * -1 before the first change or while the snapshot loads.
   */
  long latestTxId() {
    Optional<Manifest> latest = log().latest();
    if (latest.isEmpty()) {
      return -1;
    }
    Optional<CdcPosition> position = position(latest.get());
    if (position.isEmpty()
        || position.get().snapshotInProgress()
        || position.get().txId() == null) {
      return -1;
    }
    String txId = position.get().txId();
    int colon = txId.indexOf(':');
    return Long.parseLong(colon < 0 ? txId : txId.substring(0, colon));
  }

  /** The CDC position a version reflects, if any version up to it came from the feed. */
  Optional<CdcPosition> position(Manifest manifest) {
    return log().cdcPosition(manifest);
  }

  /** The graph as of one version, as export lines. */
  String exportAt(long version) {
    StringWriter out = new StringWriter();
    reader.snapshotAt(GraphId.of(CdcShop.GRAPH), version).export(out);
    return out.toString();
  }

  /** The latest version's export, or empty text before the graph exists. */
  String export() {
    long latest = latestVersion();
    return latest == 0 ? "" : exportAt(latest);
  }

  @Override
  public void close() {
    tables.close();
    store.close();
  }
}
