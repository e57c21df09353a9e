package io.ingraft.storage.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ingraft.storage.GraphId;
import io.ingraft.storage.object.LocalObjectStore;
import io.ingraft.storage.object.ObjectInfo;
import io.ingraft.storage.object.ObjectStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Manifests record the CDC position a version reflects: it round-trips, is left out of the JSON
 * when there is none (so older manifests read as before), carries over versions that have none, and
 * the graph can be found as of a position.
 */
class CdcPositionTest {
  private static final GraphId GRAPH = GraphId.of("g1");
  private static final WriterEpoch W0 = new WriterEpoch("writer-a", 0);

  @TempDir Path root;
  private ObjectStore store;
  private ManifestLog log;

  @BeforeEach
  void setUp() {
    store = new LocalObjectStore(root);
    log = new ManifestLog(store, GRAPH);
  }

  private static CommitInfo cdc(long lsn, String txId, boolean snapshot) {
    return new CommitInfo(
        CommitKind.MUTATION,
        "op-" + lsn,
        1,
        lsn,
        lsn,
        "test",
        false,
        new CdcPosition("shop", lsn, txId, 1_700_000_000_000L + lsn, snapshot));
  }

  @Test
  void positionsRoundTripCarryOverAndAnswerAsOfQueries() {
    Manifest v1 =
        log.create(
            ManifestChange.builder(W0, CommitInfo.of(CommitKind.CREATE, "create", "test")).build());
    Manifest v2 = log.publish(v1, ManifestChange.builder(W0, cdc(100, "snap", true)).build());
    Manifest v3 = log.publish(v2, ManifestChange.builder(W0, cdc(200, "800", false)).build());
    Manifest v4 =
        log.publish(
            v3,
            ManifestChange.builder(W0, CommitInfo.of(CommitKind.MAINTENANCE, "m", "test")).build());
    Manifest v5 = log.publish(v4, ManifestChange.builder(W0, cdc(300, "801", false)).build());

    ManifestLog fresh = new ManifestLog(store, GRAPH);
    assertThat(fresh.read(3).commit().cdc()).isEqualTo(v3.commit().cdc());
    assertThat(fresh.cdcPosition(fresh.read(1))).isEmpty();
    assertThat(fresh.cdcPosition(fresh.read(4)).orElseThrow().txId()).isEqualTo("800");
    assertThat(fresh.cdcPosition(v5).orElseThrow().lsn()).isEqualTo(300);
    assertThat(fresh.read(2).commit().cdc().snapshotInProgress()).isTrue();

    assertThat(fresh.asOfCdc(50)).isEmpty();
    assertThat(fresh.asOfCdc(100).orElseThrow().version()).isEqualTo(2);
    assertThat(fresh.asOfCdc(250).orElseThrow().version()).isEqualTo(4);
    assertThat(fresh.asOfCdc(10_000).orElseThrow().version()).isEqualTo(5);

    String withoutCdc =
        new String(
            store.read(new io.ingraft.storage.GraphLayout(GRAPH).manifestKey(4)),
            StandardCharsets.UTF_8);
    assertThat(withoutCdc).doesNotContain("cdc");
  }

  @Test
  void droppingHistoryKeepsTheCreationOffsetsAndTheCdcPositionInTheFloor() {
    Manifest v1 =
        log.create(
            ManifestChange.builder(W0, CommitInfo.of(CommitKind.CREATE, "create", "test"))
                .source("log:0", 1)
                .build());
    Manifest v2 = log.publish(v1, ManifestChange.builder(W0, cdc(100, "800", false)).build());
    Manifest v3 =
        log.publish(
            v2,
            ManifestChange.builder(W0, CommitInfo.of(CommitKind.MAINTENANCE, "m", "test")).build());
    Manifest v4 =
        log.publish(
            v3,
            ManifestChange.builder(W0, CommitInfo.of(CommitKind.MAINTENANCE, "m2", "test"))
                .build());

    assertThatThrownBy(() -> log.dropBelow(5)).isInstanceOf(IllegalArgumentException.class);
    assertThat(log.floor()).isEmpty();
    assertThat(log.dropBelow(3)).extracting(ObjectInfo::key).hasSize(2);

    assertThat(log.versions()).containsExactly(3L, 4L);
    RetentionFloor floor = log.floor().orElseThrow();
    assertThat(floor.oldestKept()).isEqualTo(3);
    assertThat(floor.createdSources()).isEqualTo(Map.of("log:0", 1L));
    assertThat(floor.cdc().txId()).isEqualTo("800");
    // The walk back for the CDC position stops at the floor and finds it there.
    assertThat(log.cdcPosition(v4).orElseThrow().lsn()).isEqualTo(100);
    assertThat(log.readIfExists(2)).isEmpty();
    assertThat(log.require().version()).isEqualTo(4);

    // Dropping further keeps what version 1 said, although version 1 is gone now.
    log.dropBelow(4);
    assertThat(log.floor().orElseThrow().createdSources()).isEqualTo(Map.of("log:0", 1L));
    assertThat(log.floor().orElseThrow().oldestKept()).isEqualTo(4);
    assertThat(log.dropBelow(4)).isEmpty();
  }
}
