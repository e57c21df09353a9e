package io.ingraft.engine.write;

import io.ingraft.engine.schema.NodeType;
import io.ingraft.storage.table.KeyIndex;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The pending state of one node table during a batch, over its committed state: rows upserted (last
 * write wins per key) and keys deleted. Reads merge the two with merge-shadow semantics: a pending
 * upsert or delete of a key wins over the committed row.
 */
final class NodeTableStaging {
  final NodeType type;
  final String path;
  final long pinnedVersion;

  /** Every committed key at the pinned version, with its row address. */
  final KeyIndex index;

  /** Every committed key at the pinned version (a view of {@link #index}). */
  final Set<Object> committedKeys;

  /** Committed rows fetched for this batch (update targets, unique-value owners). */
  final Map<Object, Map<String, Object>> committedRows = new HashMap<>();

  final Map<Object, Map<String, Object>> upserts = new LinkedHashMap<>();
  final Set<Object> deletes = new HashSet<>();

  NodeTableStaging(NodeType type, String path, long pinnedVersion, KeyIndex index) {
    this.type = type;
    this.path = path;
    this.pinnedVersion = pinnedVersion;
    this.index = index;
    this.committedKeys = index.keys();
  }

  boolean exists(Object key) {
    if (upserts.containsKey(key)) {
      return true;
    }
    return !deletes.contains(key) && committedKeys.contains(key);
  }

  /** The node's current row, or null if it does not exist. Committed rows must be prefetched. */
  Map<String, Object> row(Object key) {
    Map<String, Object> pending = upserts.get(key);
    if (pending != null) {
      return pending;
    }
    if (deletes.contains(key) || !committedKeys.contains(key)) {
      return null;
    }
    Map<String, Object> committed = committedRows.get(key);
    if (committed == null) {
      throw new IllegalStateException("row " + key + " of " + type.name() + " was not prefetched");
    }
    return committed;
  }

  void upsert(UndoLog undo, Object key, Map<String, Object> row) {
    undo.remove(deletes, key);
    undo.put(upserts, key, row);
  }

  void delete(UndoLog undo, Object key) {
    undo.remove(upserts, key);
    if (committedKeys.contains(key)) {
      undo.add(deletes, key);
    }
  }

  boolean touched() {
    return !upserts.isEmpty() || !deletes.isEmpty();
  }

  /** Whether staging needs to find committed rows (deletes, or upserts replacing a key). */
  boolean replacesCommittedRows() {
    if (!deletes.isEmpty()) {
      return true;
    }
    for (Object key : upserts.keySet()) {
      if (committedKeys.contains(key)) {
        return true;
      }
    }
    return false;
  }
}
