package io.ingraft.app;

import io.ingraft.app.cdc.CdcTopics;
import io.ingraft.app.config.IngraftConfig;
import io.ingraft.app.topology.IngestTopology;
import io.ingraft.app.topology.TopicSetup;
import io.ingraft.app.writer.GraphWriter;
import io.ingraft.app.writer.WriterStats;
import io.ingraft.engine.GraphEngine;
import io.ingraft.events.RestSchemaRegistry;
import io.ingraft.events.SchemaRegistry;
import io.ingraft.storage.object.ObjectStore;
import io.ingraft.storage.table.TableStore;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Both stages of the pipeline in one process: the Streams topology (stage 1) and the graph
 * writer (stage 2), over one storage root. {@link #start()} creates missing topics and starts
 * both; {@link #close()} stops the writer first (it finishes or drops its in-flight batches and
 * commits only published work), then the topology, then storage. {@code close()} is safe to call
 * more than once.
 */
public final class IngestPipeline implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(IngestPipeline.class);

  private final IngraftConfig config;
  private ObjectStore store;
  private TableStore tables;
  private GraphEngine engine;
  private KafkaStreams streams;
  private GraphWriter writer;
  private boolean closed;

  public IngestPipeline(IngraftConfig config) {
    this.config = config;
  }

  /** Creates missing topics, then starts stage 1 and stage 2. */
  public synchronized void start() {
    try (Admin admin = Admin.create(config.kafkaClientProps())) {
      List<String> created = new ArrayList<>(TopicSetup.ensure(admin, config));
      if (config.stageOne().cdcMapping() != null) {
        created.addAll(CdcTopics.ensure(admin, config));
      }
      if (!created.isEmpty()) {
        LOG.info("created topics {}", created);
      }
    }
    store = ObjectStore.open(config.storage());
    tables = new TableStore(store);
    engine = new GraphEngine(store, tables, config.writer().id(), Clock.systemUTC());
    SchemaRegistry registry = config.schemaRegistryUrl() == null ? null
        : new RestSchemaRegistry(URI.create(config.schemaRegistryUrl()));
    streams = new KafkaStreams(IngestTopology.build(config, registry),
        IngestTopology.streamsProps(config));
    streams.setUncaughtExceptionHandler(IngestTopology.uncaughtExceptionHandler());
    streams.start();
    writer = new GraphWriter(config, engine, Clock.systemUTC());
    writer.start();
    LOG.info("pipeline started: storage {}, brokers {}, writer {}", store.describe(),
        config.bootstrapServers(), config.writer().id());
  }

  /**
   * Pauses stage 1 (Kafka Streams' {@code pause()}): it stops processing, so events queue up in
   * the producer topics; what it already processed still commits. Its linger sweep pauses too,
   * so a graph's batch that is open stays open until {@link #resumeTopology()}; the writer goes
   * on with the sealed batches in the graph log. Used to build a backlog on purpose (the pipeline
   * benchmark's preload) or to hold intake during an operation.
   */
  public synchronized void pauseTopology() {
    requireStarted().pause();
  }

  /** Resumes a stage 1 that {@link #pauseTopology()} paused. */
  public synchronized void resumeTopology() {
    requireStarted().resume();
  }

  /** Whether stage 1 is paused. */
  public synchronized boolean isTopologyPaused() {
    return streams != null && streams.isPaused();
  }

  private KafkaStreams requireStarted() {
    if (streams == null || closed) {
      throw new IllegalStateException("the pipeline is not running");
    }
    return streams;
  }

  public WriterStats stats() {
    return writer.stats();
  }

  public KafkaStreams.State topologyState() {
    return streams.state();
  }

  public GraphEngine engine() {
    return engine;
  }

  /** Whether both stages are still running. */
  public synchronized boolean isRunning() {
    return !closed && writer != null && writer.isRunning() && streams.state().isRunningOrRebalancing();
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (writer != null) {
      writer.close();
    }
    if (streams != null) {
      // Leave the group on a deliberate stop, so a restarted stage 1 does not wait out the
      // session timeout of its old member before it gets partitions.
      streams.close(CloseOptions.timeout(Duration.ofSeconds(30))
          .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
    }
    if (tables != null) {
      tables.close();
    }
    if (store != null) {
      store.close();
    }
    LOG.info("pipeline stopped");
  }
}
