package io.ingraft.it.proof;

import static org.assertj.core.api.Assertions.assertThat;

import io.ingraft.app.dlq.DeadLetterHeaders;
import io.ingraft.events.CommitNoticeCodec;
import io.ingraft.storage.manifest.Manifest;
import java.util.Collection;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** The checks that make "exactly once" concrete, shared by the proof suites. */
final class Proofs {
  private Proofs() {}

  /**
   * The graph is its workload applied exactly once, in order: the export equals the model; the
   * manifests' applied-event counts add up to exactly the events that apply (a doubled event would
   * count twice, a lost one not at all); {@code ingraft graph verify} passes (the manifest chain,
   * and every event of the graph the writer group committed is applied) and counts the same; no
   * sidecar is left. With {@code lastEventOffset} >= 0, the manifest also records the graph-log
   * offset after the graph's last event as the next one to apply.
   */
  static void assertExactlyOnce(ProofRig rig, Workload w, int partition, long lastEventOffset) {
    assertThat(rig.export(w.graph)).as("%s: export", w.graph).isEqualTo(w.model.export());
    List<Manifest> versions = rig.manifests(w.graph);
    long applied = versions.stream().mapToLong(m -> m.commit().eventCount()).sum();
    assertThat(applied)
        .as("%s: events applied over all %d versions", w.graph, versions.size())
        .isEqualTo(w.applied());
    ProofRig.Verified verified = rig.verify(w.graph);
    assertThat(verified.exitCode())
        .as("%s: ingraft graph verify%n%s", w.graph, verified.output())
        .isZero();
    assertThat(verified.report()).as("verify report").isNotNull();
    assertThat(verified.report().path("ok").asBoolean()).isTrue();
    assertThat(verified.report().path("eventsApplied").asLong())
        .as("%s: verify's count", w.graph)
        .isEqualTo(w.applied());
    assertThat(rig.sidecars(w.graph)).as("%s: sidecars left", w.graph).isEmpty();
    if (lastEventOffset >= 0) {
      assertThat(rig.latest(w.graph).nextOffset(rig.source(partition)))
          .as("%s: next graph-log offset", w.graph)
          .isEqualTo(lastEventOffset + 1);
    }
  }

  /**
   * The side outputs exactly once, as a {@code read_committed} consumer sees them: one dead letter
   * per rejected event (with the engine's code) and none for any other event; one commit notice per
   * manifest version of every graph, including versions that cover no events (an epoch claim or a
   * recovery at the end), never two for one version, none for a version that does not exist, and
   * each notice's applied and rejected counts equal its version's. Versions an operator's {@code
   * graph recover} published after the last writer stopped are the next owner's to send.
   */
  static void assertSideOutputsExactlyOnce(ProofRig rig, Collection<Workload> workloads) {
    List<String> expected = new java.util.ArrayList<>();
    workloads.forEach(w -> expected.addAll(w.rejected));
    List<ConsumerRecord<byte[], byte[]>> dead = rig.readAll(rig.dlq, rig.partitions);
    List<String> ids =
        dead.stream()
            .map(r -> DeadLetterHeaders.text(r.headers(), DeadLetterHeaders.EVENT_ID))
            .toList();
    assertThat(ids)
        .as("dead letters")
        .doesNotHaveDuplicates()
        .containsExactlyInAnyOrderElementsOf(expected);
    assertThat(dead)
        .allSatisfy(
            r ->
                assertThat(DeadLetterHeaders.text(r.headers(), DeadLetterHeaders.CODE))
                    .isEqualTo("NODE_NOT_FOUND"));
    assertThat(dead)
        .as("dead letters carry the original record")
        .allSatisfy(r -> assertThat(r.value()).isNotNull());
    CommitNoticeCodec codec = new CommitNoticeCodec();
    java.util.Map<String, java.util.List<io.ingraft.events.avro.CommitNotice>> byGraph =
        new java.util.HashMap<>();
    for (ConsumerRecord<byte[], byte[]> record : rig.readAll(rig.commits, rig.partitions)) {
      io.ingraft.events.avro.CommitNotice notice = codec.decode(record.value());
      byGraph.computeIfAbsent(notice.getGraph(), g -> new java.util.ArrayList<>()).add(notice);
    }
    for (Workload w : workloads) {
      List<Manifest> versions = rig.manifests(w.graph);
      List<Long> noticed =
          byGraph.getOrDefault(w.graph, List.of()).stream()
              .map(n -> n.getManifestVersion())
              .toList();
      assertThat(noticed).as("%s: commit notices", w.graph).doesNotHaveDuplicates();
      // Every version, including an epoch claim or recovery at the end that covers no events
      // (its notice goes out with the commit its notice mark names, not with later events); but
      // versions an operator's graph recover published after the last writer stopped are the
      // next owner's to send, with its takeover (guarantees.md).
      int sendable = versions.size();
      while (sendable > 0 && versions.get(sendable - 1).writer().writerId().startsWith("cli-")) {
        sendable--;
      }
      for (long v = 1; v <= sendable; v++) {
        Manifest m = versions.get((int) v - 1);
        assertThat(noticed)
            .as(
                "%s: a notice of version %d (of %d; %s by %s epoch %d)",
                w.graph, v, versions.size(), m.commit().kind(), m.writer().writerId(), m.epoch())
            .contains(v);
      }
      assertThat(noticed)
          .as("%s: notices of versions that exist", w.graph)
          .allSatisfy(v -> assertThat(v).isBetween(1L, (long) versions.size()));
      for (io.ingraft.events.avro.CommitNotice notice : byGraph.getOrDefault(w.graph, List.of())) {
        Manifest m = versions.get((int) notice.getManifestVersion() - 1);
        assertThat(notice.getApplied())
            .as("%s@%d applied", w.graph, m.version())
            .isEqualTo((int) m.commit().eventCount());
        assertThat(notice.getRejected())
            .as("%s@%d rejected", w.graph, m.version())
            .isEqualTo(m.commit().rejected().size());
        assertThat(notice.getKind()).isEqualTo(m.commit().kind().name());
      }
    }
  }
}
