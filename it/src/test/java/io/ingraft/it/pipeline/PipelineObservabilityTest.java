package io.ingraft.it.pipeline;

import static io.ingraft.it.pipeline.Events.mutation;
import static io.ingraft.it.pipeline.Events.schema;
import static io.ingraft.it.pipeline.Events.update;
import static io.ingraft.it.pipeline.Events.upsert;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ingraft.app.IngestPipeline;
import io.ingraft.app.http.StatusServer;
import io.ingraft.events.EventFormat;
import io.ingraft.it.kafka.KafkaTestBroker;
import io.ingraft.it.observe.HeadlessChromium;
import io.ingraft.it.observe.PrometheusServer;
import io.ingraft.storage.GraphId;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import java.util.function.DoublePredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline watched from outside, with real programs: a Prometheus server (Debian's {@code
 * prometheus}) scrapes the running pipeline's {@code /metrics} every second, and its HTTP API must
 * return the per-graph event counters, the dead letters of both stages by code, a freshness
 * histogram, and a lag per stage that rises while that stage is paused and falls back to zero
 * after; {@code promtool check metrics} finds nothing to say about the {@code ingraft_} metrics.
 * Then headless Chromium loads the status page: the rendered DOM lists both graphs with the
 * versions the engine published, and a screenshot goes to {@code target/status-page.png}.
 */
@ExtendWith(KafkaTestBroker.Extension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PipelineObservabilityTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final String ALPHA = "alpha";
  private static final String BETA = "beta";
  private static final String SCHEMA =
      """
      node Person {
        name: String @key
        age: I64?
      }
      """;
  private static final int PEOPLE = 10;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  static PipelineRig rig;
  static IngestPipeline pipeline;
  static StatusServer http;
  static PrometheusServer prometheus;
  static final HttpClient CLIENT = HttpClient.newHttpClient();

  @BeforeAll
  static void start(KafkaTestBroker kafka) throws Exception {
    rig = new PipelineRig(kafka, dir);
    pipeline = rig.start("obs-writer");
    http = StatusServer.start("127.0.0.1", 0, pipeline);
    prometheus = PrometheusServer.start(dir.resolve("prometheus"), "127.0.0.1:" + http.port());
  }

  @AfterAll
  static void stop() {
    if (prometheus != null) {
      prometheus.close();
    }
    if (http != null) {
      http.close();
    }
    if (rig != null) {
      rig.close();
    }
  }

  @Test
  @Order(1)
  void prometheusScrapesPerGraphCountersDeadLettersFreshnessAndLag() throws Exception {
    String mutations = rig.topics.mutations();
    for (String graph : List.of(ALPHA, BETA)) {
      rig.send(mutations, schema(graph, graph + "-schema", SCHEMA), EventFormat.JSON);
      for (int i = 0; i < PEOPLE; i++) {
        rig.send(
            mutations,
            mutation(
                graph, graph + "-p" + i, upsert("Person", "name", "p" + i, "age", (long) (20 + i))),
            EventFormat.JSON);
      }
    }
    // One event the engine rejects (the writer dead-letters it) and one record stage 1 cannot
    // decode (stage 1 dead-letters it).
    rig.send(
        mutations,
        mutation(ALPHA, "alpha-bad", update("Person", "nobody", "age", 1L)),
        EventFormat.JSON);
    rig.sendRaw(mutations, ALPHA.getBytes(UTF_8), "{not json".getBytes(UTF_8), null);
    rig.flush();
    rig.awaitProcessed(2 * (PEOPLE + 1) + 1);

    awaitValue("ingraft_events_total{graph=\"alpha\",outcome=\"applied\"}", v -> v == PEOPLE + 1);
    awaitValue("ingraft_events_total{graph=\"beta\",outcome=\"applied\"}", v -> v == PEOPLE + 1);
    awaitValue("ingraft_events_total{graph=\"alpha\",outcome=\"rejected\"}", v -> v == 1);
    awaitValue("ingraft_events_total{graph=\"beta\",outcome=\"rejected\"}", v -> v == 0);
    awaitValue(
        "ingraft_events_rejected_total{graph=\"alpha\",code=\"NODE_NOT_FOUND\"}", v -> v == 1);
    awaitValue("ingraft_dead_letters_total{stage=\"writer\",code=\"NODE_NOT_FOUND\"}", v -> v == 1);
    awaitValue("ingraft_dead_letters_total{stage=\"topology\",code=\"BAD_JSON\"}", v -> v == 1);
    for (String graph : List.of(ALPHA, BETA)) {
      long version = pipeline.engine().snapshot(GraphId.of(graph)).version();
      awaitValue("ingraft_graph_version{graph=\"" + graph + "\"}", v -> v == version);
      awaitValue("ingraft_commit_notices_total{graph=\"" + graph + "\"}", v -> v >= 2);
      awaitValue("ingraft_sweeps_total{graph=\"" + graph + "\",outcome=\"failed\"}", v -> v == 0);
    }

    // Freshness: one observation per published version with event timestamps, in buckets.
    awaitValue("ingraft_freshness_seconds_count{graph=\"alpha\"}", v -> v >= 2);
    double count =
        prometheus.scalar("ingraft_freshness_seconds_count{graph=\"alpha\"}").orElseThrow();
    assertThat(prometheus.scalar("ingraft_freshness_seconds_bucket{graph=\"alpha\",le=\"+Inf\"}"))
        .hasValue(count);
    assertThat(prometheus.query("ingraft_freshness_seconds_bucket{graph=\"alpha\"}").size())
        .as("freshness buckets")
        .isGreaterThan(5);
    awaitValue(
        "histogram_quantile(0.99, sum by (le) (ingraft_freshness_seconds_bucket"
            + "{graph=\"alpha\"}))",
        v -> v > 0 && v <= 60);
    awaitValue("ingraft_apply_duration_seconds_count{graph=\"beta\"}", v -> v >= 2);
    awaitValue("ingraft_batch_size_events_sum{graph=\"beta\"}", v -> v == PEOPLE + 1);

    // The writer's lag rises while it is paused (stage 1 goes on writing the graph log) and
    // falls back to zero once it resumes.
    String writerLag = "sum(ingraft_lag_records{stage=\"writer\"})";
    awaitValue(writerLag, v -> v == 0);
    pipeline.pauseWriter();
    long appliedBefore = pipeline.stats().eventsApplied();
    int more = 20;
    for (int i = 0; i < more; i++) {
      rig.send(
          mutations,
          mutation(BETA, "beta-more-" + i, upsert("Person", "name", "q" + i)),
          EventFormat.JSON);
    }
    rig.flush();
    awaitValue(writerLag, v -> v >= more);
    assertThat(pipeline.stats().eventsApplied())
        .as("nothing applied while paused")
        .isEqualTo(appliedBefore);
    assertThat(prometheus.query("ingraft_lag_records{stage=\"writer\"}").size())
        .as("one writer lag series per graph-log partition")
        .isEqualTo(PipelineRig.PARTITIONS);
    pipeline.resumeWriter();
    awaitValue(writerLag, v -> v == 0);
    awaitValue(
        "ingraft_events_total{graph=\"beta\",outcome=\"applied\"}", v -> v == PEOPLE + 1 + more);

    // Stage 1's lag rises while the topology is paused, in Prometheus and in the run command's
    // status line (which read 0 here before), and falls back after.
    String stageOneLag = "sum(ingraft_lag_records{stage=\"topology\"})";
    awaitValue(stageOneLag, v -> v == 0);
    pipeline.pauseTopology();
    for (int i = 0; i < more; i++) {
      rig.send(
          mutations,
          mutation(ALPHA, "alpha-more-" + i, upsert("Person", "name", "r" + i)),
          EventFormat.JSON);
    }
    rig.flush();
    awaitValue(stageOneLag, v -> v >= more);
    assertThat(pipeline.stageOneLag()).isGreaterThanOrEqualTo(more);
    pipeline.resumeTopology();
    awaitValue(stageOneLag, v -> v == 0);
    awaitValue(writerLag, v -> v == 0);

    // Kafka Streams', the Kafka clients' and the JVM's metrics come through the binders.
    for (String binder :
        List.of(
            "kafka_stream_thread_process_total",
            "kafka_consumer_fetch_manager_records_consumed_total",
            "kafka_producer_record_send_total",
            "jvm_memory_used_bytes",
            "process_cpu_usage")) {
      awaitValue("count(" + binder + ")", v -> v >= 1);
    }
    awaitValue("ingraft_ready", v -> v == 1);

    // promtool's lint finds nothing about the pipeline's own metrics.
    String scrape = get("metrics").body();
    // For a person to look at: what a scrape of a running pipeline holds.
    Files.writeString(Path.of("target", "metrics-scrape.txt"), scrape);
    List<String> problems = promtoolCheckMetrics(scrape);
    assertThat(problems).filteredOn(line -> line.contains("ingraft_")).isEmpty();

    // Every metric docs/operations.md lists is served, but those that only exist once something
    // happened that this run does not cause (a stopped graph, a recovered operation).
    List<String> documented = new ArrayList<>();
    Matcher names =
        Pattern.compile("(?m)^\\| `(ingraft_[a-z_]+)` \\|")
            .matcher(Files.readString(Path.of("..", "docs", "operations.md")));
    while (names.find()) {
      documented.add(names.group(1));
    }
    assertThat(documented).hasSizeGreaterThan(15);
    assertThat(documented)
        .filteredOn(
            name ->
                !name.equals("ingraft_graph_stopped")
                    && !name.equals("ingraft_recovered_operations_total"))
        .allSatisfy(name -> assertThat(scrape).contains("\n" + name));
  }

  @Test
  @Order(2)
  void statusPageInHeadlessChromiumListsTheGraphsWithTheirVersions() throws Exception {
    JsonNode status = JSON.readTree(get("api/status").body());
    assertThat(status.path("instance").asText()).isEqualTo("obs-writer");
    assertThat(status.path("ready").asBoolean()).isTrue();
    assertThat(status.path("stageOne").path("state").asText()).isEqualTo("RUNNING");

    HeadlessChromium chromium = new HeadlessChromium(dir.resolve("chromium"));
    String dom = chromium.dumpDom(http.uri().toString());
    for (String graph : List.of(ALPHA, BETA)) {
      long version = pipeline.engine().snapshot(GraphId.of(graph)).version();
      Matcher row =
          Pattern.compile(
                  "<td class=\"mono\">"
                      + graph
                      + "</td><td class=\"mono\">([^<]+)</td><td class=\"n\">([0-9,]+)</td>")
              .matcher(dom);
      assertThat(row.find()).as("a row of graph %s in the rendered page:%n%s", graph, dom).isTrue();
      assertThat(row.group(2).replace(",", "")).isEqualTo(Long.toString(version));
      JsonNode json = graphOf(status, graph);
      assertThat(json.path("partition").asText()).isEqualTo(row.group(1));
    }
    assertThat(dom).contains("ready").contains("obs-writer").contains("Stopped graphs");

    Path png = Path.of("target", "status-page.png");
    chromium.screenshot(http.uri().toString(), png, 1280, 640);
    byte[] header = new byte[8];
    System.arraycopy(Files.readAllBytes(png), 0, header, 0, 8);
    assertThat(header).startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
  }

  private static JsonNode graphOf(JsonNode status, String graph) {
    for (JsonNode node : status.path("graphs")) {
      if (node.path("graph").asText().equals(graph)) {
        return node;
      }
    }
    throw new AssertionError("graph " + graph + " not in " + status);
  }

  /** Polls Prometheus until {@code promql} yields one sample that satisfies {@code condition}. */
  private static void awaitValue(String promql, DoublePredicate condition) {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    OptionalDouble last = OptionalDouble.empty();
    while (System.nanoTime() - deadline < 0) {
      last = prometheus.scalar(promql);
      if (last.isPresent() && condition.test(last.getAsDouble())) {
        return;
      }
      pause();
    }
    throw new AssertionError(
        "Prometheus: "
            + promql
            + " is "
            + last
            + " after "
            + TIMEOUT
            + " (up: "
            + prometheus.up()
            + ")");
  }

  private static void pause() {
    try {
      TimeUnit.MILLISECONDS.sleep(200); // poll cadence of a deadline loop
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static HttpResponse<String> get(String path) throws Exception {
    HttpResponse<String> response =
        CLIENT.send(
            HttpRequest.newBuilder(http.uri().resolve(path)).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("GET /" + path).isEqualTo(200);
    return response;
  }

  private static List<String> promtoolCheckMetrics(String scrape) throws Exception {
    Process process =
        new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
    try (var in = process.getOutputStream()) {
      in.write(scrape.getBytes(UTF_8));
    }
    String output = new String(process.getInputStream().readAllBytes(), UTF_8);
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return new ArrayList<>(output.lines().toList());
  }
}
