package io.ingraft.engine.write;

import io.ingraft.engine.schema.EdgeType;
import io.ingraft.engine.schema.SchemaCatalog;
import io.ingraft.storage.table.KeyIndex;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The pending state of one edge table during a batch, keyed by edge id, over the committed edges
 * fetched for the batch (those touching the keys the batch's operations name). Indexes by source
 * and target key serve cascade deletes and {@code @card} counts over committed ∪ pending.
 */
final class EdgeTableStaging {
  final EdgeType type;
  final String path;
  final long pinnedVersion;

  /** Every committed edge id at the pinned version, with its row address. */
  final KeyIndex index;

  /** Every committed edge id at the pinned version (a view of {@link #index}). */
  final Set<Object> committedIds;

  /**
   * Committed edges fetched for this batch (those the batch's operations name), by id: each row
   * holds at least the id and both endpoints (a large fetch reads only those), which is all that
   * staging reads of a committed edge.
   */
  final Map<String, Map<String, Object>> committed = new HashMap<>();

  private final Map<Object, Set<String>> committedByFrom = new HashMap<>();
  private final Map<Object, Set<String>> committedByTo = new HashMap<>();
  final Map<String, Map<String, Object>> upserts = new LinkedHashMap<>();
  final Set<String> deletes = new HashSet<>();
  private final Map<Object, Set<String>> pendingByFrom = new HashMap<>();
  private final Map<Object, Set<String>> pendingByTo = new HashMap<>();

  EdgeTableStaging(EdgeType type, String path, long pinnedVersion, KeyIndex index) {
    this.type = type;
    this.path = path;
    this.pinnedVersion = pinnedVersion;
    this.index = index;
    this.committedIds = index.keys();
  }

  boolean exists(String id) {
    if (upserts.containsKey(id)) {
      return true;
    }
    return !deletes.contains(id) && committedIds.contains(id);
  }

  /** Adds a fetched committed edge to the view. */
  void addCommitted(Map<String, Object> row) {
    String id = (String) row.get(SchemaCatalog.EDGE_ID);
    if (committed.putIfAbsent(id, row) == null) {
      committedByFrom
          .computeIfAbsent(row.get(SchemaCatalog.EDGE_FROM), k -> new HashSet<>())
          .add(id);
      committedByTo.computeIfAbsent(row.get(SchemaCatalog.EDGE_TO), k -> new HashSet<>()).add(id);
    }
  }

  /** The edge's current row, or null. */
  Map<String, Object> row(String id) {
    Map<String, Object> pending = upserts.get(id);
    if (pending != null) {
      return pending;
    }
    return deletes.contains(id) ? null : committed.get(id);
  }

  /** Ids of the current edges leaving {@code key}. */
  Set<String> from(Object key) {
    return incident(key, committedByFrom, pendingByFrom);
  }

  /** Ids of the current edges entering {@code key}. */
  Set<String> to(Object key) {
    return incident(key, committedByTo, pendingByTo);
  }

  private Set<String> incident(
      Object key, Map<Object, Set<String>> committedIndex, Map<Object, Set<String>> pendingIndex) {
    Set<String> ids = new HashSet<>();
    for (String id : committedIndex.getOrDefault(key, Set.of())) {
      if (!deletes.contains(id) && !upserts.containsKey(id)) {
        ids.add(id);
      }
    }
    ids.addAll(pendingIndex.getOrDefault(key, Set.of()));
    return ids;
  }

  void upsert(UndoLog undo, String id, Map<String, Object> row) {
    unindexPending(undo, id);
    undo.remove(deletes, id);
    undo.put(upserts, id, row);
    undo.add(
        pendingByFrom.computeIfAbsent(row.get(SchemaCatalog.EDGE_FROM), k -> new HashSet<>()), id);
    undo.add(pendingByTo.computeIfAbsent(row.get(SchemaCatalog.EDGE_TO), k -> new HashSet<>()), id);
  }

  private void unindexPending(UndoLog undo, String id) {
    Map<String, Object> old = upserts.get(id);
    if (old != null) {
      undo.remove(
          pendingByFrom.getOrDefault(old.get(SchemaCatalog.EDGE_FROM), new HashSet<>()), id);
      undo.remove(pendingByTo.getOrDefault(old.get(SchemaCatalog.EDGE_TO), new HashSet<>()), id);
    }
  }

  void delete(UndoLog undo, String id) {
    unindexPending(undo, id);
    undo.remove(upserts, id);
    if (committedIds.contains(id)) {
      undo.add(deletes, id);
    }
  }

  boolean touched() {
    return !upserts.isEmpty() || !deletes.isEmpty();
  }
}
