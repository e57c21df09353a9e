package io.ingraft.app.http;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * The status page: one self-contained HTML document (inline CSS, no scripts, no external assets)
 * rendered from a {@link StatusReport}. It refreshes itself every five seconds.
 */
final class StatusPage {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT)
          .withZone(ZoneOffset.UTC);

  private static final String STYLE =
      """
      body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px 32px;
             color: #1f2328; background: #f6f8fa; }
      h1 { font-size: 20px; margin: 0 0 4px; }
      h2 { font-size: 15px; margin: 28px 0 8px; }
      .sub { color: #59636e; margin-bottom: 16px; }
      .badge { display: inline-block; padding: 1px 10px; border-radius: 10px; font-weight: 600;
               font-size: 12px; vertical-align: 2px; margin-left: 8px; }
      .ok { background: #dafbe1; color: #116329; }
      .bad { background: #ffebe9; color: #a40e26; }
      .cards { display: flex; gap: 16px; flex-wrap: wrap; }
      .card { background: #fff; border: 1px solid #d1d9e0; border-radius: 6px; padding: 10px 16px;
              min-width: 220px; }
      .card b { display: block; font-size: 12px; color: #59636e; font-weight: 600; }
      table { border-collapse: collapse; background: #fff; border: 1px solid #d1d9e0; }
      th, td { padding: 6px 14px; border-bottom: 1px solid #e6eaef; white-space: nowrap; }
      th { background: #eef1f4; font-size: 12px; text-align: left; color: #3d444d; }
      td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
      td.wrap { white-space: normal; max-width: 520px; }
      td.mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
      tr.stopped td { background: #fff5f5; }
      .none { color: #59636e; font-style: italic; }
      """;

  private StatusPage() {}

  static String render(StatusReport report) {
    StringBuilder html = new StringBuilder(4096);
    html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<meta http-equiv=\"refresh\" content=\"5\">")
        .append("<title>Ingraft ")
        .append(esc(report.instance()))
        .append("</title>")
        .append("<style>")
        .append(STYLE)
        .append("</style></head><body>\n");
    html.append("<h1>Ingraft <span class=\"mono\">")
        .append(esc(report.instance()))
        .append("</span>")
        .append(
            report.ready()
                ? "<span class=\"badge ok\">ready</span>"
                : "<span class=\"badge bad\">not ready</span>")
        .append("</h1>\n");
    html.append("<div class=\"sub\">")
        .append(TIME.format(report.at()))
        .append(" &middot; refreshes every 5 s &middot; <a href=\"api/status\">JSON</a>")
        .append(" &middot; <a href=\"metrics\">metrics</a></div>\n");

    StatusReport.StageOne one = report.stageOne();
    StatusReport.Writer writer = report.writer();
    html.append("<div class=\"cards\">")
        .append(
            card(
                "Stage 1 (topology)",
                esc(one.state())
                    + " &middot; "
                    + one.partitions().size()
                    + " partitions &middot; lag "
                    + lag(one.lag())))
        .append(
            card(
                "Stage 2 (writer)",
                (writer.running() ? "running" : "stopped")
                    + " &middot; "
                    + writer.partitions().size()
                    + " partitions &middot; lag "
                    + lag(writer.lag())))
        .append(
            card(
                "Graphs",
                report.graphs().size() + " owned &middot; " + report.stopped().size() + " stopped"))
        .append("</div>\n");

    html.append("<h2>Graphs this instance owns</h2>\n");
    if (report.graphs().isEmpty()) {
      html.append(
          "<p class=\"none\">None yet: a graph shows here once this instance has written"
              + " a batch of it from a partition assigned to it.</p>\n");
    } else {
      html.append(
          "<table><thead><tr><th>graph</th><th>partition</th><th class=\"n\">version</th>"
              + "<th class=\"n\">lag (records)</th><th class=\"n\">backlog (events)</th>"
              + "<th class=\"n\">freshness</th><th>last publish</th></tr></thead><tbody>\n");
      for (StatusReport.Graph graph : report.graphs()) {
        boolean stopped = isStopped(report.stopped(), graph.graph());
        html.append(stopped ? "<tr class=\"stopped\">" : "<tr>")
            .append("<td class=\"mono\">")
            .append(esc(graph.graph()))
            .append("</td>")
            .append("<td class=\"mono\">")
            .append(esc(graph.partition()))
            .append("</td>")
            .append("<td class=\"n\">")
            .append(
                graph.version() < 0
                    ? "&ndash;"
                    : String.format(Locale.ROOT, "%,d", graph.version()))
            .append("</td>")
            .append("<td class=\"n\">")
            .append(lag(graph.lag()))
            .append("</td>")
            .append("<td class=\"n\">")
            .append(String.format(Locale.ROOT, "%,d", graph.backlogEvents()))
            .append("</td>")
            .append("<td class=\"n\">")
            .append(graph.freshnessMs() == null ? "&ndash;" : seconds(graph.freshnessMs()))
            .append("</td>")
            .append("<td>")
            .append(published(graph.lastPublish(), report.at()))
            .append("</td>")
            .append("</tr>\n");
      }
      html.append("</tbody></table>\n");
    }

    html.append("<h2>Stopped graphs</h2>\n");
    if (report.stopped().isEmpty()) {
      html.append("<p class=\"none\">None.</p>\n");
    } else {
      html.append(
          "<table><thead><tr><th>graph</th><th>code</th><th>since</th><th>reason</th>"
              + "<th>operator action</th></tr></thead><tbody>\n");
      for (StatusReport.StoppedGraph stopped : report.stopped()) {
        html.append("<tr class=\"stopped\"><td class=\"mono\">")
            .append(esc(stopped.graph()))
            .append("</td><td class=\"mono\">")
            .append(esc(stopped.code()))
            .append("</td><td>")
            .append(stopped.since() == null ? "&ndash;" : TIME.format(stopped.since()))
            .append("</td><td class=\"wrap\">")
            .append(esc(stopped.reason()))
            .append("</td><td class=\"mono\">")
            .append(esc(stopped.action()))
            .append("</td></tr>\n");
      }
      html.append("</tbody></table>\n");
    }
    html.append("</body></html>\n");
    return html.toString();
  }

  private static String card(String title, String body) {
    return "<div class=\"card\"><b>" + esc(title) + "</b>" + body + "</div>";
  }

  private static boolean isStopped(List<StatusReport.StoppedGraph> stopped, String graph) {
    return stopped.stream().anyMatch(s -> s.graph().equals(graph));
  }

  private static String lag(long lag) {
    return lag < 0 ? "&ndash;" : String.format(Locale.ROOT, "%,d", lag);
  }

  private static String seconds(long millis) {
    return String.format(Locale.ROOT, "%.2f s", millis / 1000.0);
  }

  private static String published(Instant at, Instant now) {
    if (at == null) {
      return "<span class=\"none\">not yet</span>";
    }
    long ago = Math.max(0, Duration.between(at, now).toSeconds());
    return TIME.format(at) + " <span class=\"none\">(" + ago + " s ago)</span>";
  }

  static String esc(String text) {
    if (text == null) {
      return "";
    }
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }
}
