package io.ingraft.app.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ingraft.engine.retention.GcReport;
import io.ingraft.engine.retention.GraphGc;
import io.ingraft.engine.retention.RetentionPolicy;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ingraft graph gc}: drops manifest versions beyond a retention, then the Lance versions no
 * kept manifest pins and the old staged files of writes that were never committed ({@link
 * GraphGc}). Safe while a writer runs (docs/storage.md, "Housekeeping").
 */
@Command(
    name = "gc",
    description = {
      "Drop manifest versions beyond the retention, the Lance versions no kept version pins, and"
          + " staged files of writes that were rolled back. Safe while a writer runs.",
      "Without --keep-last or --keep-for: the last "
          + RetentionPolicy.DEFAULT_KEEP_LAST
          + " versions and those of the last 7 days are kept (a version either rule keeps stays)."
    },
    mixinStandardHelpOptions = true)
final class GraphGcCommand extends GraphCommand.GraphSubcommand {
  @Option(
      names = "--keep-last",
      paramLabel = "N",
      description = "Keep the newest N manifest versions (at least 1).")
  Integer keepLast;

  @Option(
      names = "--keep-for",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "Keep the versions published within DURATION of now (7d, 12h, 30m, PT90M).")
  Duration keepFor;

  @Option(
      names = "--orphan-min-age",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description =
          "Delete unreferenced staged files only once they are this old (default 24h): younger"
              + " ones may belong to a write in flight.")
  Duration orphanMinAge;

  @Option(names = "--dry-run", description = "Print what would go; delete nothing.")
  boolean dryRun;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    RetentionPolicy policy;
    try {
      policy =
          keepLast == null && keepFor == null
              ? new RetentionPolicy(
                  RetentionPolicy.DEFAULT_KEEP_LAST, RetentionPolicy.DEFAULT_KEEP_FOR, orphanMinAge)
              : new RetentionPolicy(keepLast, keepFor, orphanMinAge);
    } catch (IllegalArgumentException e) {
      spec.commandLine().getErr().println("ingraft: " + e.getMessage());
      return ExitCodes.USAGE;
    }
    try (StorageSession s = open()) {
      GcReport report =
          new GraphGc(s.store, s.tables, Clock.systemUTC()).collect(graphId(), policy, dryRun);
      if (json) {
        ObjectNode doc = GraphCommand.JSON.valueToTree(report);
        doc.put("bytesFreed", report.bytesFreed());
        out().println(GraphCommand.JSON.writeValueAsString(doc));
        return ExitCodes.OK;
      }
      print(report);
    }
    return ExitCodes.OK;
  }

  private void print(GcReport r) {
    String verb = r.dryRun() ? "would drop" : "dropped";
    GcReport.DroppedManifests m = r.manifests();
    out()
        .printf(
            "graph %s: latest version %d, oldest kept %d%s%n",
            r.graph(), r.latestVersion(), r.oldestKept(), r.dryRun() ? " (dry run)" : "");
    out().println();
    TextTable table = new TextTable("WHAT", "DROPPED", "BYTES", "KEPT FROM", "NOTE");
    table.row(
        "manifest versions",
        m.count() == 0 ? "0" : m.count() + " (" + m.from() + ".." + m.to() + ")",
        bytes(m.bytes()),
        r.oldestKept(),
        "");
    for (GcReport.TableGc t : r.tables()) {
      table.row(
          t.table() + " versions",
          t.versionsRemoved(),
          bytes(t.versionBytes()),
          t.floor(),
          r.dryRun() && t.versionsRemoved() > 0 ? "bytes: data files only" : "");
      table.row(
          t.table() + " staged files",
          t.orphansRemoved(),
          bytes(t.orphanBytes()),
          "",
          t.orphansKept() > 0 ? t.orphansKept() + " kept: " + t.note() : "");
    }
    table.print(out());
    out().println();
    out().printf("%s %s in total%n", verb, bytes(r.bytesFreed()));
  }

  /** Bytes with a binary unit, for people. */
  static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double value = n;
    int unit = -1;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit++;
    }
    return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
  }
}
