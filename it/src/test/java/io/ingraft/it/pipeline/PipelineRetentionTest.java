package io.ingraft.it.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.ingraft.app.config.IngraftConfig;
import io.ingraft.events.EventFormat;
import io.ingraft.it.kafka.KafkaTestBroker;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.manifest.ManifestLog;
import io.ingraft.storage.object.LocalObjectStore;
import io.ingraft.storage.object.ObjectStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writer's own retention ({@code ingraft.writer.retention.*}) in the real pipeline on the test
 * broker: with a short interval and the last 3 versions kept, the writer drops the graph's older
 * history by itself while events keep coming, and {@code graph verify} with its Kafka half still
 * passes (every committed event of the log applied once, checked from the retention floor) and
 * every row is there.
 */
@ExtendWith(KafkaTestBroker.Extension.class)
class PipelineRetentionTest {
  private static final String G = "trimmed";

  @TempDir Path dir;

  @Test
  void theWriterDropsOldHistoryByItselfAndTheGraphStillVerifies(KafkaTestBroker kafka)
      throws Exception {
    Map<String, String> retention =
        Map.of(
            IngraftConfig.RETENTION_INTERVAL,
            "1",
            "ingraft.writer.retention.keep-last",
            "3",
            IngraftConfig.RETENTION_KEEP_FOR,
            "0");
    try (PipelineRig rig = new PipelineRig(kafka, dir, retention);
        ObjectStore store = new LocalObjectStore(rig.storageRoot())) {
      String mutations = rig.topics.mutations();
      rig.start("retention-writer");
      PipelineRig.await(
          rig.send(
              mutations,
              Events.schema(G, "s0", "node Person { name: String @key\n n: I64? }\n"),
              EventFormat.JSON));
      long sent = 1;
      for (int round = 0; round < 6; round++) {
        for (int i = 0; i < 8; i++) {
          rig.send(
              mutations,
              Events.mutation(
                  G,
                  "r" + round + "-" + i,
                  Events.upsert("Person", "name", "p" + (round * 8 + i), "n", (long) round)),
              EventFormat.JSON);
          sent++;
        }
        rig.flush();
        rig.awaitProcessed(sent);
      }
      rig.awaitCommittedToEnd();
      ManifestLog log = new ManifestLog(store, GraphId.of(G));
      long latest = log.require().version();
      assertThat(latest).as("versions published").isGreaterThan(6);
      KafkaTestBroker.await(
          Duration.ofSeconds(60),
          "the writer's retention dropped the graph's oldest versions",
          () -> log.versions().get(0) > 1);
      // Closing the pipeline waits for a retention run still going, so what is checked below no
      // longer moves.
      rig.stop();

      PipelineRig.Verified verified = rig.verify(G);
      assertThat(verified.ok()).as(verified.report().toString()).isTrue();
      String export = rig.cliExport(G);
      for (int key = 0; key < 48; key++) {
        assertThat(export).contains("\"key\":\"p" + key + "\"");
      }
    }
  }
}
