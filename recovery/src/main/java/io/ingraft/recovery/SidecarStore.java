package io.ingraft.recovery;

import io.ingraft.storage.GraphId;
import io.ingraft.storage.GraphLayout;
import io.ingraft.storage.object.ObjectStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where sidecars live: {@code graphs/<id>/_recovery/<operationId>.json}. Writing is a
 * put-if-absent, so a sidecar is either absent or whole; listing is in operation id (ULID) order,
 * which is creation order.
 */
public final class SidecarStore {
  private static final Logger LOG = LoggerFactory.getLogger(SidecarStore.class);

  private final ObjectStore store;
  private final SidecarCodec codec;

  public SidecarStore(ObjectStore store) {
    this(store, new SidecarCodec());
  }

  public SidecarStore(ObjectStore store, SidecarCodec codec) {
    this.store = store;
    this.codec = codec;
  }

  public String keyOf(GraphId graph, String operationId) {
    return new GraphLayout(graph).recoveryDir() + operationId + ".json";
  }

  public void write(Sidecar sidecar) {
    store.putIfAbsent(keyOf(sidecar.graphId(), sidecar.operationId()), codec.encode(sidecar));
  }

  /** Keys of the graph's sidecars, oldest first. */
  public List<String> list(GraphId graph) {
    List<String> keys = new ArrayList<>();
    for (String key : store.list(new GraphLayout(graph).recoveryDir())) {
      if (key.endsWith(".json")) {
        keys.add(key);
      }
    }
    return keys;
  }

  /** Reads a listed sidecar; empty when its owner deleted it since the listing. */
  public Optional<Sidecar> read(String key) {
    return store.readIfExists(key).map(bytes -> codec.decode(key, bytes));
  }

  /** Deletes a sidecar; a failure is logged, not thrown, because the sweep tolerates leftovers. */
  public boolean deleteQuietly(GraphId graph, String operationId) {
    String key = keyOf(graph, operationId);
    try {
      store.delete(key);
      return true;
    } catch (RuntimeException e) {
      LOG.warn(
          "could not delete sidecar {} (the next sweep will finish it): {}", key, e.toString());
      return false;
    }
  }
}
