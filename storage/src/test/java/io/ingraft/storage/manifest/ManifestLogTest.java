package io.ingraft.storage.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ingraft.storage.GraphId;
import io.ingraft.storage.GraphLayout;
import io.ingraft.storage.InvalidNameException;
import io.ingraft.storage.object.LocalObjectStore;
import io.ingraft.storage.object.ObjectStore;
import io.ingraft.storage.testing.ForwardingObjectStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ManifestLogTest {
  private static final GraphId GRAPH = GraphId.of("g1");
  private static final WriterEpoch W0 = new WriterEpoch("writer-a", 0);
  private static final String PERSON = "nodes/Person";
  private static final String COMPANY = "edges/WorksAt";

  private Path root;
  private ObjectStore store;
  private ManifestLog log;

  @BeforeEach
  void setUp() throws Exception {
    root = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "manifest-");
    store = new LocalObjectStore(root);
    log = new ManifestLog(store, GRAPH);
  }

  @AfterEach
  void tearDown() {
    store.close();
  }

  private static CommitInfo commit(String op) {
    return new CommitInfo(CommitKind.MUTATION, op, 3, 10L, 12L, "test", false);
  }

  private static TablePin pin(String table, long version, long rows) {
    return new TablePin("graphs/g1/" + table + ".lance", version, rows);
  }

  private Manifest created() {
    return log.create(
        ManifestChange.builder(W0, CommitInfo.of(CommitKind.CREATE, "create", "test"))
            .schema(new SchemaRef("abc", "graphs/g1/_schemas/abc.pg"))
            .pin(PERSON, pin(PERSON, 1, 0))
            .pin(COMPANY, pin(COMPANY, 1, 0))
            .build());
  }

  @Test
  void createThenPublishRoundTripsEveryField() {
    Manifest v1 = created();
    assertThat(v1.version()).isEqualTo(1);
    assertThat(v1.parent()).isZero();

    Manifest v2 =
        log.publish(
            v1,
            ManifestChange.builder(W0, commit("op-2"))
                .pin(PERSON, pin(PERSON, 2, 5))
                .source("log:0", 13)
                .build());

    ManifestLog fresh = new ManifestLog(store, GRAPH);
    Manifest read = fresh.latest().orElseThrow();
    assertThat(read).isEqualTo(v2);
    assertThat(read.version()).isEqualTo(2);
    assertThat(read.parent()).isEqualTo(1);
    assertThat(read.tables().get(PERSON)).isEqualTo(pin(PERSON, 2, 5));
    assertThat(read.tables().get(COMPANY)).isEqualTo(pin(COMPANY, 1, 0));
    assertThat(read.nextOffset("log:0")).isEqualTo(13);
    assertThat(read.schema()).isEqualTo(new SchemaRef("abc", "graphs/g1/_schemas/abc.pg"));
    assertThat(read.commit()).isEqualTo(commit("op-2"));
    assertThat(fresh.read(1)).isEqualTo(v1);
    assertThat(fresh.versions()).containsExactly(1L, 2L);
    assertThat(store.list("graphs/g1/_manifest/"))
        .containsExactly(
            new GraphLayout(GRAPH).manifestKey(1), new GraphLayout(GRAPH).manifestKey(2));
  }

  @Test
  void creatingTwiceIsATypedError() {
    created();
    assertThatThrownBy(this::created)
        .isInstanceOf(GraphAlreadyExistsException.class)
        .extracting(e -> ((GraphAlreadyExistsException) e).graph())
        .isEqualTo("g1");
  }

  @Test
  void missingGraphAndVersionAreTypedErrors() {
    assertThat(log.latest()).isEmpty();
    assertThatThrownBy(() -> log.claimEpoch("w", "claim"))
        .isInstanceOf(GraphNotFoundException.class);
    created();
    assertThatThrownBy(() -> log.read(7))
        .isInstanceOf(ManifestNotFoundException.class)
        .satisfies(e -> assertThat(((ManifestNotFoundException) e).version()).isEqualTo(7));
  }

  @Test
  void twoPublishersOnTheSameTableOneWinsTheOtherGetsTheFacts() {
    Manifest v1 = created();
    log.publish(v1, ManifestChange.builder(W0, commit("a")).pin(PERSON, pin(PERSON, 2, 1)).build());

    ManifestLog other = new ManifestLog(store, GRAPH);
    assertThatThrownBy(
            () ->
                other.publish(
                    v1,
                    ManifestChange.builder(W0, commit("b")).pin(PERSON, pin(PERSON, 2, 7)).build()))
        .isInstanceOfSatisfying(
            ExpectedVersionMismatchException.class,
            e -> {
              assertThat(e.graph()).isEqualTo("g1");
              assertThat(e.table()).isEqualTo(PERSON);
              assertThat(e.expected()).isEqualTo(1);
              assertThat(e.actual()).isEqualTo(2);
            });
    assertThat(log.versions()).containsExactly(1L, 2L);
    assertThat(log.latest().orElseThrow().commit().operationId()).isEqualTo("a");
  }

  @Test
  void disjointTablesRebase() {
    Manifest v1 = created();
    log.publish(
        v1,
        ManifestChange.builder(W0, commit("a"))
            .pin(PERSON, pin(PERSON, 2, 1))
            .source("log:0", 5)
            .build());

    Manifest v3 =
        new ManifestLog(store, GRAPH)
            .publish(
                v1,
                ManifestChange.builder(W0, commit("b"))
                    .pin(COMPANY, pin(COMPANY, 2, 4))
                    .source("log:1", 9)
                    .build());

    assertThat(v3.version()).isEqualTo(3);
    assertThat(v3.parent()).isEqualTo(2);
    assertThat(v3.tables().get(PERSON).version()).isEqualTo(2);
    assertThat(v3.tables().get(COMPANY).version()).isEqualTo(2);
    assertThat(v3.sources()).containsEntry("log:0", 5L).containsEntry("log:1", 9L);
  }

  @Test
  void sameSourcePartitionConflicts() {
    Manifest v1 = created();
    log.publish(v1, ManifestChange.builder(W0, commit("a")).source("log:0", 5).build());
    assertThatThrownBy(
            () ->
                new ManifestLog(store, GRAPH)
                    .publish(
                        v1, ManifestChange.builder(W0, commit("b")).source("log:0", 7).build()))
        .isInstanceOfSatisfying(
            ConflictingManifestChangeException.class,
            e -> assertThat(e.subject()).isEqualTo("source log:0"));
  }

  @Test
  void manyConcurrentPublishersOfDisjointTablesAllLand() throws Exception {
    Manifest v1 = created();
    int writers = 8;
    CyclicBarrier barrier = new CyclicBarrier(writers);
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    ManifestLog patient =
        new ManifestLog(
            store,
            GRAPH,
            new ManifestCodec(),
            new PublishRetryPolicy(50, Duration.ZERO, Duration.ofMillis(2)),
            Clock.systemUTC());
    List<Future<Manifest>> results = new ArrayList<>();
    for (int i = 0; i < writers; i++) {
      String table = "nodes/T" + i;
      results.add(
          pool.submit(
              () -> {
                barrier.await(10, TimeUnit.SECONDS);
                return patient.publish(
                    v1,
                    ManifestChange.builder(W0, commit(table)).pin(table, pin(table, 1, 1)).build());
              }));
    }
    List<Long> versions = new ArrayList<>();
    for (Future<Manifest> f : results) {
      versions.add(f.get(60, TimeUnit.SECONDS).version());
    }
    pool.shutdown();
    assertThat(versions).containsExactlyInAnyOrder(2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
    Manifest last = log.latest().orElseThrow();
    assertThat(last.version()).isEqualTo(1 + writers);
    for (int i = 0; i < writers; i++) {
      assertThat(last.tables()).containsKey("nodes/T" + i);
    }
  }

  @Test
  void anEpochClaimFencesTheOldWriter() {
    Manifest v1 = created();
    Manifest claim = new ManifestLog(store, GRAPH).claimEpoch("writer-b", "claim-1");
    assertThat(claim.writer()).isEqualTo(new WriterEpoch("writer-b", 1));
    assertThat(claim.commit().kind()).isEqualTo(CommitKind.EPOCH_CLAIM);
    assertThat(claim.tables()).isEqualTo(v1.tables());

    // The zombie still plans on v1 with epoch 0: its put loses, and the re-read shows epoch 1.
    assertThatThrownBy(
            () ->
                log.publish(
                    v1,
                    ManifestChange.builder(W0, commit("zombie"))
                        .pin(COMPANY, pin(COMPANY, 2, 1))
                        .build()))
        .isInstanceOfSatisfying(
            FencedException.class,
            e -> {
              assertThat(e.expectedEpoch()).isZero();
              assertThat(e.actualEpoch()).isEqualTo(1);
            });
    // Even on the fresh base, an old epoch is fenced before any I/O.
    assertThatThrownBy(
            () -> log.publish(claim, ManifestChange.builder(W0, commit("zombie")).build()))
        .isInstanceOf(FencedException.class);
    assertThat(log.versions()).containsExactly(1L, 2L);

    Manifest ownerWrite =
        log.publish(
            claim,
            ManifestChange.builder(claim.writer(), commit("owner"))
                .pin(COMPANY, pin(COMPANY, 2, 1))
                .build());
    assertThat(ownerWrite.version()).isEqualTo(3);
    assertThat(ownerWrite.epoch()).isEqualTo(1);
  }

  /** Counts the listings that reach the store. */
  private static final class ListCountingStore extends ForwardingObjectStore {
    int lists;

    ListCountingStore(ObjectStore delegate) {
      super(delegate);
    }

    @Override
    public List<String> list(String prefix, String startAfter) {
      lists++;
      return super.list(prefix, startAfter);
    }
  }

  /** Publishes {@code count} versions after {@code base}, each moving the Person table. */
  private Manifest publishMore(Manifest base, int count) {
    Manifest current = base;
    for (int i = 0; i < count; i++) {
      long next = current.version() + 1;
      current =
          log.publish(
              current,
              ManifestChange.builder(W0, commit("w" + next))
                  .pin(PERSON, pin(PERSON, next, next))
                  .build());
    }
    return current;
  }

  @Test
  void aHandleThatHasSeenAVersionFindsTheLatestWithoutListingTheHistory() {
    Manifest v1 = created();
    publishMore(v1, 30);
    ListCountingStore counting = new ListCountingStore(store);
    ManifestLog reader = new ManifestLog(counting, GRAPH);

    assertThat(reader.require().version()).isEqualTo(31);
    assertThat(counting.lists).isEqualTo(1);

    // Nothing new, then one and two versions published by another handle: no listing, and each
    // answer is the latest.
    assertThat(reader.require().version()).isEqualTo(31);
    publishMore(log.require(), 1);
    assertThat(reader.require().version()).isEqualTo(32);
    publishMore(log.require(), 2);
    assertThat(reader.require().version()).isEqualTo(34);
    assertThat(counting.lists).isEqualTo(1);

    // Far behind (more versions than it looks up one by one): the rest is listed, once.
    publishMore(log.require(), 10);
    assertThat(reader.require().version()).isEqualTo(44);
    assertThat(counting.lists).isEqualTo(2);
  }

  @Test
  void aHandleWhoseNewestSeenVersionRetentionDroppedStillFindsTheLatest() {
    Manifest v1 = created();
    ManifestLog stale = new ManifestLog(store, GRAPH);
    assertThat(stale.require().version()).isEqualTo(1);

    // Versions 2..12 published elsewhere, then 1..9 dropped: the version after the one the stale
    // handle saw is gone, and so is the one it saw.
    publishMore(v1, 11);
    log.dropBelow(10);
    assertThat(log.versions()).containsExactly(10L, 11L, 12L);

    Manifest latest = stale.require();
    assertThat(latest.version()).isEqualTo(12);
    assertThat(latest.tables().get(PERSON).version()).isEqualTo(12);
  }

  @Test
  void theOldestVersionIsFoundWithoutListingAndADropInterruptedPartWayIsFinished() {
    Manifest v1 = created();
    publishMore(v1, 11); // versions 1..12
    ListCountingStore counting = new ListCountingStore(store);
    ManifestLog seen = new ManifestLog(counting, GRAPH);
    seen.require();
    int listsBefore = counting.lists;
    assertThat(seen.oldestVersion()).isEqualTo(1);

    // A drop below 8 that stopped after deleting 1..4: the floor says 8, versions 5..7 are left.
    GraphLayout layout = new GraphLayout(GRAPH);
    Map<Long, byte[]> left = new HashMap<>();
    for (long v = 5; v <= 7; v++) {
      left.put(v, store.read(layout.manifestKey(v)));
    }
    seen.dropBelow(8);
    left.forEach((v, bytes) -> store.put(layout.manifestKey(v), bytes));
    assertThat(seen.oldestVersion()).as("lowered past what the interrupted drop left").isEqualTo(5);

    // The next drop finishes it, and goes on to its own oldest kept version.
    assertThat(seen.dropBelow(10)).hasSize(5);
    assertThat(log.versions()).containsExactly(10L, 11L, 12L);
    assertThat(seen.oldestVersion()).isEqualTo(10);
    assertThat(counting.lists).as("no listing of the history").isEqualTo(listsBefore);
  }

  @Test
  void theRetryBudgetIsRespected() {
    Manifest v1 = created();
    // Every time our publisher tries a version, a competitor has just taken it (on another table).
    ObjectStore racing = new RacingObjectStore(store, new ManifestLog(store, GRAPH));
    ManifestLog unlucky =
        new ManifestLog(
            racing,
            GRAPH,
            new ManifestCodec(),
            new PublishRetryPolicy(3, Duration.ZERO, Duration.ZERO),
            Clock.systemUTC());

    assertThatThrownBy(
            () ->
                unlucky.publish(
                    v1,
                    ManifestChange.builder(W0, commit("unlucky"))
                        .pin(PERSON, pin(PERSON, 2, 1))
                        .build()))
        .isInstanceOfSatisfying(
            CommitFailedException.class,
            e -> {
              assertThat(e.attempts()).isEqualTo(3);
              assertThat(e.baseVersion()).isEqualTo(1);
            });
    // Three competitors won versions 2, 3, 4; nothing of ours landed.
    assertThat(log.versions()).containsExactly(1L, 2L, 3L, 4L);
    assertThat(log.latest().orElseThrow().tables().get(PERSON).version()).isEqualTo(1);
  }

  @Test
  void unknownFormatAndCorruptFilesAreTypedErrors() throws Exception {
    Manifest v1 = created();
    GraphLayout layout = new GraphLayout(GRAPH);
    String json = new String(new ManifestCodec().encode(v1), StandardCharsets.UTF_8);

    store.putIfAbsent(
        layout.manifestKey(2),
        json.replace("\"format\" : 1", "\"format\" : 2")
            .replace("\"version\" : 1", "\"version\" : 2")
            .getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> new ManifestLog(store, GRAPH).latest())
        .isInstanceOfSatisfying(
            UnsupportedManifestFormatException.class,
            e -> {
              assertThat(e.found()).isEqualTo("2");
              assertThat(e.key()).isEqualTo(layout.manifestKey(2));
            });

    store.delete(layout.manifestKey(2));
    store.putIfAbsent(
        layout.manifestKey(2), "{\"format\": 1, \"graph\": ".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> new ManifestLog(store, GRAPH).read(2))
        .isInstanceOf(CorruptManifestException.class);

    store.delete(layout.manifestKey(2));
    store.putIfAbsent(layout.manifestKey(2), json.getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> new ManifestLog(store, GRAPH).read(2))
        .isInstanceOf(CorruptManifestException.class)
        .hasMessageContaining("version 1");

    store.delete(layout.manifestKey(2));
    store.putIfAbsent(
        layout.manifestKey(2),
        json.replace("\"format\" : 1,", "\"format\" : 1, \"extra\" : 3,")
            .replace("\"version\" : 1", "\"version\" : 2")
            .replace("\"parent\" : 0", "\"parent\" : 1")
            .getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> new ManifestLog(store, GRAPH).read(2))
        .isInstanceOf(CorruptManifestException.class);
  }

  @Test
  void badNamesFailBeforeAnyIo() {
    assertThatThrownBy(() -> new ManifestLog(store, GraphId.of("../etc")))
        .isInstanceOf(InvalidNameException.class);
    assertThatThrownBy(() -> GraphId.of("G1")).isInstanceOf(InvalidNameException.class);
    assertThatThrownBy(() -> GraphId.of("a/b")).isInstanceOf(InvalidNameException.class);
    assertThatThrownBy(() -> GraphId.of("")).isInstanceOf(InvalidNameException.class);
    assertThatThrownBy(() -> GraphId.of("a".repeat(129))).isInstanceOf(InvalidNameException.class);
    assertThat(GraphId.of("a".repeat(128)).value()).hasSize(128);
    assertThat(GraphId.of("orders.eu-1_b").value()).isEqualTo("orders.eu-1_b");

    Manifest v1 = created();
    assertThatThrownBy(
            () ->
                log.publish(
                    v1,
                    ManifestChange.builder(W0, commit("x"))
                        .pin("nodes/../../x", pin(PERSON, 2, 1))
                        .build()))
        .isInstanceOfSatisfying(
            InvalidNameException.class, e -> assertThat(e.kind()).isEqualTo("table key"));
    assertThatThrownBy(
            () -> log.publish(v1, ManifestChange.builder(W0, commit("x")).remove("Person").build()))
        .isInstanceOf(InvalidNameException.class);
    assertThat(log.versions()).containsExactly(1L);
  }

  @Test
  void sourceOffsetsNeverGoBack() {
    Manifest v1 = created();
    Manifest v2 =
        log.publish(v1, ManifestChange.builder(W0, commit("a")).source("log:0", 10).build());
    assertThatThrownBy(
            () ->
                log.publish(v2, ManifestChange.builder(W0, commit("b")).source("log:0", 9).build()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(log.versions()).containsExactly(1L, 2L);
  }

  @Test
  void aTablePinNeverGoesBack() {
    Manifest v1 = created();
    Manifest v2 =
        log.publish(
            v1, ManifestChange.builder(W0, commit("a")).pin(PERSON, pin(PERSON, 5, 1)).build());
    assertThatThrownBy(
            () ->
                log.publish(
                    v2,
                    ManifestChange.builder(W0, commit("b")).pin(PERSON, pin(PERSON, 4, 1)).build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("would go back from version 5 to 4");
    assertThat(log.versions()).containsExactly(1L, 2L);
    // The same version again (a pin carried forward) and a later one are fine.
    Manifest v3 =
        log.publish(
            v2, ManifestChange.builder(W0, commit("c")).pin(PERSON, pin(PERSON, 5, 1)).build());
    log.publish(v3, ManifestChange.builder(W0, commit("d")).pin(PERSON, pin(PERSON, 6, 2)).build());
  }

  @Test
  void timeTravelAndOffsetTravel() {
    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    ManifestLog timed =
        new ManifestLog(store, GRAPH, new ManifestCodec(), PublishRetryPolicy.DEFAULT, clock);
    Manifest m =
        timed.create(
            ManifestChange.builder(W0, CommitInfo.of(CommitKind.CREATE, "c", "t")).build());
    for (int i = 1; i <= 5; i++) {
      clock.now = clock.now.plusSeconds(60);
      m =
          timed.publish(
              m, ManifestChange.builder(W0, commit("op" + i)).source("log:0", i * 10L).build());
    }
    // Versions 2..6 carry next offsets 10..50 at minutes 1..5.
    assertThat(timed.asOf(Instant.parse("2025-12-31T23:59:59Z"))).isEmpty();
    assertThat(timed.asOf(Instant.parse("2026-01-01T00:02:30Z")).orElseThrow().version())
        .isEqualTo(3);
    assertThat(timed.asOf(Instant.parse("2026-01-01T00:03:00Z")).orElseThrow().version())
        .isEqualTo(4);
    assertThat(timed.firstCovering("log:0", 0).orElseThrow().version()).isEqualTo(2);
    assertThat(timed.firstCovering("log:0", 10).orElseThrow().version()).isEqualTo(3);
    assertThat(timed.firstCovering("log:0", 49).orElseThrow().version()).isEqualTo(6);
    assertThat(timed.firstCovering("log:0", 50)).isEmpty();
    assertThat(timed.firstCovering("log:1", 0)).isEmpty();

    // A clock that goes backwards never makes manifest time go backwards.
    clock.now = Instant.parse("2020-01-01T00:00:00Z");
    Manifest later = timed.publish(m, ManifestChange.builder(W0, commit("late")).build());
    assertThat(later.time()).isEqualTo(m.time());
  }

  @Test
  void selectorsResolveToVersionsOrTypedErrors() {
    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    ManifestLog timed =
        new ManifestLog(store, GRAPH, new ManifestCodec(), PublishRetryPolicy.DEFAULT, clock);
    assertThatThrownBy(() -> timed.resolve(new VersionSelector.Latest()))
        .isInstanceOf(GraphNotFoundException.class);
    assertThatThrownBy(
            () ->
                timed.resolve(
                    new VersionSelector.AtOrBefore(Instant.parse("2027-01-01T00:00:00Z"))))
        .isInstanceOf(GraphNotFoundException.class);
    Manifest m =
        timed.create(
            ManifestChange.builder(W0, CommitInfo.of(CommitKind.CREATE, "c", "t")).build());
    for (int i = 1; i <= 3; i++) {
      clock.now = clock.now.plusSeconds(60);
      m =
          timed.publish(
              m, ManifestChange.builder(W0, commit("op" + i)).source("log:2", i * 10L).build());
    }
    // Versions 2..4 carry next offsets 10..30 of log:2 at minutes 1..3.
    assertThat(timed.resolve(new VersionSelector.Latest()).version()).isEqualTo(4);
    assertThat(timed.resolve(new VersionSelector.Exact(2)).version()).isEqualTo(2);
    assertThatThrownBy(() -> timed.resolve(new VersionSelector.Exact(9)))
        .isInstanceOf(ManifestNotFoundException.class);
    assertThat(
            timed
                .resolve(new VersionSelector.AtOrBefore(Instant.parse("2026-01-01T00:02:00Z")))
                .version())
        .isEqualTo(3);
    VersionSelector beforeFirst =
        new VersionSelector.AtOrBefore(Instant.parse("2025-12-31T23:59:59Z"));
    assertThatThrownBy(() -> timed.resolve(beforeFirst))
        .isInstanceOfSatisfying(
            NoMatchingVersionException.class,
            e -> {
              assertThat(e.graph()).isEqualTo("g1");
              assertThat(e.selector()).isEqualTo(beforeFirst);
              assertThat(e.getMessage())
                  .isEqualTo("graph g1 has no version published at or before 2025-12-31T23:59:59Z");
            });
    assertThat(timed.resolve(VersionSelector.CoveringOffset.parse("2:0")).version()).isEqualTo(2);
    assertThat(timed.resolve(VersionSelector.CoveringOffset.parse("2:15")).version()).isEqualTo(3);
    assertThat(timed.resolve(VersionSelector.CoveringOffset.parse("log:2:29")).version())
        .isEqualTo(4);
    assertThatThrownBy(() -> timed.resolve(VersionSelector.CoveringOffset.parse("2:30")))
        .isInstanceOf(NoMatchingVersionException.class);
    assertThatThrownBy(() -> timed.resolve(VersionSelector.CoveringOffset.parse("5:0")))
        .isInstanceOf(NoMatchingVersionException.class)
        .hasMessage(
            "graph g1 has no version covering offset 0 of partition 5;"
                + " it records the graph-log partitions [log:2]");
    assertThatThrownBy(() -> timed.resolve(VersionSelector.CoveringOffset.parse("other:2:0")))
        .isInstanceOf(NoMatchingVersionException.class);
    assertThatThrownBy(() -> timed.resolve(new VersionSelector.AtOrBeforeCdc(0x1_0000_00FFL)))
        .isInstanceOf(NoMatchingVersionException.class)
        .hasMessage("graph g1 has no version at or before CDC position 4294967551 (1/FF)");
    assertThatThrownBy(() -> VersionSelector.CoveringOffset.parse("12"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> VersionSelector.CoveringOffset.parse("a:b"))
        .isInstanceOf(IllegalArgumentException.class);

    // The same partition of a second topic: a bare partition no longer names one source.
    timed.publish(m, ManifestChange.builder(W0, commit("x")).source("other:2", 5).build());
    assertThatThrownBy(() -> timed.resolve(VersionSelector.CoveringOffset.parse("2:0")))
        .isInstanceOfSatisfying(
            AmbiguousSourceException.class,
            e -> assertThat(e.candidates()).containsExactly("log:2", "other:2"));
    assertThat(timed.resolve(VersionSelector.CoveringOffset.parse("other:2:4")).version())
        .isEqualTo(5);
  }

  private static final class MutableClock extends Clock {
    volatile Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
