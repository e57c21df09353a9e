package io.ingraft.storage;

import io.ingraft.storage.object.ObjectStore;
import java.time.Instant;
import java.util.Optional;

/** The {@link StopRecord} of each graph, in the object store next to the graph's manifests. */
public final class StopRecords {
  private final WriterFile<StopRecord> file;

  public StopRecords(ObjectStore store) {
    this.file = new WriterFile<>(store, "stopped.json", StopRecord.class);
  }

  /** Records that the graph is stopped (replacing an older record). */
  public void write(GraphId graph, StopRecord record) {
    file.write(graph, record);
  }

  /** The graph's stop record, if it is stopped. An unreadable record reads as a stop too. */
  public Optional<StopRecord> read(GraphId graph) {
    try {
      return file.read(graph);
    } catch (StorageIoException e) {
      return Optional.of(
          new StopRecord(
              "UNREADABLE_STOP_RECORD",
              e.getMessage(),
              "remove " + file.key(graph) + " once the graph is fixed",
              Instant.EPOCH,
              ""));
    }
  }

  /** Removes the graph's stop record (nothing happens if there is none). */
  public void clear(GraphId graph) {
    file.clear(graph);
  }
}
