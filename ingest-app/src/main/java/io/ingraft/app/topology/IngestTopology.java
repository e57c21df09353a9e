package io.ingraft.app.topology;

import io.ingraft.app.cdc.CdcTopology;
import io.ingraft.app.config.IngraftConfig;
import io.ingraft.app.topology.Decoded.Accepted;
import io.ingraft.app.topology.Decoded.Rejected;
import io.ingraft.events.EventTopics;
import io.ingraft.events.GraphEventCodec;
import io.ingraft.events.RestSchemaRegistry;
import io.ingraft.events.SchemaRegistry;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.errors.LogAndFailExceptionHandler;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stage 1 of the pipeline, a Kafka Streams topology run with exactly-once (v2): it reads the
 * producer topics (mutations and loads) as raw bytes, decodes every record in any of the three
 * formats, checks its shape, sends refused records unchanged to the dead-letter topic with reason
 * headers, repartitions the rest by graph id so that each graph is owned by one task, and writes
 * them to the graph log as LoggedEvents with seals marking each graph's batch boundaries (see
 * {@link SealingProcessor}). In keyed-by-graph mode ({@link IngraftConfig.StageOne#keyedByGraph()})
 * producers' keys and partitions already put each graph in one task, so the repartition is skipped
 * and records that break that are dead-lettered. Run it with {@link #streamsProps} and {@link
 * #uncaughtExceptionHandler()}; docs/architecture.md, "Stage 1", describes it in full.
 */
public final class IngestTopology {
  private static final Logger LOG = LoggerFactory.getLogger(IngestTopology.class);

  /** The sealing step's store; its changelog is {@code <application.id>-<name>-changelog}. */
  public static final String BATCH_STORE = "graph-batches";

  /**
   * The repartition by graph id; its topic is {@code <application.id>-<name>-repartition}. Only in
   * the default mode: keyed-by-graph mode has none.
   */
  public static final String BY_GRAPH = "by-graph";

  /** The sealing step's node, and the graph log's sink after it. */
  static final String SEAL_NODE = "seal";

  static final String GRAPH_LOG_NODE = "graph-log";

  /**
   * The largest record stage 1 writes (graph log, dead letters, its internal topics). It leaves
   * room above the broker's default 1 MiB input limit, because a logged event carries its source
   * position and a dead letter its reason headers on top of the producer's bytes. A record that
   * would not fit is dead-lettered as RECORD_TOO_LARGE before it is forwarded ({@link
   * io.ingraft.app.dlq.RecordLimits}).
   */
  public static final int MAX_OUTPUT_RECORD_BYTES =
      io.ingraft.app.dlq.RecordLimits.MAX_RECORD_BYTES;

  /** Stage 1's producer batch size (the client default is 16 KiB); tunable by passthrough. */
  public static final int PRODUCER_BATCH_BYTES = 512 << 10;

  /** Stage 1's producer compression (the client default is none); tunable by passthrough. */
  public static final String PRODUCER_COMPRESSION = "lz4";

  /** Stage 1's producer transaction timeout when it reads a CDC feed (docs/cdc.md). */
  public static final int CDC_TRANSACTION_TIMEOUT_MS = 60_000;

  /** Handler settings: where the handler sends dead letters, and which topics are sources. */
  static final String DLQ_TOPIC_CONFIG = "ingraft.topology.dlq.topic";

  static final String SOURCE_TOPICS_CONFIG = "ingraft.topology.source.topics";

  /**
   * The handler's {@link TopologyListener}: put a listener object under this key of the Streams
   * properties to have the handler's dead letters counted too.
   */
  public static final String LISTENER_CONFIG = "ingraft.topology.listener";

  /** Settings the {@code kafka.} passthrough may not change: correctness depends on them. */
  private static final Set<String> FIXED =
      Set.of(
          StreamsConfig.APPLICATION_ID_CONFIG,
          StreamsConfig.BOOTSTRAP_SERVERS_CONFIG,
          StreamsConfig.PROCESSING_GUARANTEE_CONFIG,
          StreamsConfig.STATE_DIR_CONFIG,
          StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG,
          StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG,
          StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
          DLQ_TOPIC_CONFIG,
          SOURCE_TOPICS_CONFIG,
          LISTENER_CONFIG);

  private IngestTopology() {}

  /**
   * The topology for {@code config}, reading Confluent-framed records through a {@link
   * RestSchemaRegistry} when {@link IngraftConfig#schemaRegistryUrl()} is set.
   */
  public static Topology build(IngraftConfig config) {
    return build(config, config.registry().client());
  }

  /**
   * The topology for {@code config} with the given registry for Confluent-framed records, or none
   * ({@code null}: such records are dead-lettered as UNSUPPORTED_FORMAT).
   */
  public static Topology build(IngraftConfig config, SchemaRegistry registry) {
    return build(config, registry, TopologyListener.NONE);
  }

  /** As {@link #build(IngraftConfig, SchemaRegistry)}, telling {@code listener} what it does. */
  public static Topology build(
      IngraftConfig config, SchemaRegistry registry, TopologyListener listener) {
    IngraftConfig.Topics topics = config.topics();
    boolean keyed = config.stageOne().keyedByGraph();
    // Decoding never uses the subject; it only names where this codec would register to encode.
    GraphEventCodec codec =
        registry == null
            ? new GraphEventCodec()
            : new GraphEventCodec(registry, EventTopics.valueSubject(topics.mutations()));

    // Built with stage 1's own settings, so that topology-level settings (such as the exception
    // handlers) are the ones it runs with, in KafkaStreams and in the TopologyTestDriver alike.
    StreamsBuilder builder =
        new StreamsBuilder(new TopologyConfig(new StreamsConfig(streamsProps(config))));
    KStream<byte[], Decoded> decoded =
        builder.stream(
                sourceTopics(config),
                Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("producer-topics"))
            .process(
                () -> new DecodeProcessor(codec, keyed ? topics.partitions() : 0, listener),
                Named.as("decode"));

    Map<String, KStream<byte[], Decoded>> routes =
        decoded
            .split(Named.as("route-"))
            .branch((key, value) -> value instanceof Rejected, Branched.as("dead"))
            .defaultBranch(Branched.as("accepted"));

    // Dead letters: the original key and value; the reason is in the record's headers.
    routes
        .get("route-dead")
        .mapValues(value -> ((Rejected) value).original(), Named.as("original-value"))
        .to(
            topics.dlq(),
            Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("dead-letters"));

    KStream<String, byte[]> byGraph =
        routes
            .get("route-accepted")
            .map(
                (key, value) ->
                    KeyValue.pair(((Accepted) value).graph(), ((Accepted) value).logged()),
                Named.as("key-by-graph"));
    if (!keyed) {
      // Producers usually key by graph id, but keys may be missing and the two source topics may
      // have different partition counts: an explicit repartition by graph id is the only way all
      // events of a graph meet in one task, in the order each source partition had them.
      byGraph =
          byGraph.repartition(
              Repartitioned.with(Serdes.String(), Serdes.ByteArray()).withName(BY_GRAPH));
    }
    // Keyed by graph: decode let through only records keyed by their graph id and in that key's
    // default partition of equally partitioned source topics, so task p, which reads partition p
    // of both, already owns every event of its graphs, in source-partition order. The sealing
    // step then shares the source's sub-topology (its store and changelog keep their names).
    byGraph
        .process(SealingProcessor.supplier(config.sealing(), BATCH_STORE), Named.as(SEAL_NODE))
        .to(
            topics.graphLog(),
            Produced.with(Serdes.String(), Serdes.ByteArray()).withName(GRAPH_LOG_NODE));
    if (config.stageOne().cdcMapping() != null) {
      CdcTopology.Source cdc = CdcTopology.load(config);
      CdcTopology.addTo(
          builder, config, cdc, registry, CdcTopology.adminEndOffsets(config, cdc.mapping()));
    }
    return builder.build();
  }

  /**
   * The Kafka Streams settings of stage 1: exactly-once v2, commits every 100 ms, no task idling,
   * producer batches of 512 KiB, the state directory and exception handlers, and every {@code
   * kafka.} passthrough setting of the config (which may tune anything but the settings correctness
   * depends on).
   */
  public static Properties streamsProps(IngraftConfig config) {
    Properties props = new Properties();
    // Tunable: the passthrough may override these.
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
    // A task reads a partition of both producer topics, and the loads topic is mostly empty. With
    // the default (0), Streams checks the empty partition's lag before every record and formats
    // a log line for it whether or not it logs (5% of the stream thread in the benchmark). -1
    // processes what is buffered; the order between the two topics was never promised
    // (architecture.md): each graph's events keep their source-partition order either way.
    props.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, StreamsConfig.MAX_TASK_IDLE_MS_DISABLED);
    props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) config.topics().replication());
    props.put(
        StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG),
        MAX_OUTPUT_RECORD_BYTES);
    props.put(
        StreamsConfig.topicPrefix(TopicConfig.MAX_MESSAGE_BYTES_CONFIG), MAX_OUTPUT_RECORD_BYTES);
    for (Map.Entry<String, Object> setting : config.kafkaClientProps().entrySet()) {
      if (FIXED.contains(setting.getKey())) {
        if (!setting.getKey().equals(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG)) {
          LOG.warn("ignoring kafka.{}: stage 1 sets it itself", setting.getKey());
        }
        continue;
      }
      props.put(setting.getKey(), setting.getValue());
    }
    // The graph log is written in bursts of a whole poll's events per partition; batches of the
    // client's default 16 KiB made the broker validate and append many more batches
    // (docs/benchmarks.md: 4 instead of 6-7 us of broker CPU per event, +18% end to end).
    defaultProducerSetting(props, ProducerConfig.BATCH_SIZE_CONFIG, PRODUCER_BATCH_BYTES);
    // Those batches compressed: the broker copies and validates a fraction of the bytes, for less
    // CPU in all (docs/benchmarks.md, "Stage 1's graph log compressed": +7% end to end, steady
    // p99 1.15 -> 0.96 s).
    defaultProducerSetting(props, ProducerConfig.COMPRESSION_TYPE_CONFIG, PRODUCER_COMPRESSION);
    // A source transaction is written by one process() call, with its stored changes deleted in
    // the same Streams transaction: a 100,000-row one takes seconds on a small machine, too
    // close to the 10 s default.
    if (config.stageOne().cdcMapping() != null) {
      defaultProducerSetting(
          props, ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, CDC_TRANSACTION_TIMEOUT_MS);
    }
    // Fixed.
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toString());
    props.put(
        StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG,
        TopologyExceptionHandler.class.getName());
    // Kafka Streams 4.4 warns at start-up unless this is set (docs/development.md).
    props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
    // Raw bytes cannot fail to deserialize; the only other deserializer reads the String keys of
    // stage 1's own repartition topic (default mode), and a corrupt record there must stop
    // stage 1 rather than silently drop an event.
    props.put(
        StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
        LogAndFailExceptionHandler.class.getName());
    props.put(DLQ_TOPIC_CONFIG, config.topics().dlq());
    props.put(SOURCE_TOPICS_CONFIG, String.join(",", sourceTopics(config)));
    return props;
  }

  /** Sets a producer setting of stage 1 unless a passthrough sets it, prefixed or not. */
  private static void defaultProducerSetting(Properties props, String name, Object value) {
    String prefixed = StreamsConfig.producerPrefix(name);
    if (!props.containsKey(prefixed) && !props.containsKey(name)) {
      props.put(prefixed, value);
    }
  }

  /**
   * The handler to install with {@code KafkaStreams.setUncaughtExceptionHandler}: a stream thread
   * that died because the schema registry was unavailable is replaced (it re-reads the record from
   * the last committed offset, which retries it); any other uncaught error shuts the client down,
   * since retrying a bug in a loop helps no one.
   */
  public static StreamsUncaughtExceptionHandler uncaughtExceptionHandler() {
    return exception -> {
      if (causedBy(exception, RegistryUnavailableException.class)) {
        LOG.warn("replacing a stream thread: {}", exception.getMessage());
        return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
      }
      LOG.error("stage 1 stream thread failed; shutting the Kafka Streams client down", exception);
      return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    };
  }

  /** The producer topics stage 1 reads, each once even if mutations and loads are the same. */
  static List<String> sourceTopics(IngraftConfig config) {
    return new ArrayList<>(
        new LinkedHashSet<>(List.of(config.topics().mutations(), config.topics().loads())));
  }

  static boolean causedBy(Throwable exception, Class<? extends Throwable> type) {
    for (Throwable t = exception; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }
}
