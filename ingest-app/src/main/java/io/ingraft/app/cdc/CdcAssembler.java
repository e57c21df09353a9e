package io.ingraft.app.cdc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.ingraft.app.cdc.CdcItem.CdcOp;
import io.ingraft.app.config.IngraftConfig;
import io.ingraft.engine.schema.GraphSchema;
import io.ingraft.events.avro.CdcMark;
import io.ingraft.events.avro.SealReason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CDC step of stage 1 that decides what the graph log gets and in which batches. Every item of
 * one CDC source reaches this one task (the {@code cdc-by-source} repartition has one partition),
 * in no particular order across the change topics' partitions. It keeps everything not yet written
 * in two changelogged stores, so that under exactly-once a crash of stage 1 loses nothing and
 * writes nothing twice:
 *
 * <ul>
 *   <li><b>Initial snapshot</b> ({@code op = r}): node rows are written as they arrive, batched by
 *       count and linger like producer events, except each graph's latest one, which waits in the
 *       state store (so that the snapshot's last event is still to be written when it is complete);
 *       every edge (foreign keys and join tables) waits until the snapshot is complete, then
 *       follows all nodes. The snapshot is complete when a record from after it has been seen (its
 *       {@code last} record, a streaming change or a transaction END) and this task has read every
 *       change-topic partition up to the end offsets taken after that moment. Every event of the
 *       snapshot carries {@code snapshotInProgress}, except the last one written.
 *   <li><b>With transaction metadata</b>: changes are kept per transaction ({@code txId}) until the
 *       transaction's END has arrived and the per-table counts of the END are met; the transactions
 *       are then written in the order of their ENDs on the (single-partition) transaction topic,
 *       which is the source's commit order, each as its own batch sealed with reason TRANSACTION
 *       (one whose changes include a record that did not decode is let go without it once the
 *       change topics have been read to their end). Within a transaction, the last change of each
 *       row wins, and the operations go in phases: join-table edges removed, nodes deleted, nodes
 *       upserted, their foreign-key edges, join-table edges inserted. A truncate goes first in the
 *       batch and drops its table's changes that precede it, so the transaction stays one batch.
 *       Nothing is written before the snapshot is complete.
 *   <li><b>Without transaction metadata</b>: each change is written as it arrives (after the
 *       snapshot), batched by count and linger like producer events.
 * </ul>
 */
final class CdcAssembler implements Processor<String, CdcItem, String, byte[]> {
  private static final Logger LOG = LoggerFactory.getLogger(CdcAssembler.class);
  static final String ITEMS_STORE = "cdc-items";
  static final String STATE_STORE = "cdc-state";
  private static final String UNATTRIBUTED = "unattributed";
  private static final String HELD_NODE = "snaphold/";
  private static final Duration SWEEP = Duration.ofMillis(100);
  private static final ObjectMapper JSON = JsonMapper.builder().build();

  /** End offsets of the change topics' partitions ({@code topic:partition}), asked of Kafka. */
  interface EndOffsets extends AutoCloseable {
    Map<String, Long> endOffsets();

    @Override
    void close();
  }

  /** Where the snapshot is. */
  enum SnapshotPhase {
    /** No snapshot record and nothing after one seen yet. */
    WAITING,
    /** Snapshot records are arriving. */
    RUNNING,
    /** Something from after the snapshot was seen: waiting to have read up to the end offsets. */
    ENDING,
    /** Complete (or there is none). */
    DONE
  }

  /** The state of this source, in {@link #STATE_STORE} under {@code meta}. */
  record Meta(
      SnapshotPhase phase,
      Map<String, Long> target,
      long nextSeq,
      long headEnd,
      long nextEnd,
      long snapshotNodes,
      long snapshotTxLsn,
      String snapshotTxId,
      long snapshotTsMs) {
    /** The same state in another snapshot phase. */
    Meta withPhase(SnapshotPhase next) {
      return new Meta(
          next,
          target,
          nextSeq,
          headEnd,
          nextEnd,
          snapshotNodes,
          snapshotTxLsn,
          snapshotTxId,
          snapshotTsMs);
    }
  }

  /** A transaction being assembled: changes received, in all and per table. */
  record TxState(long received, Map<String, Long> perTable) {}

  /** A graph's batch bookkeeping: next seal sequence, the open batch, the schema written. */
  record GraphState(long nextSequence, int openEvents, long openedAtMs, String schemaHash) {}

  private final CdcMapping mapping;
  private final GraphSchema schema;
  private final IngraftConfig.Sealing sealing;
  private final Supplier<EndOffsets> endOffsetsFactory;
  private final CdcLogRecords records = new CdcLogRecords();
  private ProcessorContext<String, byte[]> context;
  private KeyValueStore<String, CdcItem> items;
  private KeyValueStore<String, String> state;
  private EndOffsets endOffsets;
  // Copies of the state store's small values, rebuilt at init: only this processor writes it.
  private Meta meta;
  private final Map<String, TxState> transactions = new HashMap<>();
  private final Map<String, GraphState> graphs = new HashMap<>();
  private final Map<String, Long> seen = new HashMap<>();

  /**
   * Per graph, the latest snapshot node, not written yet ({@code snaphold/<graph>} in the state
   * store): the snapshot's last event per graph must say it is complete, and only its end tells
   * which event is last.
   */
  private final Map<String, CdcItem> heldSnapshotNodes = new TreeMap<>();

  /** Graphs whose schema {@code newColumns: evolve} changed: their current schema. */
  private final Map<String, GraphSchema> evolved = new HashMap<>();

  /**
   * Change records that did not decode at all (no transaction to count them toward) and have not
   * yet been matched with a transaction left incomplete: {@code unattributed} in the state store.
   */
  private long unattributed;

  CdcAssembler(
      CdcMapping mapping,
      GraphSchema schema,
      IngraftConfig.Sealing sealing,
      Supplier<EndOffsets> endOffsetsFactory) {
    this.mapping = mapping;
    this.schema = schema;
    this.sealing = sealing;
    this.endOffsetsFactory = endOffsetsFactory;
  }

  static ProcessorSupplier<String, CdcItem, String, byte[]> supplier(
      CdcMapping mapping,
      GraphSchema schema,
      IngraftConfig.Sealing sealing,
      Supplier<EndOffsets> endOffsets) {
    StoreBuilder<KeyValueStore<String, CdcItem>> itemStore =
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(ITEMS_STORE), Serdes.String(), new CdcItem.JsonSerde());
    StoreBuilder<KeyValueStore<String, String>> stateStore =
        Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(STATE_STORE), Serdes.String(), Serdes.String())
            .withCachingEnabled();
    return new ProcessorSupplier<>() {
      @Override
      public Processor<String, CdcItem, String, byte[]> get() {
        return new CdcAssembler(mapping, schema, sealing, endOffsets);
      }

      @Override
      public Set<StoreBuilder<?>> stores() {
        return Set.of(itemStore, stateStore);
      }
    };
  }

  @Override
  public void init(ProcessorContext<String, byte[]> context) {
    this.context = context;
    this.items = context.getStateStore(ITEMS_STORE);
    this.state = context.getStateStore(STATE_STORE);
    transactions.clear();
    graphs.clear();
    seen.clear();
    evolved.clear();
    heldSnapshotNodes.clear();
    unattributed = 0;
    meta = null;
    try (KeyValueIterator<String, String> all = state.all()) {
      while (all.hasNext()) {
        KeyValue<String, String> entry = all.next();
        String key = entry.key;
        if (key.equals("meta")) {
          meta = read(entry.value, Meta.class);
        } else if (key.startsWith("tx/")) {
          transactions.put(key.substring(3), read(entry.value, TxState.class));
        } else if (key.startsWith("graph/")) {
          graphs.put(key.substring(6), read(entry.value, GraphState.class));
        } else if (key.startsWith("seen/")) {
          seen.put(key.substring(5), Long.parseLong(entry.value));
        } else if (key.startsWith(HELD_NODE)) {
          heldSnapshotNodes.put(
              key.substring(HELD_NODE.length()), read(entry.value, CdcItem.class));
        } else if (key.startsWith("schema/")) {
          evolved.put(key.substring(7), GraphSchema.parse(entry.value));
        } else if (key.equals(UNATTRIBUTED)) {
          unattributed = Long.parseLong(entry.value);
        }
      }
    }
    if (meta == null) {
      meta =
          new Meta(
              mapping.snapshot() == CdcMapping.Snapshot.NEVER
                  ? SnapshotPhase.DONE
                  : SnapshotPhase.WAITING,
              null,
              0,
              0,
              0,
              0,
              0,
              null,
              0);
    }
    if (!transactions.isEmpty() || meta.phase() != SnapshotPhase.DONE) {
      LOG.info(
          "CDC source {}: {} open transactions, {} ENDs queued, snapshot {} after restore",
          mapping.source(),
          transactions.size(),
          meta.nextEnd() - meta.headEnd(),
          meta.phase());
    }
    context.schedule(SWEEP, PunctuationType.WALL_CLOCK_TIME, this::sweep);
  }

  @Override
  public void close() {
    if (endOffsets != null) {
      endOffsets.close();
      endOffsets = null;
    }
  }

  @Override
  public void process(Record<String, CdcItem> record) {
    CdcItem item = record.value();
    if (item.kind() == CdcItem.Kind.END) {
      long seq = meta.nextEnd();
      items.put(endKey(seq), item);
      putMeta(
          with(
              meta,
              m ->
                  new Meta(
                      m.phase() == SnapshotPhase.WAITING || m.phase() == SnapshotPhase.RUNNING
                          ? SnapshotPhase.ENDING
                          : m.phase(),
                      m.target(),
                      m.nextSeq(),
                      m.headEnd(),
                      seq + 1,
                      m.snapshotNodes(),
                      m.snapshotTxLsn(),
                      m.snapshotTxId(),
                      m.snapshotTsMs())));
      sealReadyTransactions();
      return;
    }
    markSeen(item);
    if (item.kind() == CdcItem.Kind.SKIPPED) {
      return;
    }
    if (item.inSnapshot()) {
      snapshotItem(item);
      return;
    }
    if (meta.phase() == SnapshotPhase.WAITING || meta.phase() == SnapshotPhase.RUNNING) {
      // A change from after the snapshot: the snapshot's records are all in Kafka by now.
      putMeta(with(meta, m -> m.withPhase(SnapshotPhase.ENDING)));
    }
    if (mapping.transactional() && item.inTransaction()) {
      TxState tx = transactions.getOrDefault(item.txId(), new TxState(0, Map.of()));
      Map<String, Long> perTable = new HashMap<>(tx.perTable());
      perTable.merge(item.table(), 1L, Long::sum);
      items.put("tx/" + item.txId() + "/" + position(item), item);
      putTx(item.txId(), new TxState(tx.received() + 1, perTable));
      sealReadyTransactions();
      return;
    }
    if (item.kind() == CdcItem.Kind.FAILED) {
      if (mapping.transactional() && item.txId() == null) {
        // Undecodable, so counted toward no transaction: if an END counts it, that transaction
        // never completes by itself, and the sweep lets it go (releaseIncompleteHead).
        putUnattributed(unattributed + 1);
      }
      return;
    }
    if (meta.phase() != SnapshotPhase.DONE) {
      items.put("pend/" + position(item), item);
      return;
    }
    writeUnordered(item);
  }

  // ---------------------------------------------------------------------------------------------
  // The snapshot

  private void snapshotItem(CdcItem item) {
    if (meta.phase() == SnapshotPhase.WAITING) {
      putMeta(with(meta, m -> m.withPhase(SnapshotPhase.RUNNING)));
    }
    if ("last".equals(item.snapshot()) && meta.phase() == SnapshotPhase.RUNNING) {
      putMeta(with(meta, m -> m.withPhase(SnapshotPhase.ENDING)));
    }
    if (item.lsn() > meta.snapshotTxLsn()) {
      putMeta(
          with(
              meta,
              m ->
                  new Meta(
                      m.phase(),
                      m.target(),
                      m.nextSeq(),
                      m.headEnd(),
                      m.nextEnd(),
                      m.snapshotNodes(),
                      item.lsn(),
                      item.txId(),
                      m.snapshotTsMs())));
    }
    if (item.kind() != CdcItem.Kind.ROW) {
      return;
    }
    if (item.phase() == CdcItem.NODE_UPSERT) {
      holdSnapshotNode(item);
    }
    if (item.phase() == CdcItem.JOIN_UPSERT) {
      items.put("snapedge/" + position(item), item);
    } else if (item.edgeOps() != null) {
      // Only the edges wait: the node's own operations are written (or held) already.
      items.put("snapedge/" + position(item), item.withoutNodeOps());
    }
  }

  /**
   * Holds {@code node} as its graph's latest snapshot node and writes the one it replaces into the
   * graph's open batch, marked as written while the snapshot is in progress.
   */
  private void holdSnapshotNode(CdcItem node) {
    CdcItem previous = heldSnapshotNodes.put(node.graph(), node);
    state.put(HELD_NODE + node.graph(), write(node));
    if (previous != null) {
      appendOpen(
          previous.graph(),
          List.of(
              records.mutation(
                  previous.graph(),
                  CdcLogRecords.eventId(mapping.source(), previous, "n"),
                  previous.nodeOps(),
                  previous,
                  snapshotMark(previous, true))),
          previous);
    }
  }

  /** Called when the snapshot is complete: the held nodes, then every edge, then go on. */
  private void finishSnapshot() {
    // Buffered by an earlier version of this step, which wrote snapshot nodes in whole batches.
    List<CdcItem> nodes = drain("snapnode/");
    nodes.addAll(heldSnapshotNodes.values());
    heldSnapshotNodes.keySet().forEach(graph -> state.delete(HELD_NODE + graph));
    heldSnapshotNodes.clear();
    List<CdcItem> edges = drain("snapedge/");
    List<Pending> events = new ArrayList<>();
    for (CdcItem item : nodes) {
      events.add(new Pending(item, "n", item.nodeOps()));
    }
    for (CdcItem item : edges) {
      if (item.phase() == CdcItem.JOIN_UPSERT) {
        events.add(new Pending(item, "n", item.nodeOps()));
      } else {
        events.add(new Pending(item, "e", item.edgeOps()));
      }
    }
    // The last event written for each graph says the snapshot is complete.
    Map<String, Integer> lastIndex = new HashMap<>();
    for (int i = 0; i < events.size(); i++) {
      lastIndex.put(events.get(i).item().graph(), i);
    }
    Map<String, List<byte[]>> chunk = new LinkedHashMap<>();
    for (int i = 0; i < events.size(); i++) {
      Pending p = events.get(i);
      String graph = p.item().graph();
      boolean last = lastIndex.get(graph) == i;
      List<byte[]> batch = chunk.computeIfAbsent(graph, g -> new ArrayList<>());
      batch.add(
          records.mutation(
              graph,
              CdcLogRecords.eventId(mapping.source(), p.item(), p.suffix()),
              p.ops(),
              p.item(),
              snapshotMark(p.item(), !last)));
      if (last || batch.size() >= sealing.maxEvents()) {
        writeBatch(graph, batch, p.item(), last ? SealReason.TRANSACTION : SealReason.COUNT, nodes);
        chunk.remove(graph);
      }
    }
    putMeta(
        with(
            meta,
            m ->
                new Meta(
                    SnapshotPhase.DONE,
                    null,
                    m.nextSeq(),
                    m.headEnd(),
                    m.nextEnd(),
                    0,
                    m.snapshotTxLsn(),
                    m.snapshotTxId(),
                    m.snapshotTsMs())));
    LOG.info(
        "CDC source {}: initial snapshot complete ({} nodes in the last batch, {} edges)",
        mapping.source(),
        nodes.size(),
        edges.size());
    for (CdcItem item : drain("pend/")) {
      writeUnordered(item);
    }
    sealReadyTransactions();
  }

  private record Pending(CdcItem item, String suffix, List<CdcOp> ops) {}

  private CdcMark snapshotMark(CdcItem item, boolean inProgress) {
    return new CdcMark(
        mapping.source(),
        Math.max(item.lsn(), meta.snapshotTxLsn()),
        item.txId() == null ? "snapshot" : item.txId(),
        item.tsMs(),
        inProgress);
  }

  /**
   * Whether this task has read every change-topic partition up to the end offsets taken once the
   * snapshot was known to be over.
   */
  private boolean caughtUp() {
    if (endOffsets == null) {
      endOffsets = endOffsetsFactory.get();
    }
    Map<String, Long> target = meta.target();
    if (target == null) {
      Map<String, Long> taken;
      try {
        taken = new TreeMap<>(endOffsets.endOffsets());
      } catch (RuntimeException e) {
        // The cluster did not answer: the next sweep asks again.
        LOG.warn(
            "CDC source {}: cannot take the change topics' end offsets yet: {}",
            mapping.source(),
            e.getMessage());
        return false;
      }
      putMeta(
          with(
              meta,
              m ->
                  new Meta(
                      m.phase(),
                      taken,
                      m.nextSeq(),
                      m.headEnd(),
                      m.nextEnd(),
                      m.snapshotNodes(),
                      m.snapshotTxLsn(),
                      m.snapshotTxId(),
                      m.snapshotTsMs())));
      target = taken;
    }
    for (Map.Entry<String, Long> partition : target.entrySet()) {
      long next = seen.getOrDefault(partition.getKey(), -1L) + 1;
      if (next < partition.getValue()) {
        return false;
      }
    }
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // Transactions

  private void sealReadyTransactions() {
    if (meta.phase() != SnapshotPhase.DONE) {
      return;
    }
    while (meta.headEnd() < meta.nextEnd()) {
      String key = endKey(meta.headEnd());
      CdcItem end = items.get(key);
      TxState tx = transactions.getOrDefault(end.txId(), new TxState(0, Map.of()));
      if (missing(end, tx) > 0) {
        return;
      }
      sealHead(end, key);
    }
  }

  /** Writes the head transaction and moves on to the next END. */
  private void sealHead(CdcItem end, String key) {
    writeTransaction(end);
    items.delete(key);
    state.delete("tx/" + end.txId());
    transactions.remove(end.txId());
    // The end offsets taken while this head waited (releaseIncompleteHead) do not hold for the
    // next one: it takes its own.
    putMeta(
        with(
            meta,
            m ->
                new Meta(
                    m.phase(),
                    null,
                    m.nextSeq(),
                    m.headEnd() + 1,
                    m.nextEnd(),
                    m.snapshotNodes(),
                    m.snapshotTxLsn(),
                    m.snapshotTxId(),
                    m.snapshotTsMs())));
  }

  /**
   * Lets the head transaction go without the changes it still misses, when records that did not
   * decode were seen (dead-lettered as {@code CDC_NOT_A_CHANGE_EVENT}, their transaction unknown)
   * and this task has read every change-topic partition up to the end offsets taken after the
   * head's END arrived: Debezium writes a transaction's changes before its END, so the missing ones
   * are among the dead letters and waiting longer would stall the source for good.
   */
  private void releaseIncompleteHead() {
    String key = endKey(meta.headEnd());
    CdcItem end = items.get(key);
    long missing = missing(end, transactions.getOrDefault(end.txId(), new TxState(0, Map.of())));
    if (missing == 0) {
      return;
    }
    LOG.warn(
        "CDC source {}: transaction {} misses {} changes after reading the change topics to "
            + "their end; {} undecodable records were dead-lettered: writing it without them",
        mapping.source(),
        end.txId(),
        missing,
        unattributed);
    putUnattributed(Math.max(0, unattributed - missing));
    sealHead(end, key);
    sealReadyTransactions();
  }

  /** How many changes of the END's mapped tables have not arrived (0: complete). */
  private long missing(CdcItem end, TxState tx) {
    long missing = 0;
    for (Map.Entry<String, Long> table : end.perTable().entrySet()) {
      if (mapping.table(table.getKey()) != null) {
        missing += Math.max(0, table.getValue() - tx.perTable().getOrDefault(table.getKey(), 0L));
      }
    }
    return missing;
  }

  private void writeTransaction(CdcItem end) {
    List<CdcItem> changes = drain("tx/" + end.txId() + "/");
    changes.sort(Comparator.comparingLong(CdcItem::totalOrder));
    long commitTs = end.tsMs();
    for (CdcItem change : changes) {
      commitTs = Math.max(commitTs, change.tsMs());
    }
    CdcMark mark = new CdcMark(mapping.source(), end.lsn(), end.txId(), commitTs, false);
    // A truncate wipes its table's changes that precede it: only its last truncate counts, and
    // only the table's changes after that one are kept.
    Map<String, Integer> truncatedAt = new LinkedHashMap<>();
    Map<String, CdcItem> truncates = new LinkedHashMap<>();
    for (int i = 0; i < changes.size(); i++) {
      CdcItem change = changes.get(i);
      if (change.kind() == CdcItem.Kind.TRUNCATE) {
        truncatedAt.put(change.table(), i);
        truncates.put(change.table(), change);
      }
    }
    List<CdcItem> kept = new ArrayList<>(changes.size());
    for (int i = 0; i < changes.size(); i++) {
      CdcItem change = changes.get(i);
      if (change.kind() == CdcItem.Kind.ROW && truncatedAt.getOrDefault(change.table(), -1) < i) {
        kept.add(change);
      }
    }
    // One batch per graph, the truncates first: the engine applies an overwrite against the
    // batch's current state, so the changes after it see the emptied type, and the whole
    // transaction is one version (docs/cdc.md, "Order and atomicity").
    Map<String, List<byte[]>> byGraph = new LinkedHashMap<>();
    for (CdcItem truncate : truncates.values()) {
      for (String graph : truncatedGraphs(truncate)) {
        byGraph
            .computeIfAbsent(graph, g -> new ArrayList<>())
            .add(
                records.truncate(
                    graph,
                    CdcLogRecords.eventId(mapping.source(), truncate, "t"),
                    truncate.type(),
                    mapping.table(truncate.table()).isEdge(),
                    truncate,
                    mark));
      }
    }
    writeSegment(kept, mark, byGraph);
    CdcItem anchor = changes.isEmpty() ? end : changes.get(changes.size() - 1);
    byGraph.forEach(
        (graph, events) -> writeBatch(graph, events, anchor, SealReason.TRANSACTION, changes));
  }

  /**
   * The events of a transaction's row changes: the last change of each row, in phases (join edges
   * removed, nodes deleted, nodes upserted, their foreign-key edges, join edges inserted), so that
   * no edge is written before the nodes it needs.
   */
  private void writeSegment(
      List<CdcItem> segment, CdcMark mark, Map<String, List<byte[]>> byGraph) {
    Map<String, CdcItem> last = new LinkedHashMap<>();
    for (CdcItem change : segment) {
      last.remove(change.rowKey());
      last.put(change.rowKey(), change);
    }
    List<Pending> ordered = new ArrayList<>(last.size() * 2);
    for (int phase : new int[] {CdcItem.JOIN_DELETE, CdcItem.NODE_DELETE, CdcItem.NODE_UPSERT}) {
      for (CdcItem change : last.values()) {
        if (change.phase() == phase) {
          ordered.add(new Pending(change, "n", change.nodeOps()));
        }
      }
    }
    for (CdcItem change : last.values()) {
      if (change.phase() == CdcItem.NODE_UPSERT && change.edgeOps() != null) {
        ordered.add(new Pending(change, "e", change.edgeOps()));
      }
    }
    for (CdcItem change : last.values()) {
      if (change.phase() == CdcItem.JOIN_UPSERT) {
        ordered.add(new Pending(change, "n", change.nodeOps()));
      }
    }
    for (Pending p : ordered) {
      String graph = p.item().graph();
      byGraph
          .computeIfAbsent(graph, g -> new ArrayList<>())
          .add(
              records.mutation(
                  graph,
                  CdcLogRecords.eventId(mapping.source(), p.item(), p.suffix()),
                  p.ops(),
                  p.item(),
                  mark));
    }
  }

  /** The graphs a truncate empties: the fixed graph, or every graph this source wrote. */
  private List<String> truncatedGraphs(CdcItem truncate) {
    if (mapping.graph() != null) {
      return List.of(mapping.graph());
    }
    return new ArrayList<>(new TreeMap<>(graphs).keySet());
  }

  // ---------------------------------------------------------------------------------------------
  // Without transaction metadata

  private void writeUnordered(CdcItem item) {
    CdcMark mark =
        new CdcMark(
            mapping.source(),
            item.lsn(),
            item.txId() == null ? "" : item.txId(),
            item.tsMs(),
            false);
    List<String> graphsHit =
        item.kind() == CdcItem.Kind.TRUNCATE ? truncatedGraphs(item) : List.of(item.graph());
    for (String graph : graphsHit) {
      List<byte[]> events = new ArrayList<>(2);
      if (item.kind() == CdcItem.Kind.TRUNCATE) {
        // A batch of its own, as without transaction metadata each change is written as it
        // comes; the engine would also apply it right inside an open batch.
        writeBatch(
            graph,
            List.of(
                records.truncate(
                    graph,
                    CdcLogRecords.eventId(mapping.source(), item, "t"),
                    item.type(),
                    mapping.table(item.table()).isEdge(),
                    item,
                    mark)),
            item,
            SealReason.LOAD,
            List.of(item));
        continue;
      } else {
        events.add(
            records.mutation(
                graph,
                CdcLogRecords.eventId(mapping.source(), item, "n"),
                item.nodeOps(),
                item,
                mark));
        if (item.edgeOps() != null) {
          events.add(
              records.mutation(
                  graph,
                  CdcLogRecords.eventId(mapping.source(), item, "e"),
                  item.edgeOps(),
                  item,
                  mark));
        }
      }
      appendOpen(graph, events, item);
    }
  }

  /** Adds events to the graph's open batch, sealed at the event limit or after the linger. */
  private void appendOpen(String graph, List<byte[]> events, CdcItem anchor) {
    ensureSchema(graph, anchor, List.of(anchor));
    GraphState g = graphs.get(graph);
    long now = context.currentSystemTimeMs();
    for (byte[] event : events) {
      forward(graph, event);
      g =
          new GraphState(
              g.nextSequence(),
              g.openEvents() + 1,
              g.openEvents() == 0 ? now : g.openedAtMs(),
              g.schemaHash());
      if (g.openEvents() >= sealing.maxEvents()) {
        g = seal(graph, g, SealReason.COUNT);
      }
    }
    putGraph(graph, g);
  }

  // ---------------------------------------------------------------------------------------------
  // Writing

  /**
   * Writes {@code events} as one batch of the graph (an open batch is sealed first), after the
   * schema change that {@code items} need, if any.
   */
  private void writeBatch(
      String graph, List<byte[]> events, CdcItem anchor, SealReason reason, List<CdcItem> items) {
    if (events.isEmpty()) {
      return;
    }
    ensureSchema(graph, anchor, items);
    GraphState g = graphs.get(graph);
    if (g.openEvents() > 0) {
      g = seal(graph, g, SealReason.TRANSACTION);
    }
    for (byte[] event : events) {
      forward(graph, event);
    }
    g = new GraphState(g.nextSequence(), events.size(), 0, g.schemaHash());
    putGraph(graph, seal(graph, g, reason));
  }

  /**
   * Before a graph's batch, as a batch of its own: the mapping's schema before the graph's first
   * one, and an additive change when {@code items} bring properties the graph's types do not have
   * ({@code newColumns: evolve}).
   */
  private void ensureSchema(String graph, CdcItem anchor, List<CdcItem> items) {
    GraphState g = graphs.get(graph);
    if (g == null) {
      g = new GraphState(0, 0, 0, null);
    }
    GraphSchema current = evolved.getOrDefault(graph, schema);
    GraphSchema next = current;
    for (CdcItem item : items) {
      if (item.added() == null || !graph.equals(item.graph())) {
        continue;
      }
      for (Map.Entry<String, String> property : item.added().entrySet()) {
        if (!hasProperty(next, item.type(), property.getKey())) {
          next =
              SchemaText.withProperty(
                  next,
                  item.type(),
                  property.getKey(),
                  new io.ingraft.engine.schema.PropertyType.Scalar(
                      io.ingraft.engine.schema.ScalarKind.fromLanguageName(property.getValue())
                          .orElseThrow()));
        }
      }
    }
    if (next != current) {
      evolved.put(graph, next);
      state.put("schema/" + graph, next.source());
      LOG.info(
          "CDC source {}: graph {} gets new properties from the source (schema {})",
          mapping.source(),
          graph,
          next.hash().substring(0, 12));
    }
    String wanted = mapping.schema() == null && next == schema ? null : next.hash();
    if (wanted != null && !wanted.equals(g.schemaHash())) {
      if (g.openEvents() > 0) {
        g = seal(graph, g, SealReason.SCHEMA);
      }
      forward(
          graph,
          records.schema(graph, mapping.source() + ":schema:" + wanted, next.source(), anchor));
      g = seal(graph, new GraphState(g.nextSequence(), 1, 0, wanted), SealReason.SCHEMA);
    }
    if (g != graphs.get(graph)) {
      putGraph(graph, g);
    }
  }

  /** Whether the node or edge type has the property (an unknown type counts as having it). */
  private static boolean hasProperty(GraphSchema schema, String type, String property) {
    if (type == null) {
      return true;
    }
    if (schema.nodeType(type).isPresent()) {
      return schema.nodeType(type).get().property(property).isPresent();
    }
    return schema.edgeType(type).map(t -> t.property(property).isPresent()).orElse(true);
  }

  private GraphState seal(String graph, GraphState g, SealReason reason) {
    forward(graph, records.seal(graph, g.nextSequence(), g.openEvents(), reason));
    return new GraphState(g.nextSequence() + 1, 0, 0, g.schemaHash());
  }

  private void forward(String graph, byte[] value) {
    context.forward(new Record<>(graph, value, context.currentSystemTimeMs()));
  }

  private void sweep(long now) {
    if (meta.phase() == SnapshotPhase.ENDING && caughtUp()) {
      finishSnapshot();
    } else if (meta.phase() == SnapshotPhase.DONE
        && unattributed > 0
        && meta.headEnd() < meta.nextEnd()
        && caughtUp()) {
      releaseIncompleteHead();
    }
    for (Map.Entry<String, GraphState> entry : new ArrayList<>(graphs.entrySet())) {
      GraphState g = entry.getValue();
      if (g.openEvents() > 0 && now - g.openedAtMs() >= sealing.linger().toMillis()) {
        putGraph(entry.getKey(), seal(entry.getKey(), g, SealReason.LINGER));
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Stores

  private List<CdcItem> drain(String prefix) {
    List<CdcItem> out = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    try (KeyValueIterator<String, CdcItem> range =
        items.prefixScan(prefix, new StringSerializer())) {
      while (range.hasNext()) {
        KeyValue<String, CdcItem> entry = range.next();
        keys.add(entry.key);
        out.add(entry.value);
      }
    }
    keys.forEach(items::delete);
    return out;
  }

  private void markSeen(CdcItem item) {
    String partition = item.topic() + ":" + item.partition();
    Long before = seen.get(partition);
    if (before == null || before < item.offset()) {
      seen.put(partition, item.offset());
      state.put("seen/" + partition, Long.toString(item.offset()));
    }
  }

  /**
   * A store key part that is unique per source record and sorts by topic, partition and offset, so
   * that each row's changes (one partition) stay in order.
   */
  private static String position(CdcItem item) {
    return item.topic() + ":" + String.format("%05d", item.partition()) + ":" + pad(item.offset());
  }

  private static String pad(long seq) {
    return String.format("%019d", seq);
  }

  private static String endKey(long seq) {
    return "end/" + pad(seq);
  }

  private static Meta with(Meta meta, java.util.function.UnaryOperator<Meta> change) {
    return change.apply(meta);
  }

  private void putMeta(Meta next) {
    meta = next;
    state.put("meta", write(next));
  }

  private void putTx(String txId, TxState tx) {
    transactions.put(txId, tx);
    state.put("tx/" + txId, write(tx));
  }

  private void putUnattributed(long count) {
    unattributed = count;
    state.put(UNATTRIBUTED, Long.toString(count));
  }

  private void putGraph(String graph, GraphState g) {
    graphs.put(graph, g);
    state.put("graph/" + graph, write(g));
  }

  private static String write(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static <T> T read(String json, Class<T> type) {
    try {
      return JSON.readValue(json, type);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("unreadable CDC state: " + json, e);
    }
  }
}
