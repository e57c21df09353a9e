package io.ingraft.engine.read;

import io.ingraft.recovery.SidecarStore;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.InvalidNameException;
import io.ingraft.storage.StopRecords;
import io.ingraft.storage.manifest.Manifest;
import io.ingraft.storage.manifest.ManifestLog;
import io.ingraft.storage.object.ObjectStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The graphs of a storage root ({@code ingraft graph list}): every folder under {@code graphs/}
 * named like a graph id that holds a manifest, with its latest version and a few flags. Reads one
 * folder listing for the root and, per graph, its manifest folder, latest manifest, recovery folder
 * and stop record; no table is opened.
 */
public final class StoredGraphs {
  private final ObjectStore store;

  public StoredGraphs(ObjectStore store) {
    this.store = Objects.requireNonNull(store, "store");
  }

  /**
   * One graph.
   *
   * @param graph the graph id
   * @param version the latest manifest version
   * @param oldestVersion the oldest manifest version stored (above 1 after {@code graph gc})
   * @param tables how many tables the latest version pins
   * @param rows the rows of all those tables
   * @param lastPublish when the latest version was published
   * @param writer the writer that published it
   * @param epoch the writer epoch
   * @param pendingSidecars recovery sidecars present (a write in flight, or one to recover)
   * @param stopped whether a writer stopped the graph (a stop record exists)
   */
  public record GraphSummary(
      String graph,
      long version,
      long oldestVersion,
      int tables,
      long rows,
      Instant lastPublish,
      String writer,
      long epoch,
      int pendingSidecars,
      boolean stopped) {}

  /** The root's graphs, by id. */
  public List<GraphSummary> list() {
    SidecarStore sidecars = new SidecarStore(store);
    StopRecords stops = new StopRecords(store);
    List<GraphSummary> graphs = new ArrayList<>();
    for (String name : store.childFolders("graphs/")) {
      GraphId id;
      try {
        id = GraphId.of(name);
      } catch (InvalidNameException e) {
        continue; // not a graph's folder
      }
      ManifestLog log = new ManifestLog(store, id);
      List<Long> versions = log.versions();
      if (versions.isEmpty()) {
        continue; // never created (or being created right now)
      }
      Optional<Manifest> latest = log.latest();
      if (latest.isEmpty()) {
        continue;
      }
      Manifest m = latest.get();
      graphs.add(
          new GraphSummary(
              name,
              m.version(),
              versions.get(0),
              m.tables().size(),
              m.tables().values().stream().mapToLong(pin -> pin.rowCount()).sum(),
              m.time(),
              m.writer().writerId(),
              m.writer().epoch(),
              sidecars.list(id).size(),
              stops.read(id).isPresent()));
    }
    return graphs;
  }
}
