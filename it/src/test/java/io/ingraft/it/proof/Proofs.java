package io.ingraft.it.proof;

import static org.assertj.core.api.Assertions.assertThat;

import io.ingraft.app.dlq.DeadLetterHeaders;
import io.ingraft.events.CommitNoticeCodec;
import io.ingraft.storage.manifest.Manifest;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** The checks that make "exactly once" concrete, shared by the proof suites. */
final class Proofs {
  private Proofs() {
  }

  /**
   * The graph is its workload applied exactly once, in order: the export equals the model; the
   * manifests' applied-event counts add up to exactly the events that apply (a doubled event
   * would count twice, a lost one not at all); {@code ingraft graph verify} passes (the manifest
   * chain, and every event of the graph the writer group committed is applied) and counts the
   * same; no sidecar is left. With {@code lastEventOffset} >= 0, the manifest also records
   * the graph-log offset after the graph's last event as the next one to apply.
   */
  static void assertExactlyOnce(ProofRig rig, Workload w, int partition, long lastEventOffset) {
    assertThat(rig.export(w.graph)).as("%s: export", w.graph).isEqualTo(w.model.export());
    List<Manifest> versions = rig.manifests(w.graph);
    long applied = versions.stream().mapToLong(m -> m.commit().eventCount()).sum();
    assertThat(applied).as("%s: events applied over all %d versions", w.graph, versions.size())
        .isEqualTo(w.applied());
    ProofRig.Verified verified = rig.verify(w.graph);
    assertThat(verified.exitCode()).as("%s: ingraft graph verify%n%s", w.graph, verified.output())
        .isZero();
    assertThat(verified.report()).as("verify report").isNotNull();
    assertThat(verified.report().path("ok").asBoolean()).isTrue();
    assertThat(verified.report().path("eventsApplied").asLong()).as("%s: verify's count", w.graph)
        .isEqualTo(w.applied());
    assertThat(rig.sidecars(w.graph)).as("%s: sidecars left", w.graph).isEmpty();
    if (lastEventOffset >= 0) {
      assertThat(rig.latest(w.graph).nextOffset(rig.source(partition)))
          .as("%s: next graph-log offset", w.graph).isEqualTo(lastEventOffset + 1);
    }
  }

  /**
   * Dead letters name only events meant to be rejected, with the engine's code, never one twice
   * (one may be missing: a crash after a publish and before the dead letter was sent loses it,
   * docs/architecture.md), and commit notices never repeat a version.
   */
  static void assertSideOutputsAtMostOnce(ProofRig rig, Collection<Workload> workloads) {
    Set<String> rejected = new HashSet<>();
    workloads.forEach(w -> rejected.addAll(w.rejected));
    List<ConsumerRecord<byte[], byte[]>> dead = rig.readAll(rig.dlq, rig.partitions);
    List<String> ids = dead.stream()
        .map(r -> DeadLetterHeaders.text(r.headers(), DeadLetterHeaders.EVENT_ID)).toList();
    assertThat(ids).as("dead letters").doesNotHaveDuplicates();
    assertThat(rejected).as("dead letters are rejected events").containsAll(ids);
    assertThat(dead).allSatisfy(r -> assertThat(
        DeadLetterHeaders.text(r.headers(), DeadLetterHeaders.CODE)).isEqualTo("NODE_NOT_FOUND"));
    CommitNoticeCodec codec = new CommitNoticeCodec();
    List<String> noticed = rig.readAll(rig.commits, rig.partitions).stream()
        .map(r -> codec.decode(r.value()))
        .map(n -> n.getGraph() + "@" + n.getManifestVersion()).toList();
    assertThat(noticed).as("commit notices").doesNotHaveDuplicates();
  }
}
