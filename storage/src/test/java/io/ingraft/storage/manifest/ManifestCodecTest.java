package io.ingraft.storage.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The manifest's commit info records rejected events, and older manifests still read. */
class ManifestCodecTest {
  private final ManifestCodec codec = new ManifestCodec();

  @Test
  void aVersionRecordsItsRejectedEventsAndReadsThemBack() {
    CommitInfo commit =
        new CommitInfo(
            CommitKind.MUTATION,
            "op-1",
            2,
            10L,
            12L,
            "w",
            false,
            null,
            List.of(
                new RejectedEvent("e-11", "NODE_NOT_FOUND", "Person 'ghost' does not exist", 11)));
    Manifest manifest =
        new Manifest(
            Manifest.FORMAT,
            "g",
            3,
            2,
            Instant.parse("2026-12-01T10:00:00Z"),
            new WriterEpoch("w", 2),
            null,
            Map.of(),
            Map.of("ingraft.graph-log:0", 13L),
            commit);

    Manifest read = codec.decode("m", codec.encode(manifest));

    assertThat(read).isEqualTo(manifest);
    assertThat(read.commit().rejected())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.eventId()).isEqualTo("e-11");
              assertThat(r.offset()).isEqualTo(11);
            });
  }

  @Test
  void aManifestWrittenBeforeRejectedEventsWereRecordedReadsAsRejectingNone() {
    String old =
        """
        {"format": 1, "graph": "g", "version": 2, "parent": 1,
         "time": "2026-11-25T11:30:00.123Z", "writer": {"writerId": "w", "epoch": 1},
         "schema": null, "tables": {}, "sources": {"ingraft.graph-log:0": 5},
         "commit": {"kind": "MUTATION", "operationId": "op", "eventCount": 5,
                    "firstOffset": 0, "lastOffset": 4, "actor": "w", "recovery": false}}
        """;

    Manifest read = codec.decode("m", old.getBytes(StandardCharsets.UTF_8));

    assertThat(read.commit().rejected()).isEmpty();
    assertThat(read.commit().eventCount()).isEqualTo(5);
    // Nothing rejected: the field is left out, so such a version reads the same everywhere.
    assertThat(new String(codec.encode(read), StandardCharsets.UTF_8)).doesNotContain("rejected");
  }
}
