package io.ingraft.it.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * The table every pipeline-level benchmark prints, one row per measured run: offered and achieved
 * events/s, optional ratios to reference rates (the pipeline benchmark's Lance ceiling and raw
 * consume), p50 and p99 freshness, batches (published versions) per second, mean batch, peak heap,
 * the machine's load average over the run and CPU per event (this JVM and the broker, from {@code
 * /proc}). Columns a benchmark cannot measure print as {@code n/a}.
 */
final class RunTable {
  /** One measured run. {@code freshness} and {@code ratios} may be missing (null, NaN). */
  record Row(
      String run,
      String offered,
      double achieved,
      double[] ratios,
      Percentiles freshness,
      double batchesPerSecond,
      double meanBatch,
      long peakHeapBytes,
      String loadStart,
      String loadEnd,
      double cpuMicrosPerEvent) {}

  private final List<String> ratioColumns;
  private final List<Row> rows = new ArrayList<>();

  /** A table with these ratio columns (for example "x Lance"), in this order. */
  RunTable(List<String> ratioColumns) {
    this.ratioColumns = List.copyOf(ratioColumns);
  }

  RunTable add(Row row) {
    rows.add(row);
    return this;
  }

  /** The header and one line per row. */
  List<String> lines() {
    List<String> out = new ArrayList<>();
    StringBuilder header =
        new StringBuilder(String.format("%-8s %14s %14s", "run", "offered ev/s", "achieved ev/s"));
    for (String c : ratioColumns) {
      header.append(String.format(" %9s", c));
    }
    header.append(
        String.format(
            " %10s %10s %10s %10s %10s %12s %9s",
            "p50 fresh",
            "p99 fresh",
            "batches/s",
            "mean batch",
            "peak heap",
            "load (1m)",
            "CPU/event"));
    out.add(header.toString());
    for (Row r : rows) {
      StringBuilder line =
          new StringBuilder(String.format("%-8s %14s %,14.0f", r.run, r.offered, r.achieved));
      for (int i = 0; i < ratioColumns.size(); i++) {
        double v = r.ratios == null || i >= r.ratios.length ? Double.NaN : r.ratios[i];
        line.append(Double.isNaN(v) ? String.format(" %9s", "n/a") : String.format(" %9.3f", v));
      }
      line.append(
          String.format(
              " %10s %10s %10.1f %,10.0f %7d MB %12s %6.1f us",
              seconds(r.freshness, true),
              seconds(r.freshness, false),
              r.batchesPerSecond,
              r.meanBatch,
              r.peakHeapBytes >> 20,
              first(r.loadStart) + "->" + first(r.loadEnd),
              r.cpuMicrosPerEvent));
      out.add(line.toString());
    }
    return out;
  }

  void print() {
    lines().forEach(System.out::println);
  }

  /** A percentile in seconds, two decimals, or n/a. */
  static String seconds(Percentiles p, boolean p50) {
    if (p == null) {
      return "n/a";
    }
    return String.format("%.2f s", (p50 ? p.p50() : p.p99()) / 1000.0);
  }

  /** The one-minute figure of a {@code /proc/loadavg} style "1m, 5m, 15m" string. */
  private static String first(String load) {
    return load == null ? "?" : load.split(",")[0].trim();
  }
}
