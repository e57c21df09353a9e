package io.ingraft.it.pipeline;

import static io.ingraft.it.pipeline.Events.mutation;
import static io.ingraft.it.pipeline.Events.schema;
import static io.ingraft.it.pipeline.Events.upsert;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ingraft.app.IngestPipeline;
import io.ingraft.app.http.StatusServer;
import io.ingraft.events.EventFormat;
import io.ingraft.it.kafka.KafkaTestBroker;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.manifest.ManifestLog;
import io.ingraft.storage.object.LocalObjectStore;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /health/ready} across a rebalance, with two pipelines (two instances) in this JVM on one
 * broker and one storage root. Instance A writes graphs in every graph-log partition, then its
 * writer is held while more events arrive, so every partition has records pending. Instance B
 * starts with its writer held: once stage 1 runs on both and the group gave B its partitions, with
 * their pending records measured, B is not ready and A still owns (by manifest epoch) every graph
 * of B's partitions. When B's writer goes on, B becomes ready, and by the first ready answer B owns
 * every one of those graphs: readiness follows the takeover.
 */
@ExtendWith(KafkaTestBroker.Extension.class)
class ReadinessRebalanceTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(90);
  private static final String SCHEMA =
      """
      node Item {
        id: String @key
      }
      """;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient CLIENT = HttpClient.newHttpClient();

  @TempDir Path dir;

  @Test
  void readyOnlyAfterTheNewInstanceTookItsGraphsOver(KafkaTestBroker kafka) throws Exception {
    List<String> graphs = graphsInEveryPartition();
    try (PipelineRig rig = new PipelineRig(kafka, dir);
        IngestPipeline a =
            new IngestPipeline(
                rig.config(
                    "ready-a", Map.of("ingraft.state-dir", dir.resolve("streams-a").toString())));
        IngestPipeline b =
            new IngestPipeline(
                rig.config(
                    "ready-b", Map.of("ingraft.state-dir", dir.resolve("streams-b").toString())))) {
      a.start();
      try (StatusServer httpA = StatusServer.start("127.0.0.1", 0, a)) {
        String mutations = rig.topics.mutations();
        for (String graph : graphs) {
          rig.send(mutations, schema(graph, graph + "-schema", SCHEMA), EventFormat.JSON);
          rig.send(
              mutations,
              mutation(graph, graph + "-1", upsert("Item", "id", "1")),
              EventFormat.JSON);
        }
        rig.flush();
        KafkaTestBroker.await(
            TIMEOUT,
            "instance A applied the first events",
            () -> a.stats().eventsApplied() == 2L * graphs.size());
        awaitStatus(httpA, "instance A ready", 200);

        // Pending work in every partition: A's writer is held while more events arrive.
        a.pauseWriter();
        for (String graph : graphs) {
          rig.send(
              mutations,
              mutation(graph, graph + "-2", upsert("Item", "id", "2")),
              EventFormat.JSON);
        }
        rig.flush();
        KafkaTestBroker.await(
            TIMEOUT, "the new events in the graph log", () -> a.writerLag() >= graphs.size());

        b.pauseWriter();
        b.start();
        try (StatusServer httpB = StatusServer.start("127.0.0.1", 0, b)) {
          KafkaTestBroker.await(
              TIMEOUT,
              "stage 1 running on both, the graph log split"
                  + " between the writers, B's pending records measured",
              () -> {
                JsonNode sa = status(httpA);
                JsonNode sb = status(httpB);
                return sa.path("stageOne").path("state").asText().equals("RUNNING")
                    && sb.path("stageOne").path("state").asText().equals("RUNNING")
                    && !sb.path("writer").path("partitions").isEmpty()
                    && sa.path("writer").path("partitions").size()
                            + sb.path("writer").path("partitions").size()
                        == PipelineRig.PARTITIONS
                    && sb.path("writer").path("lag").asLong() > 0;
              });
          Set<String> bPartitions = new HashSet<>();
          status(httpB).path("writer").path("partitions").forEach(p -> bPartitions.add(p.asText()));
          List<String> bGraphs =
              graphs.stream()
                  .filter(g -> bPartitions.contains(rig.topics.graphLog() + "-" + partitionOf(g)))
                  .toList();
          assertThat(bGraphs).as("graphs in B's partitions %s", bPartitions).isNotEmpty();

          assertThat(get(httpB, "health/ready").statusCode())
              .as("B before its takeover")
              .isEqualTo(503);
          assertThat(status(httpB).path("ready").asBoolean()).isFalse();
          assertThat(status(httpB).path("writer").path("tookOver").asBoolean()).isFalse();
          assertThat(owners(rig, bGraphs))
              .as("owners of B's graphs before B goes on")
              .containsOnly("ready-a");

          b.resumeWriter();
          awaitStatus(httpB, "instance B ready", 200);
          assertThat(owners(rig, bGraphs))
              .as("owners of B's graphs once B is ready")
              .containsOnly("ready-b");
          assertThat(get(httpB, "health/live").statusCode()).isEqualTo(200);

          a.resumeWriter();
          awaitStatus(httpA, "instance A ready again", 200);
        }
      }
    }
  }

  /** Graph ids that cover every graph-log partition (two per partition). */
  private static List<String> graphsInEveryPartition() {
    List<String> graphs = new ArrayList<>();
    int[] perPartition = new int[PipelineRig.PARTITIONS];
    for (int i = 0; graphs.size() < 2 * PipelineRig.PARTITIONS; i++) {
      String graph = "ready" + i;
      int partition = partitionOf(graph);
      if (perPartition[partition] < 2) {
        perPartition[partition]++;
        graphs.add(graph);
      }
    }
    return graphs;
  }

  /** The graph-log partition of a graph: stage 1 keys the log by graph id, default partitioner. */
  private static int partitionOf(String graph) {
    return Utils.toPositive(Utils.murmur2(graph.getBytes(UTF_8))) % PipelineRig.PARTITIONS;
  }

  /** The writer id in each graph's latest manifest (its owner, by epoch). */
  private static Set<String> owners(PipelineRig rig, List<String> graphs) {
    Set<String> owners = new HashSet<>();
    try (LocalObjectStore store = new LocalObjectStore(rig.storageRoot())) {
      for (String graph : graphs) {
        owners.add(new ManifestLog(store, GraphId.of(graph)).require().writer().writerId());
      }
    }
    return owners;
  }

  private static void awaitStatus(StatusServer http, String what, int code) {
    KafkaTestBroker.await(TIMEOUT, what, () -> get(http, "health/ready").statusCode() == code);
  }

  private static JsonNode status(StatusServer http) {
    try {
      return JSON.readTree(get(http, "api/status").body());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static HttpResponse<String> get(StatusServer http, String path) {
    try {
      return CLIENT.send(
          HttpRequest.newBuilder(http.uri().resolve(path)).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
