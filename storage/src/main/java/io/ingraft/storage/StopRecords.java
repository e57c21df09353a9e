package io.ingraft.storage;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ingraft.storage.json.StrictJsonMapper;
import io.ingraft.storage.object.ObjectNotFoundException;
import io.ingraft.storage.object.ObjectStore;
import java.io.IOException;
import java.util.Optional;

/** The {@link StopRecord} of each graph, in the object store next to the graph's manifests. */
public final class StopRecords {
  private final ObjectStore store;
  private final ObjectMapper json = StrictJsonMapper.create();

  public StopRecords(ObjectStore store) {
    this.store = store;
  }

  private static String key(GraphId graph) {
    return new GraphLayout(graph).root() + "_writer/stopped.json";
  }

  /** Records that the graph is stopped (replacing an older record). */
  public void write(GraphId graph, StopRecord record) {
    try {
      store.put(key(graph), json.writeValueAsBytes(record));
    } catch (IOException e) {
      throw new StorageIoException(key(graph), "write the stop record", e);
    }
  }

  /** The graph's stop record, if it is stopped. An unreadable record reads as a stop too. */
  public Optional<StopRecord> read(GraphId graph) {
    byte[] bytes;
    try {
      bytes = store.read(key(graph));
    } catch (ObjectNotFoundException e) {
      return Optional.empty();
    }
    try {
      return Optional.of(json.readValue(bytes, StopRecord.class));
    } catch (IOException e) {
      return Optional.of(
          new StopRecord(
              "UNREADABLE_STOP_RECORD",
              e.getMessage(),
              "remove " + key(graph) + " once the graph is fixed",
              java.time.Instant.EPOCH,
              ""));
    }
  }

  /** Removes the graph's stop record (nothing happens if there is none). */
  public void clear(GraphId graph) {
    store.delete(key(graph));
  }
}
