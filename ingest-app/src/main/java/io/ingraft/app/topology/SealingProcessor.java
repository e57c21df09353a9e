package io.ingraft.app.topology;

import io.ingraft.app.LogFields;
import io.ingraft.app.config.IngraftConfig;
import io.ingraft.events.EventFormat;
import io.ingraft.events.GraphLogCodec;
import io.ingraft.events.avro.LoggedEvent;
import io.ingraft.events.avro.SealReason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides the batch boundaries of every graph its task owns: forwards each event (a LoggedEvent,
 * keyed by graph id) and writes a seal for the graph right after it when the open batch reaches the
 * event or byte limit. A load or schema event is alone in its batch: an open batch is sealed before
 * it, and it is sealed right after. A wall-clock punctuator seals batches older than the linger
 * time. The per-graph state lives in a persistent, changelogged store, so a restarted or migrated
 * task goes on with the same open batch and sequence numbers; under exactly-once, the store, the
 * events and the seals commit in one transaction.
 */
final class SealingProcessor implements Processor<String, byte[], String, byte[]> {
  private static final Logger LOG = LoggerFactory.getLogger(SealingProcessor.class);

  /**
   * Longest pause between two linger sweeps, and so the most a batch is sealed after its linger;
   * shorter when the linger itself is short. A sweep that finds nothing due costs next to nothing.
   */
  static final Duration MAX_SWEEP_INTERVAL = Duration.ofMillis(20);

  /**
   * Most events an open batch may gain before its state is put into the store again. A put goes
   * through Streams' metered and caching layers, as costly as the event's send when done for every
   * record; the cache folds a graph's puts between two commits into one changelog write anyway. The
   * sequence number and whether a batch is open are put at every change, so only the open batch's
   * count and size can lag, by less than this (or a sixteenth of the byte limit) after a restore:
   * they decide when a COUNT or BYTES seal comes, not what a seal closes.
   */
  static final int PUT_EVERY_EVENTS = 64;

  private final IngraftConfig.Sealing sealing;
  private final String storeName;
  private final GraphLogCodec codec = new GraphLogCodec();

  /**
   * Graphs with an open batch, in the order their batches opened, so that the linger sweep stops at
   * the first batch still young. A cache of the store, rebuilt in {@link #init}.
   */
  private final LinkedHashMap<String, Long> openSince = new LinkedHashMap<>();

  /**
   * Every graph's state as last put into the store: the store's reads go through Streams' metered
   * and caching layers, a tenth of stage 1's time when done for every record. This processor is the
   * only writer of its task's store, and {@link #init} rebuilds the copy after every restore.
   */
  private final Map<String, BatchState> states = new HashMap<>();

  /** Every graph's state as last put into the store, when it differs from {@link #states}. */
  private final Map<String, BatchState> stored = new HashMap<>();

  private ProcessorContext<String, byte[]> context;
  private KeyValueStore<String, BatchState> store;

  SealingProcessor(IngraftConfig.Sealing sealing, String storeName) {
    this.sealing = sealing;
    this.storeName = storeName;
  }

  /** The supplier, which also declares the store, so that it is connected to this node only. */
  static ProcessorSupplier<String, byte[], String, byte[]> supplier(
      IngraftConfig.Sealing sealing, String storeName) {
    StoreBuilder<KeyValueStore<String, BatchState>> store =
        Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(storeName),
                Serdes.String(),
                new BatchState.StoreSerde())
            // The cache folds the many updates of a graph between two commits into one changelog
            // write; it is flushed before every commit, so exactly-once is unaffected.
            .withCachingEnabled();
    return new ProcessorSupplier<>() {
      @Override
      public Processor<String, byte[], String, byte[]> get() {
        return new SealingProcessor(sealing, storeName);
      }

      @Override
      public Set<StoreBuilder<?>> stores() {
        return Set.of(store);
      }
    };
  }

  /** How often the linger sweep runs: a tenth of the linger, at most 20 ms, at least 1 ms. */
  static Duration sweepInterval(Duration linger) {
    long ms = Math.min(linger.toMillis() / 10, MAX_SWEEP_INTERVAL.toMillis());
    return Duration.ofMillis(Math.max(1, ms));
  }

  @Override
  public void init(ProcessorContext<String, byte[]> context) {
    this.context = context;
    this.store = context.getStateStore(storeName);
    // After a restart or a migration the store is restored before init: rebuild the index of
    // open batches, oldest first. Their wall-clock start may be long past; they seal at once.
    // A revived task (after an aborted transaction) calls init again: start from the store.
    states.clear();
    stored.clear();
    openSince.clear();
    List<KeyValue<String, BatchState>> open = new ArrayList<>();
    try (KeyValueIterator<String, BatchState> all = store.all()) {
      all.forEachRemaining(
          entry -> {
            states.put(entry.key, entry.value);
            if (entry.value.isOpen()) {
              open.add(entry);
            }
          });
    }
    open.sort(Comparator.comparingLong(entry -> entry.value.openedAtMs()));
    open.forEach(entry -> openSince.put(entry.key, entry.value.openedAtMs()));
    if (!open.isEmpty()) {
      LOG.info(
          "task {}: {} graphs have an open batch after restore", context.taskId(), open.size());
    }
    context.schedule(
        sweepInterval(sealing.linger()), PunctuationType.WALL_CLOCK_TIME, this::sealLingering);
  }

  @Override
  public void process(Record<String, byte[]> record) {
    // No log fields per record: the seal's trace line sets them when it is written.
    accept(record);
  }

  private void accept(Record<String, byte[]> record) {
    String graph = record.key();
    BatchState previous = stateOf(graph);
    BatchState state = previous;
    SealReason alone = kindOf(record).aloneReason();
    if (alone != null && state.isOpen()) {
      // A load or schema change never shares a batch: close what came before it.
      state = seal(graph, state, alone, record.timestamp());
    }
    // The routing header stays behind: the graph log holds exactly the GraphLogRecord.
    context.forward(record.withHeaders(new RecordHeaders()));
    long now = context.currentSystemTimeMs();
    if (!state.isOpen()) {
      openSince.put(graph, now);
    }
    state = state.add(record.value().length, now);
    if (alone != null) {
      state = seal(graph, state, alone, record.timestamp());
    } else if (state.events() >= sealing.maxEvents()) {
      state = seal(graph, state, SealReason.COUNT, record.timestamp());
    } else if (state.bytes() >= sealing.maxBytes()) {
      state = seal(graph, state, SealReason.BYTES, record.timestamp());
    }
    BatchState lastPut = stored.getOrDefault(graph, previous);
    if (onlyGrew(lastPut, state)) {
      // Only the open batch's count and size changed since the last put: see PUT_EVERY_EVENTS.
      states.put(graph, state);
      stored.putIfAbsent(graph, lastPut);
    } else {
      put(graph, state);
    }
  }

  /**
   * Whether {@code state} is {@code lastPut}'s open batch, grown by less than a put's worth: the
   * same batch (sequence and opening time) and under {@link #PUT_EVERY_EVENTS} events and a
   * sixteenth of the byte limit more.
   */
  private boolean onlyGrew(BatchState lastPut, BatchState state) {
    return lastPut.isOpen()
        && state.isOpen()
        && state.nextSequence() == lastPut.nextSequence()
        && state.openedAtMs() == lastPut.openedAtMs()
        && state.events() - lastPut.events() < PUT_EVERY_EVENTS
        && state.bytes() - lastPut.bytes() < sealing.maxBytes() / 16;
  }

  private void sealLingering(long now) {
    long linger = sealing.linger().toMillis();
    List<String> due = new ArrayList<>();
    for (Iterator<Map.Entry<String, Long>> it = openSince.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Long> entry = it.next();
      if (now - entry.getValue() < linger) {
        break;
      }
      due.add(entry.getKey());
    }
    for (String graph : due) {
      BatchState state = stateOf(graph);
      if (state.isOpen()) {
        put(graph, seal(graph, state, SealReason.LINGER, now));
      } else {
        openSince.remove(graph);
      }
    }
  }

  private BatchState seal(String graph, BatchState state, SealReason reason, long timestamp) {
    byte[] seal =
        codec.encode(
            GraphLogCodec.seal(graph, state.nextSequence(), state.events(), reason),
            EventFormat.AVRO);
    context.forward(new Record<>(graph, seal, timestamp));
    openSince.remove(graph);
    if (LOG.isTraceEnabled()) {
      RecordMetadata source = context.recordMetadata().orElse(null);
      try (LogFields.Scope fields =
          LogFields.scope(
              graph,
              source == null ? null : source.topic() + "-" + source.partition(),
              source == null ? null : source.offset())) {
        LOG.trace(
            "sealed batch {} of graph {}: {} events, {} bytes, {}",
            state.nextSequence(),
            graph,
            state.events(),
            state.bytes(),
            reason);
      }
    }
    return state.sealed();
  }

  private BatchState stateOf(String graph) {
    return states.getOrDefault(graph, BatchState.NEW);
  }

  private void put(String graph, BatchState state) {
    store.put(graph, state);
    states.put(graph, state);
    stored.remove(graph);
  }

  private BodyKind kindOf(Record<String, byte[]> record) {
    BodyKind kind = BodyKind.fromHeaders(record.headers());
    if (kind != null) {
      return kind;
    }
    // Not written by this topology's decode step (a header lost on the way): decode to know.
    LoggedEvent logged = (LoggedEvent) codec.decode(record.value()).getEntry();
    return BodyKind.of(logged.getEvent());
  }
}
