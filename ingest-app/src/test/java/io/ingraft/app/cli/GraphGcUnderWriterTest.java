package io.ingraft.app.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ingraft.engine.GraphEngine;
import io.ingraft.engine.event.EventBody;
import io.ingraft.engine.event.GraphEvent;
import io.ingraft.engine.event.Op;
import io.ingraft.engine.event.SourcePosition;
import io.ingraft.engine.retention.GcReport;
import io.ingraft.engine.retention.GraphGc;
import io.ingraft.engine.retention.RetentionPolicy;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.manifest.Manifest;
import io.ingraft.storage.manifest.ManifestLog;
import io.ingraft.storage.manifest.ManifestNotFoundException;
import io.ingraft.storage.manifest.TablePin;
import io.ingraft.storage.object.LocalObjectStore;
import io.ingraft.storage.object.ObjectStore;
import io.ingraft.storage.table.TableStore;
import io.ingraft.storage.table.VersionCleanup;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code graph gc} while a writer keeps publishing (the engine's own write path: staging, sidecar,
 * table commits, manifest publish, in a thread): every round drops history, the writer never fails
 * and keeps publishing, a reader's kept version exports the same bytes before and after, the chain
 * verifies, and once the writer stops the storage shrinks by exactly what gc reports.
 */
class GraphGcUnderWriterTest {
  static final GraphId G = GraphId.of("busy");
  static final String SCHEMA =
      "node Person { id: String @key n: I64 }\nnode Company { id: String @key n: I64 }\n";

  @TempDir Path root;

  @Test
  void gcRunsRepeatedlyBesideALiveWriter() throws Exception {
    try (ObjectStore store = new LocalObjectStore(root);
        TableStore tables = new TableStore(store)) {
      GraphEngine writer = new GraphEngine(store, tables, "writer", Clock.systemUTC());
      writer.createGraph(G, SCHEMA);
      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong offset = new AtomicLong();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      Thread thread =
          new Thread(
              () -> {
                try {
                  while (!stop.get()) {
                    writer.apply(G, batch(offset.getAndIncrement()));
                  }
                } catch (Throwable e) {
                  failure.set(e);
                }
              },
              "live-writer");
      thread.start();
      ManifestLog log = new ManifestLog(store, G);
      GraphEngine reader = new GraphEngine(store, tables, "reader", Clock.systemUTC());
      GraphGc gc = new GraphGc(store, tables, Clock.systemUTC());
      try {
        awaitVersion(log, 12, failure);
        long droppedManifests = 0;
        long removedVersions = 0;
        for (int round = 0; round < 6; round++) {
          // A reader pins the latest version now and keeps it by age: keep-for reaches back to it.
          Manifest pinned = log.require();
          String before = export(reader, pinned.version());
          long publishedBefore = pinned.version();
          awaitVersion(log, publishedBefore + 3, failure);
          Instant now = Instant.now();
          Duration keepFor = Duration.between(pinned.time(), now);
          GcReport report =
              new GraphGc(store, tables, Clock.fixed(now, ZoneOffset.UTC))
                  .collect(G, new RetentionPolicy(null, keepFor, null), false);

          assertThat(report.oldestKept()).isLessThanOrEqualTo(pinned.version());
          assertThat(export(reader, pinned.version()))
              .as("the kept version %d after gc round %d", pinned.version(), round)
              .isEqualTo(before);
          assertThatThrownBy(() -> log.read(report.oldestKept() - 1))
              .isInstanceOf(ManifestNotFoundException.class);
          droppedManifests += report.manifests().count();
          removedVersions += report.tables().stream().mapToLong(t -> t.versionsRemoved()).sum();
          // Every table keeps exactly the versions from its floor up.
          VersionCleanup versions = new VersionCleanup(store, tables.allocator());
          for (GcReport.TableGc t : report.tables()) {
            assertThat(versions.versions(t.table()).get(0)).isGreaterThanOrEqualTo(t.floor());
          }
        }
        assertThat(droppedManifests).isPositive();
        assertThat(removedVersions).isPositive();
        long duringGc = log.require().version();
        awaitVersion(log, duringGc + 3, failure);
      } finally {
        stop.set(true);
        thread.join(60_000);
      }
      assertThat(failure.get()).as("the writer never failed").isNull();

      // The chain is whole from the retention floor, and every pin is readable.
      ManifestChainVerifier.Report verified = new ManifestChainVerifier(log).verify();
      assertThat(verified.problems()).isEmpty();
      Manifest latest = log.require();
      for (long v : log.versions()) {
        for (TablePin pin : log.read(v).tables().values()) {
          assertThat(tables.count(pin.path(), pin.version())).isEqualTo(pin.rowCount());
        }
      }
      assertThat(reader.snapshot(G).count("Person")).isEqualTo(Math.min(40, offset.get()));
      assertThat(
              IngraftCli.execute(
                  "graph", "verify", "--storage-root", root.toString(), "-g", "busy"))
          .isZero();

      // Quiet now: the storage shrinks by exactly what gc reports (the floor record it rewrites
      // is left out of the measure).
      long sizeBefore = size(root);
      GcReport last = gc.collect(G, new RetentionPolicy(2, null, null), false);
      long sizeAfter = size(root);
      assertThat(last.oldestKept()).isEqualTo(latest.version() - 1);
      assertThat(last.bytesFreed()).isPositive();
      assertThat(sizeBefore - sizeAfter).isEqualTo(last.bytesFreed());
      assertThat(export(reader, latest.version())).isNotEmpty();
      assertThat(new ManifestChainVerifier(log).verify().problems()).isEmpty();
      System.out.printf(
          "gc beside a live writer: %d versions published, final gc freed %d bytes (%d -> %d)%n",
          latest.version(), last.bytesFreed(), sizeBefore, sizeAfter);
    }
  }

  static List<GraphEvent> batch(long offset) {
    List<Op> ops = new ArrayList<>();
    ops.add(new Op.UpsertNode("Person", Map.of("id", "p" + (offset % 40), "n", offset)));
    ops.add(new Op.UpsertNode("Company", Map.of("id", "c" + (offset % 5), "n", offset)));
    return List.of(
        new GraphEvent(
            G.value(),
            "e" + offset,
            new SourcePosition("log:0", offset),
            null,
            new EventBody.Mutation(ops)));
  }

  static String export(GraphEngine engine, long version) {
    StringWriter out = new StringWriter();
    engine.snapshotAt(G, version).export(out);
    return out.toString();
  }

  static void awaitVersion(ManifestLog log, long version, AtomicReference<Throwable> failure)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (log.require().version() < version) {
      assertThat(failure.get()).as("writer failure").isNull();
      assertThat(System.nanoTime() - deadline).as("version %d within 120 s", version).isNegative();
      Thread.sleep(20);
    }
  }

  static long size(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      return files
          .filter(Files::isRegularFile)
          .filter(p -> !p.getFileName().toString().equals("_manifest_floor.json"))
          .mapToLong(p -> p.toFile().length())
          .sum();
    }
  }
}
