package io.ingraft.app.rebuild;

import io.ingraft.app.writer.EventMapper;
import io.ingraft.engine.BatchResult;
import io.ingraft.engine.EventResult;
import io.ingraft.engine.GraphEngine;
import io.ingraft.engine.event.GraphEvent;
import io.ingraft.events.GraphLogCodec;
import io.ingraft.events.avro.GraphLogRecord;
import io.ingraft.events.avro.LoggedEvent;
import io.ingraft.events.avro.Seal;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.manifest.Manifest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds one graph from the canonical graph log: reads the log from its first offset (or, for a
 * resumed rebuild, from the offsets the rebuilt graph records) and applies the graph's events
 * through the {@link GraphEngine} exactly as the graph writer does, one sealed batch at a time,
 * into whatever storage root the engine writes. Stage 1, the writer's consumer group and the live
 * storage are never touched: the consumer is manually assigned, has no group id and commits
 * nothing, and reads {@code read_committed} like the writer, so records of aborted stage-1
 * transactions are not replayed.
 *
 * <p>Why the result equals the live graph: the log is canonical and the engine applies each event
 * atomically and in log order, validating it against everything before it, so the graph after a
 * given log position does not depend on how the events were grouped into applies (the live writer
 * may take several sealed batches together; crashes, epoch claims, roll-backs and compactions add
 * versions but no content). Records the live writer dead-lettered as undecodable are skipped here
 * too, and events the engine rejects are rejected here too. The batch boundaries are still the
 * seals, so a transaction stage 1 sealed as one batch (a CDC transaction, a load) is never split.
 *
 * <p>It stops at the end each partition had when the replay started, or, with a stop offset, at the
 * graph's first record at or beyond it: every sealed batch whose events all lie below the offset is
 * applied, a batch spanning it is left out whole. The stop offset is a next offset in the sense the
 * manifests record ({@code graph status}, SOURCE / NEXT OFFSET), so rebuilding to a live version's
 * recorded offset reproduces that version.
 */
public final class LogReplay {
  private static final Logger LOG = LoggerFactory.getLogger(LogReplay.class);
  private static final Duration POLL = Duration.ofMillis(200);
  private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(60);

  /**
   * Timing of a replay.
   *
   * @param progressInterval how often progress is reported
   * @param stallTimeout how long the replay may read nothing while records are still ahead
   */
  public record Options(Duration progressInterval, Duration stallTimeout) {
    public static Options defaults() {
      return new Options(Duration.ofSeconds(5), Duration.ofMinutes(2));
    }
  }

  private final Map<String, Object> clientProps;
  private final String topic;
  private final GraphEngine engine;
  private final Function<Map<String, Object>, Consumer<byte[], byte[]>> consumers;
  private final Options options;
  private final java.util.function.Consumer<ReplayProgress> progress;
  private final GraphLogCodec codec = new GraphLogCodec();
  private final EventMapper mapper;

  /**
   * @param clientProps the Kafka client settings (bootstrap servers, security), as every command
   *     builds them from its configuration
   * @param topic the graph-log topic
   * @param engine the engine over the storage root the graph is rebuilt in
   * @param consumers makes the consumer from its properties
   * @param progress told how far the replay is, every {@link Options#progressInterval()} and once
   *     at the end
   */
  public LogReplay(
      Map<String, Object> clientProps,
      String topic,
      GraphEngine engine,
      Function<Map<String, Object>, Consumer<byte[], byte[]>> consumers,
      Options options,
      java.util.function.Consumer<ReplayProgress> progress) {
    this.clientProps = Map.copyOf(clientProps);
    this.topic = topic;
    this.engine = engine;
    this.consumers = consumers;
    this.options = options;
    this.progress = progress;
    this.mapper = new EventMapper(topic);
  }

  /** The consumer's properties: the client settings, no group, nothing committed. */
  Map<String, Object> consumerProps(GraphId graph) {
    Map<String, Object> props = new HashMap<>(clientProps);
    props.remove(ConsumerConfig.GROUP_ID_CONFIG);
    props.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "ingraft-rebuild-" + graph.value());
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
    // A misspelt topic must be an error, not a new empty log that the broker creates on lookup.
    props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    props.put(
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    return props;
  }

  /**
   * Replays the graph's events from the log into the engine's storage root.
   *
   * @param toOffset stop before the graph's first record at or beyond this offset of its partition;
   *     empty: read to the end of the log
   * @throws GraphLogNotFoundException if the topic does not exist
   * @throws LogTruncatedException if a partition no longer starts where the replay must read it
   * @throws GraphOnSeveralPartitionsException if the graph's records are on two partitions
   * @throws LogReadStalledException if nothing could be read for the stall timeout
   */
  public ReplayResult replay(GraphId graph, OptionalLong toOffset) {
    Run run = new Run(graph, toOffset);
    try (Consumer<byte[], byte[]> consumer = consumers.apply(consumerProps(graph))) {
      run.read(consumer);
    }
    // The last word of the progress, however short the replay was.
    run.report();
    return run.result();
  }

  /** One replay's state. */
  private final class Run {
    private final GraphId graph;
    private final byte[] key;
    private final OptionalLong toOffset;
    private final long started = System.nanoTime();
    private final Map<Integer, Long> readFrom = new TreeMap<>();
    private final Map<Integer, Long> readTo = new TreeMap<>();
    private final List<GraphEvent> open = new ArrayList<>();
    private TopicPartition graphPartition;
    private ReplayResult.Stop stop = ReplayResult.Stop.END_OF_LOG;
    private long recordsRead;
    private long recordsTotal;
    private long batches;
    private long applied;
    private long rejected;
    private long skipped;
    private long badRecords;
    private long unsealed;
    private long lastVersion = -1;

    Run(GraphId graph, OptionalLong toOffset) {
      this.graph = graph;
      // Stage 1 keys every graph-log record by its graph id: other graphs' records are passed
      // over without decoding them.
      this.key = graph.value().getBytes(StandardCharsets.UTF_8);
      this.toOffset = toOffset;
    }

    void report() {
      // From positions, not records counted: transaction markers take offsets too.
      long passed = 0;
      for (Map.Entry<Integer, Long> e : readTo.entrySet()) {
        passed += e.getValue() - readFrom.get(e.getKey());
      }
      progress.accept(
          new ReplayProgress(
              graph.value(), passed, recordsTotal, batches, applied, lastVersion, elapsedMs()));
    }

    void read(Consumer<byte[], byte[]> consumer) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, METADATA_TIMEOUT);
      if (infos == null || infos.isEmpty()) {
        throw new GraphLogNotFoundException(topic);
      }
      Set<TopicPartition> partitions = new HashSet<>();
      infos.forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
      Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions, METADATA_TIMEOUT);
      // read_committed: the last stable offset, so an open stage-1 transaction ends the replay.
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions, METADATA_TIMEOUT);
      Manifest existing = engine.exists(graph) ? engine.snapshot(graph).manifest() : null;
      Map<TopicPartition, Long> ends = new HashMap<>();
      for (TopicPartition tp : partitions) {
        long done =
            existing == null
                ? 0
                : existing.nextOffset(EventMapper.sourcePartition(topic, tp.partition()));
        long first = begin.get(tp);
        long last = end.get(tp);
        if (first > done && last > done) {
          throw new LogTruncatedException(tp, first, done);
        }
        readFrom.put(tp.partition(), Math.min(done, last));
        readTo.put(tp.partition(), Math.min(done, last));
        if (done < last) {
          ends.put(tp, last);
          recordsTotal += last - done;
        }
      }
      lastVersion = existing == null ? -1 : existing.version();
      LOG.info(
          "rebuild of graph {}: reading {} from {} to {}{}",
          graph,
          topic,
          readFrom,
          ends,
          toOffset.isPresent() ? " (stopping at offset " + toOffset.getAsLong() + ")" : "");
      consumer.assign(partitions);
      for (TopicPartition tp : partitions) {
        consumer.seek(tp, readFrom.get(tp.partition()));
      }
      consumer.pause(subtract(partitions, ends.keySet()));
      long lastReport = System.nanoTime();
      long lastRead = System.nanoTime();
      while (!ends.isEmpty()) {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
        Set<TopicPartition> finished = new HashSet<>();
        for (TopicPartition tp : records.partitions()) {
          Long last = ends.get(tp);
          if (last == null) {
            continue;
          }
          for (ConsumerRecord<byte[], byte[]> record : records.records(tp)) {
            if (record.offset() >= last) {
              finished.add(tp);
              break;
            }
            recordsRead++;
            readTo.put(tp.partition(), record.offset() + 1);
            if (!accept(tp, record)) {
              // The stop offset is reached: nothing after it is replayed, on any partition (the
              // graph lives on this one).
              return;
            }
          }
        }
        if (!records.isEmpty()) {
          lastRead = System.nanoTime();
        }
        for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
          long position = consumer.position(e.getKey());
          if (position >= e.getValue()) {
            finished.add(e.getKey());
          }
        }
        for (TopicPartition tp : finished) {
          readTo.put(tp.partition(), ends.remove(tp));
          consumer.pause(Set.of(tp));
        }
        if (!ends.isEmpty() && System.nanoTime() - lastRead > options.stallTimeout().toNanos()) {
          Map<TopicPartition, Long> positions = new HashMap<>();
          ends.keySet().forEach(tp -> positions.put(tp, consumer.position(tp)));
          throw new LogReadStalledException(positions, options.stallTimeout());
        }
        if (System.nanoTime() - lastReport >= options.progressInterval().toNanos()) {
          lastReport = System.nanoTime();
          report();
        }
      }
      // The end of the log: events no seal closed yet are not part of any version.
      unsealed += open.size();
      open.clear();
    }

    /** Takes one record; false when the stop offset is reached. */
    private boolean accept(TopicPartition tp, ConsumerRecord<byte[], byte[]> record) {
      if (!Arrays.equals(record.key(), key)) {
        return true;
      }
      if (graphPartition == null) {
        graphPartition = tp;
      } else if (!graphPartition.equals(tp)) {
        throw new GraphOnSeveralPartitionsException(graph.value(), graphPartition, tp);
      }
      boolean beyond = toOffset.isPresent() && record.offset() >= toOffset.getAsLong();
      GraphLogRecord decoded;
      try {
        if (record.value() == null) {
          throw new IllegalArgumentException("record has no value");
        }
        decoded = codec.decode(record.value());
      } catch (RuntimeException e) {
        // The live writer dead-lettered it (BAD_LOG_RECORD): no part of the graph.
        badRecords++;
        LOG.debug("{}@{}: not a graph-log record, skipped: {}", tp, record.offset(), e.toString());
        // Beyond the stop with nothing open, nothing more can be part of the rebuilt graph.
        return !(beyond && open.isEmpty()) || stopped();
      }
      if (decoded.getEntry() instanceof Seal seal) {
        if (!seal.getGraph().equals(graph.value())) {
          return true;
        }
        // Every open event lies below the stop offset: the first one beyond it ends the replay.
        applyOpen();
        return !beyond || stopped();
      }
      GraphEvent event;
      try {
        event = mapper.map((LoggedEvent) decoded.getEntry(), tp.partition(), record.offset());
        GraphId.of(event.graph());
      } catch (RuntimeException e) {
        badRecords++;
        LOG.debug("{}@{}: event does not map, skipped: {}", tp, record.offset(), e.toString());
        return true;
      }
      if (!event.graph().equals(graph.value())) {
        return true;
      }
      if (beyond) {
        // A batch spanning the stop offset is left out whole, as a batch is applied whole.
        unsealed += open.size();
        open.clear();
        return stopped();
      }
      open.add(event);
      return true;
    }

    /** Records that the stop offset ended the replay; always false (stop reading). */
    private boolean stopped() {
      stop = ReplayResult.Stop.TO_OFFSET;
      return false;
    }

    private void applyOpen() {
      if (open.isEmpty()) {
        return;
      }
      BatchResult result = engine.apply(graph, List.copyOf(open));
      open.clear();
      batches++;
      for (EventResult r : result.events()) {
        switch (r.status()) {
          case APPLIED -> applied++;
          case REJECTED -> rejected++;
          case SKIPPED -> skipped++;
          default -> throw new IllegalStateException("unknown status " + r.status());
        }
      }
      if (result.published()) {
        lastVersion = Math.max(lastVersion, result.manifestVersion());
      }
    }

    private long elapsedMs() {
      return (System.nanoTime() - started) / 1_000_000;
    }

    ReplayResult result() {
      Manifest latest = engine.exists(graph) ? engine.snapshot(graph).manifest() : null;
      ReplayResult result =
          new ReplayResult(
              graph.value(),
              topic,
              graphPartition == null ? -1 : graphPartition.partition(),
              stop,
              toOffset.orElse(-1),
              readFrom,
              readTo,
              recordsRead,
              batches,
              applied,
              rejected,
              skipped,
              badRecords,
              unsealed,
              latest == null ? -1 : latest.version(),
              latest == null ? Map.of() : latest.sources(),
              elapsedMs());
      LOG.info("rebuild of graph {} done: {}", graph, result);
      return result;
    }
  }

  private static Set<TopicPartition> subtract(Set<TopicPartition> all, Set<TopicPartition> less) {
    Set<TopicPartition> rest = new HashSet<>(all);
    rest.removeAll(less);
    return rest;
  }
}
