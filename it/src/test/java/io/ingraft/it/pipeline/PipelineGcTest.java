package io.ingraft.it.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ingraft.events.EventFormat;
import io.ingraft.it.kafka.KafkaTestBroker;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ingraft graph gc} against the real pipeline on the test broker: gc runs between bursts of
 * events while both stages run, a second writer takes the graph over after gc dropped most of its
 * history (its claim, sweep and walk back for unsent side outputs meet the retention floor), and
 * {@code graph verify} with the Kafka half passes: every committed event of the log is applied,
 * once.
 */
@ExtendWith(KafkaTestBroker.Extension.class)
class PipelineGcTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String G = "kept";

  @TempDir Path dir;

  @Test
  void gcBesideTheRunningPipelineThenATakeover(KafkaTestBroker kafka) throws Exception {
    try (PipelineRig rig = new PipelineRig(kafka, dir)) {
      String mutations = rig.topics.mutations();
      rig.start("gc-writer-a");
      PipelineRig.await(
          rig.send(
              mutations,
              Events.schema(G, "s0", "node Person { name: String @key\n n: I64? }\n"),
              EventFormat.JSON));
      long sent = 1;
      rig.awaitProcessed(sent);
      long dropped = 0;
      for (int round = 0; round < 5; round++) {
        for (int i = 0; i < 12; i++) {
          rig.send(
              mutations,
              Events.mutation(
                  G,
                  "r" + round + "-" + i,
                  Events.upsert("Person", "name", "p" + i % 7, "n", (long) round)),
              EventFormat.JSON);
          sent++;
        }
        rig.flush();
        dropped += gc(rig).get("manifests").get("count").asLong();
      }
      rig.awaitProcessed(sent);
      rig.awaitCommittedToEnd();
      dropped += gc(rig).get("manifests").get("count").asLong();
      assertThat(dropped).as("manifest versions gc dropped").isPositive();
      rig.stop();

      // Another writer takes the graph over with most of its history gone.
      rig.start("gc-writer-b");
      for (int i = 0; i < 7; i++) {
        rig.send(
            mutations,
            Events.mutation(G, "after-" + i, Events.upsert("Person", "name", "p" + i, "n", 99L)),
            EventFormat.JSON);
        sent++;
      }
      rig.flush();
      rig.awaitProcessed(sent);
      rig.awaitCommittedToEnd();
      JsonNode last = gc(rig);
      assertThat(last.get("oldestKept").asLong()).isGreaterThan(1);

      PipelineRig.Verified verified = rig.verify(G);
      assertThat(verified.ok()).as(verified.report().toString()).isTrue();
      String export = rig.cliExport(G);
      for (int i = 0; i < 7; i++) {
        assertThat(export).contains("\"key\":\"p" + i + "\"");
      }
      assertThat(export.lines().filter(l -> l.contains("\"n\":99")).count()).isEqualTo(7);
    }
  }

  private static JsonNode gc(PipelineRig rig) throws Exception {
    PipelineRig.CliResult result = rig.cli("graph", "gc", "-g", G, "--keep-last", "2", "--json");
    assertThat(result.exitCode()).as(result.stdout()).isZero();
    String line =
        result.stdout().lines().filter(l -> l.startsWith("{\"graph\":")).findFirst().orElseThrow();
    return JSON.readTree(line);
  }
}
