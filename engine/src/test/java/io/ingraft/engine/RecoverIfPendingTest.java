package io.ingraft.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ingraft.engine.event.EventBody;
import io.ingraft.engine.event.GraphEvent;
import io.ingraft.engine.event.Op;
import io.ingraft.engine.event.SourcePosition;
import io.ingraft.recovery.SidecarStore;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.manifest.FencedException;
import io.ingraft.storage.manifest.Manifest;
import io.ingraft.storage.manifest.ManifestLog;
import io.ingraft.storage.object.LocalObjectStore;
import io.ingraft.storage.object.ObjectAlreadyExistsException;
import io.ingraft.storage.object.ObjectStore;
import io.ingraft.storage.table.TableStore;
import io.ingraft.storage.testing.ForwardingObjectStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A zombie writes its sidecar just after the new owner's takeover swept the graph: only the owner's
 * next write, or {@link GraphEngine#recoverIfPending}, finds it.
 */
class RecoverIfPendingTest {
  static final GraphId G = GraphId.of("g");

  @Test
  void theOwnerSweepsAZombiesLateSidecarAndOtherwiseDoesNothing() throws Exception {
    Path root = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "late-");
    try (ObjectStore store = new LocalObjectStore(root);
        TableStore tables = new TableStore(store)) {
      GraphEngine owner = new GraphEngine(store, tables, "owner", Clock.systemUTC());
      // The zombie's sidecar write lets the owner take the graph over first: the zombie has
      // passed its epoch check, the owner's sweep finds nothing, then the sidecar lands.
      AtomicBoolean armed = new AtomicBoolean();
      ObjectStore racing =
          new ForwardingObjectStore(store) {
            @Override
            public void putIfAbsent(String key, byte[] data) throws ObjectAlreadyExistsException {
              if (key.contains("/_recovery/") && armed.getAndSet(false)) {
                owner.takeOver(G);
              }
              super.putIfAbsent(key, data);
            }
          };
      GraphEngine zombie = new GraphEngine(racing, tables, "zombie", Clock.systemUTC());
      zombie.createGraph(G, "node N { id: String @key }\n");
      armed.set(true);
      assertThatThrownBy(() -> zombie.apply(G, List.of(upsert("a", 0))))
          .isInstanceOf(FencedException.class);
      SidecarStore sidecars = new SidecarStore(store);
      assertThat(sidecars.list(G)).as("the zombie's sidecar, after the owner's sweep").hasSize(1);
      String onlySidecar = sidecars.list(G).get(0);
      var zombieSidecar = sidecars.read(onlySidecar).orElseThrow();
      ManifestLog log = new ManifestLog(store, G);
      Manifest before = log.require();

      assertThat(owner.recoverIfPending(G)).hasSize(1);
      assertThat(sidecars.list(G)).isEmpty();
      Manifest after = log.require();
      assertThat(after.version()).isGreaterThan(before.version());
      // Swept under the owner's epoch: no new claim, so no version that no writer sends a notice
      // for.
      assertThat(after.epoch()).as("the owner's epoch").isEqualTo(before.epoch());
      assertThat(after.version()).as("only the roll-forward").isEqualTo(before.version() + 1);
      after
          .tables()
          .values()
          .forEach(
              pin ->
                  assertThat(tables.headVersion(pin.path()))
                      .as(pin.path())
                      .isEqualTo(pin.version()));

      // Nothing pending: nothing read but the listing, nothing published.
      assertThat(owner.recoverIfPending(G)).isEmpty();
      assertThat(log.require().version()).isEqualTo(after.version());
      // A writer whose graph another writer claimed since leaves the sidecar to that writer.
      GraphEngine next = new GraphEngine(store, tables, "next", Clock.systemUTC());
      next.takeOver(G);
      sidecars.write(zombieSidecar);
      long claimed = log.require().version();
      assertThat(owner.recoverIfPending(G)).isEmpty();
      assertThat(log.require().version()).isEqualTo(claimed);
      assertThat(sidecars.list(G)).hasSize(1);
      assertThat(zombie.recoverIfPending(G)).as("not owned at all").isEmpty();
      assertThat(next.recoverIfPending(G)).hasSize(1);
      assertThat(sidecars.list(G)).isEmpty();

      // The current owner writes on; the zombie's event was applied at most once.
      next.apply(G, List.of(upsert("b", 1)));
      assertThat(next.snapshot(G).count("N")).isBetween(1L, 2L);
    }
  }

  private static GraphEvent upsert(String id, long offset) {
    return new GraphEvent(
        G.value(),
        "e" + offset,
        new SourcePosition("log:0", offset),
        null,
        new EventBody.Mutation(List.of(new Op.UpsertNode("N", Map.of("id", id)))));
  }
}
