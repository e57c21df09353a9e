package io.ingraft.it.writer;

import io.ingraft.app.config.IngraftConfig;
import io.ingraft.app.writer.GraphWriter;
import io.ingraft.engine.GraphEngine;
import io.ingraft.events.EventFormat;
import io.ingraft.events.GraphLogCodec;
import io.ingraft.events.avro.EdgeRow;
import io.ingraft.events.avro.GraphEvent;
import io.ingraft.events.avro.GraphLogRecord;
import io.ingraft.events.avro.LoadBody;
import io.ingraft.events.avro.LoadMode;
import io.ingraft.events.avro.MutationBody;
import io.ingraft.events.avro.Op;
import io.ingraft.events.avro.OpKind;
import io.ingraft.events.avro.SchemaBody;
import io.ingraft.events.avro.SealReason;
import io.ingraft.it.kafka.KafkaTestBroker;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.manifest.Manifest;
import io.ingraft.storage.manifest.ManifestLog;
import io.ingraft.storage.object.LocalObjectStore;
import io.ingraft.storage.table.TableStore;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * What the graph writer suites share: a graph log, a DLQ and a commits topic of their own on the
 * test broker, a consumer group, a storage root with its object and table stores, a producer that
 * writes graph-log records by hand (to explicit partitions, so tests decide which graphs share
 * one), and the reads the assertions need (committed and end offsets, whole topics, exports,
 * manifest versions).
 */
final class WriterRig implements AutoCloseable {
  static final Duration TIMEOUT = Duration.ofSeconds(90);

  final KafkaTestBroker kafka;
  final Path root;
  final int partitions;
  final String graphLog;
  final String dlq;
  final String commits;
  final String group;
  final LocalObjectStore store;
  final TableStore tables;
  private final KafkaProducer<byte[], byte[]> producer;
  private final GraphLogCodec codec = new GraphLogCodec();
  private final Map<String, Long> sealSequences = new HashMap<>();
  private final Map<String, Integer> openEvents = new HashMap<>();

  WriterRig(KafkaTestBroker kafka, Path root, int partitions) {
    this.kafka = kafka;
    this.root = root;
    this.partitions = partitions;
    this.graphLog = kafka.createTopic("graph-log", partitions);
    this.dlq = kafka.createTopic("dlq", 1);
    this.commits = kafka.createTopic("commits", 1);
    this.group = KafkaTestBroker.uniqueName("writer-group");
    this.store = new LocalObjectStore(root.resolve("data"));
    this.tables = new TableStore(store);
    Map<String, Object> props = kafka.clientConfig();
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    this.producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
  }

  /** The writer's settings, as the app would read them from a properties file. */
  Map<String, String> settings(String writerId) {
    Map<String, String> s = new HashMap<>();
    s.put(IngraftConfig.BOOTSTRAP, kafka.bootstrapServers());
    s.put("storage.root", root.resolve("data").toString());
    s.put("ingraft.topic.graph-log", graphLog);
    s.put("ingraft.topic.dlq", dlq);
    s.put("ingraft.topic.commits", commits);
    s.put("ingraft.writer.id", writerId);
    s.put("ingraft.writer.group", group);
    s.put("ingraft.writer.threads", "2");
    // One sealed batch per apply, so that tests can count versions; the test of coalescing
    // raises it.
    s.put("ingraft.writer.max-batch-events", "1");
    // A dead member is noticed in seconds, not the default 45.
    s.put("kafka.session.timeout.ms", "3000");
    s.put("kafka.heartbeat.interval.ms", "500");
    return s;
  }

  IngraftConfig config(String writerId) {
    return IngraftConfig.fromMap(settings(writerId));
  }

  GraphEngine engine(String writerId) {
    return new GraphEngine(store, tables, writerId, Clock.systemUTC());
  }

  /** A started writer with its own producer, fast retries and commits. */
  GraphWriter startWriter(String writerId, GraphEngine engine) {
    return startWriter(writerId, engine, fastOptions(Duration.ofSeconds(60)));
  }

  GraphWriter startWriter(String writerId, GraphEngine engine, GraphWriter.Options options) {
    GraphWriter writer = new GraphWriter(config(writerId), engine, Clock.systemUTC(), options);
    writer.start();
    return writer;
  }

  static GraphWriter.Options fastOptions(Duration fenceGrace) {
    return new GraphWriter.Options(
        Duration.ofMillis(50),
        Duration.ofMillis(200),
        Duration.ofMillis(50),
        Duration.ofSeconds(1),
        Duration.ofSeconds(30),
        Duration.ofSeconds(30),
        fenceGrace);
  }

  // ---------------------------------------------------------------------------------------------
  // Writing the graph log

  /** Sends one event of {@code graph} to {@code partition}; returns where it landed. */
  RecordMetadata event(int partition, GraphEvent event) {
    openEvents.merge(event.getGraph(), 1, Integer::sum);
    return send(
        partition, event.getGraph(), GraphLogCodec.logged(event, "ingraft.mutations", 0, 0));
  }

  /** Sends the seal closing {@code graph}'s open events. */
  RecordMetadata seal(int partition, String graph) {
    long sequence = sealSequences.merge(graph, 1L, Long::sum);
    int count = openEvents.getOrDefault(graph, 0);
    openEvents.put(graph, 0);
    return send(partition, graph, GraphLogCodec.seal(graph, sequence, count, SealReason.COUNT));
  }

  /** Sends the events, then their seal: one batch. */
  List<RecordMetadata> batch(int partition, GraphEvent... events) {
    List<RecordMetadata> sent = new ArrayList<>();
    for (GraphEvent event : events) {
      sent.add(event(partition, event));
    }
    sent.add(seal(partition, events[0].getGraph()));
    return sent;
  }

  RecordMetadata send(int partition, String graph, GraphLogRecord record) {
    return sendRaw(
        partition, graph.getBytes(StandardCharsets.UTF_8), codec.encode(record, EventFormat.AVRO));
  }

  RecordMetadata sendRaw(int partition, byte[] key, byte[] value) {
    try {
      return producer
          .send(new ProducerRecord<>(graphLog, partition, key, value))
          .get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot produce to " + graphLog, e);
    }
  }

  /** Sends many records without waiting for each; returns where each landed, in order. */
  List<RecordMetadata> sendAll(List<ProducerRecord<byte[], byte[]>> records) {
    List<Future<RecordMetadata>> futures = new ArrayList<>();
    records.forEach(r -> futures.add(producer.send(r)));
    producer.flush();
    List<RecordMetadata> sent = new ArrayList<>();
    for (Future<RecordMetadata> future : futures) {
      try {
        sent.add(future.get(30, TimeUnit.SECONDS));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      } catch (ExecutionException | TimeoutException e) {
        throw new IllegalStateException("cannot produce to " + graphLog, e);
      }
    }
    return sent;
  }

  byte[] encode(GraphLogRecord record) {
    return codec.encode(record, EventFormat.AVRO);
  }

  // ---------------------------------------------------------------------------------------------
  // Avro events

  static GraphEvent schema(String graph, String id, String source) {
    return GraphEvent.newBuilder()
        .setGraph(graph)
        .setEventId(id)
        .setTimestamp(System.currentTimeMillis())
        .setBody(new SchemaBody(source))
        .build();
  }

  static GraphEvent mutation(String graph, String id, Op... ops) {
    return GraphEvent.newBuilder()
        .setGraph(graph)
        .setEventId(id)
        .setTimestamp(System.currentTimeMillis())
        .setBody(new MutationBody(Arrays.asList(ops)))
        .build();
  }

  static GraphEvent load(
      String graph,
      String id,
      LoadMode mode,
      Map<String, List<Map<String, Object>>> nodes,
      Map<String, List<EdgeRow>> edges) {
    // The constructor, not the builder: the builder resolves field defaults through Avro's class
    // allow-list, which does not trust the generated classes.
    return GraphEvent.newBuilder()
        .setGraph(graph)
        .setEventId(id)
        .setTimestamp(System.currentTimeMillis())
        .setBody(new LoadBody(mode, nodes, edges, null))
        .build();
  }

  static Op upsert(String type, Object... props) {
    return Op.newBuilder().setOp(OpKind.UPSERT_NODE).setType(type).setProps(props(props)).build();
  }

  static Op update(String type, Object key, Object... set) {
    return Op.newBuilder()
        .setOp(OpKind.UPDATE_NODE)
        .setType(type)
        .setKey(key)
        .setSet(props(set))
        .build();
  }

  static Op deleteNode(String type, Object key) {
    return Op.newBuilder().setOp(OpKind.DELETE_NODE).setType(type).setKey(key).build();
  }

  static Op edge(String type, String id, Object from, Object to, Object... props) {
    return Op.newBuilder()
        .setOp(OpKind.INSERT_EDGE)
        .setType(type)
        .setId(id)
        .setFrom(from)
        .setTo(to)
        .setProps(props(props))
        .build();
  }

  static Op deleteEdge(String type, String id) {
    return Op.newBuilder().setOp(OpKind.DELETE_EDGE).setType(type).setId(id).build();
  }

  static Map<String, Object> props(Object... namesAndValues) {
    Map<String, Object> props = new LinkedHashMap<>();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      props.put((String) namesAndValues[i], namesAndValues[i + 1]);
    }
    return props;
  }

  // ---------------------------------------------------------------------------------------------
  // Reading back

  Map<TopicPartition, Long> endOffsets(String topic) {
    return kafka.endOffsets(topic, topic.equals(graphLog) ? partitions : 1);
  }

  /** The group's committed offsets on the graph log, 0 for partitions it never committed. */
  Map<TopicPartition, Long> committed() {
    return kafka.committedOffsets(group, graphLog, partitions);
  }

  /** Waits until the group has committed every partition of the graph log to its end. */
  void awaitCommittedToEnd() {
    Map<TopicPartition, Long> end = endOffsets(graphLog);
    KafkaTestBroker.await(
        TIMEOUT, "group " + group + " committed to " + end, () -> committed().equals(end));
  }

  /** Every record of a topic from the beginning to its current end. */
  List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
    Map<TopicPartition, Long> end = endOffsets(topic);
    Map<String, Object> props = kafka.clientConfig();
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.assign(end.keySet());
      consumer.seekToBeginning(end.keySet());
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("timed out reading " + topic);
        }
        consumer.poll(Duration.ofMillis(100)).forEach(records::add);
      }
    }
    return records;
  }

  /** The graph's latest published state as export lines. */
  String export(GraphEngine engine, String graph) {
    StringWriter out = new StringWriter();
    engine.snapshot(GraphId.of(graph)).export(out);
    return out.toString();
  }

  /** Every published manifest version of a graph, oldest first. */
  List<Manifest> manifests(String graph) {
    ManifestLog log = new ManifestLog(store, GraphId.of(graph));
    return log.versions().stream().map(log::read).toList();
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(5));
    tables.close();
    store.close();
  }
}
