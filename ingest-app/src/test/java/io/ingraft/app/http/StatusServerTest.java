package io.ingraft.app.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP endpoint over a real socket, answering from a fixed {@link StatusServer.Source}: each
 * path's status code, content type and body; stopped graphs with their operator action on the page;
 * text from the report escaped in the HTML.
 */
class StatusServerTest {
  private static final StatusReport REPORT =
      new StatusReport(
          "writer-7",
          false,
          new StatusReport.StageOne("RUNNING", List.of("ingraft.mutations-0"), 12),
          new StatusReport.Writer(true, List.of("ingraft.graph-log-0"), 3, false),
          List.of(
              new StatusReport.Graph(
                  "social",
                  "ingraft.graph-log-0",
                  1234,
                  3,
                  20,
                  850L,
                  Instant.parse("2026-01-02T03:04:05Z")),
              new StatusReport.Graph("ledger", "ingraft.graph-log-0", 7, 3, 0, null, null)),
          List.of(
              new StatusReport.StoppedGraph(
                  "ledger",
                  "SWEEP_STOPPED",
                  "table <edges/Transfer> HEAD 9 below its pin 10",
                  "ingraft graph recover -g ledger",
                  Instant.parse("2026-01-02T03:00:00Z"))),
          Instant.parse("2026-01-02T03:04:10Z"));

  private final HttpClient client = HttpClient.newHttpClient();
  private volatile boolean ready;
  private volatile boolean live = true;
  private StatusServer server;

  @BeforeEach
  void start() throws Exception {
    server =
        StatusServer.start(
            "127.0.0.1",
            0,
            new StatusServer.Source() {
              @Override
              public String scrape() {
                return "# TYPE ingraft_ready gauge\ningraft_ready 0.0\n";
              }

              @Override
              public boolean live() {
                return live;
              }

              @Override
              public boolean ready() {
                return ready;
              }

              @Override
              public StatusReport status() {
                return REPORT;
              }
            });
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void servesMetricsInPrometheusTextFormat() throws Exception {
    HttpResponse<String> metrics = get("metrics");
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.headers().firstValue("Content-Type"))
        .hasValue("text/plain; version=0.0.4; charset=utf-8");
    assertThat(metrics.body()).contains("ingraft_ready 0.0");
  }

  @Test
  void healthAnswers503UntilReadyAndWhileNotLive() throws Exception {
    assertThat(get("health/ready").statusCode()).isEqualTo(503);
    assertThat(get("health/ready").body()).contains("\"ready\":false");
    ready = true;
    assertThat(get("health/ready").statusCode()).isEqualTo(200);
    assertThat(get("health/live").statusCode()).isEqualTo(200);
    live = false;
    assertThat(get("health/live").statusCode()).isEqualTo(503);
  }

  @Test
  void statusIsJson() throws Exception {
    HttpResponse<String> status = get("api/status");
    assertThat(status.headers().firstValue("Content-Type")).hasValue("application/json");
    JsonNode json = new ObjectMapper().readTree(status.body());
    assertThat(json.path("instance").asText()).isEqualTo("writer-7");
    assertThat(json.path("stageOne").path("lag").asLong()).isEqualTo(12);
    assertThat(json.path("graphs").get(0).path("version").asLong()).isEqualTo(1234);
    assertThat(json.path("graphs").get(0).path("lastPublish").asText())
        .isEqualTo("2026-01-02T03:04:05Z");
    assertThat(json.path("stopped").get(0).path("action").asText())
        .isEqualTo("ingraft graph recover -g ledger");
  }

  @Test
  void pageListsGraphsAndStoppedGraphsWithTheirActionEscaped() throws Exception {
    HttpResponse<String> page = get("");
    assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
    String html = page.body();
    assertThat(html)
        .contains("<td class=\"mono\">social</td>")
        .contains("<td class=\"n\">1,234</td>")
        .contains("0.85 s")
        .contains("not ready")
        .contains("ingraft graph recover -g ledger")
        .contains("table &lt;edges/Transfer&gt; HEAD 9")
        .doesNotContain("<edges/Transfer>")
        .doesNotContain("http://")
        .doesNotContain("https://")
        .doesNotContain("<script");
    // A stopped graph is marked in the graphs' table and listed with its action below it.
    assertThat(html)
        .contains(
            "<tr class=\"stopped\"><td class=\"mono\">ledger</td>"
                + "<td class=\"mono\">ingraft.graph-log-0</td>")
        .contains(
            "<tr class=\"stopped\"><td class=\"mono\">ledger</td>"
                + "<td class=\"mono\">SWEEP_STOPPED</td>");
  }

  @Test
  void unknownPathsAndMethods() throws Exception {
    assertThat(get("nope").statusCode()).isEqualTo(404);
    HttpResponse<String> post =
        client.send(
            HttpRequest.newBuilder(server.uri().resolve("metrics"))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
  }

  private HttpResponse<String> get(String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(server.uri().resolve(path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
