package io.ingraft.app.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.ingraft.engine.read.GraphSnapshot;
import io.ingraft.recovery.RecoveryOutcome;
import io.ingraft.recovery.SidecarStore;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.RetryRecord;
import io.ingraft.storage.StopRecord;
import io.ingraft.storage.StopRecords;
import io.ingraft.storage.manifest.Manifest;
import io.ingraft.storage.manifest.ManifestLog;
import io.ingraft.storage.manifest.TablePin;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ingraft graph ...}: work with graphs in storage directly, without Kafka. */
@Command(
    name = "graph",
    description = "Create, inspect, export, verify and recover graphs in storage.",
    mixinStandardHelpOptions = true,
    subcommands = {
      GraphCommand.Create.class,
      GraphCommand.Status.class,
      GraphCommand.History.class,
      GraphCommand.Export.class,
      GraphPinsCommand.class,
      GraphCommand.Verify.class,
      GraphCommand.Recover.class,
      GraphRebuildCommand.class,
      GraphCommand.Orphans.class,
      GraphGcCommand.class,
      GraphListCommand.class
    })
final class GraphCommand {
  static final ObjectMapper JSON =
      JsonMapper.builder()
          .addModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .build();

  /** Options every graph subcommand takes. */
  abstract static class GraphSubcommand implements Callable<Integer> {
    @Mixin StorageOptions storage;

    @Option(
        names = {"-g", "--graph"},
        required = true,
        paramLabel = "ID",
        description = "Graph id.")
    String graph;

    @Spec CommandSpec spec;

    PrintWriter out() {
      return spec.commandLine().getOut();
    }

    StorageSession open() {
      return new StorageSession(storage.toConfig(Map.of()).storage());
    }

    GraphId graphId() {
      return GraphId.of(graph);
    }
  }

  /** What a graph's retry record says, in one line. */
  static String retryProblem(RetryRecord r) {
    return String.format(
        "since %s: %d failed attempts in a row by writer %s, the last at %s: %s",
        r.since(), r.attempts(), r.writer(), r.lastAttempt(), r.error());
  }

  @Command(
      name = "create",
      description = "Create a graph from a schema file (.pg).",
      mixinStandardHelpOptions = true)
  static final class Create extends GraphSubcommand {
    @Option(names = "--schema", required = true, paramLabel = "FILE", description = "Schema file.")
    Path schema;

    @Override
    public Integer call() throws IOException {
      String source = Files.readString(schema, StandardCharsets.UTF_8);
      try (StorageSession s = open()) {
        Manifest m = s.engine.createGraph(graphId(), source);
        out()
            .printf(
                "created graph %s at version %d with %d tables%n",
                graph, m.version(), m.tables().size());
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "status",
      description = "Latest version, tables, source offsets, pending sidecars.",
      mixinStandardHelpOptions = true)
  static final class Status extends GraphSubcommand {
    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public Integer call() throws IOException {
      try (StorageSession s = open()) {
        ManifestLog log = new ManifestLog(s.store, graphId());
        Manifest m = log.require();
        int sidecars = new SidecarStore(s.store).list(graphId()).size();
        Optional<StopRecord> stopped = new StopRecords(s.store).read(graphId());
        Optional<RetryRecord> retrying = s.engine.retryRecords().read(graphId());
        if (json) {
          Map<String, Object> doc = new LinkedHashMap<>();
          doc.put("graph", graph);
          doc.put("version", m.version());
          doc.put("time", m.time());
          doc.put("writer", m.writer());
          doc.put("schema", m.schema());
          doc.put("tables", m.tables());
          doc.put("sources", m.sources());
          log.cdcPosition(m).ifPresent(cdc -> doc.put("cdc", CdcStatus.of(cdc, m)));
          doc.put("pendingSidecars", sidecars);
          doc.put("stopped", stopped.orElse(null));
          doc.put("retrying", retrying.orElse(null));
          out().println(JSON.writeValueAsString(doc));
          return ExitCodes.OK;
        }
        out()
            .printf(
                "graph %s: version %d at %s, writer %s epoch %d%n",
                graph, m.version(), m.time(), m.writer().writerId(), m.writer().epoch());
        out()
            .printf(
                "schema %s, pending sidecars: %d%n",
                m.schema() == null ? "-" : m.schema().hash().substring(0, 12), sidecars);
        if (stopped.isPresent()) {
          StopRecord why = stopped.get();
          out()
              .printf(
                  "STOPPED since %s by writer %s: %s%n  %s%n  what to do: %s%n",
                  why.since(), why.writer(), why.code(), why.message(), why.action());
        }
        retrying.ifPresent(r -> out().printf("RETRYING %s%n", retryProblem(r)));
        out().println();
        TextTable tables = new TextTable("TABLE", "VERSION", "ROWS");
        m.tables().forEach((k, pin) -> tables.row(k, pin.version(), pin.rowCount()));
        tables.print(out());
        if (!m.sources().isEmpty()) {
          out().println();
          TextTable sources = new TextTable("SOURCE", "NEXT OFFSET");
          m.sources().forEach(sources::row);
          sources.print(out());
        }
        log.cdcPosition(m)
            .ifPresent(
                cdc -> {
                  CdcStatus status = CdcStatus.of(cdc, m);
                  out().println();
                  out()
                      .printf(
                          "CDC source %s: LSN %s (%d), transaction %s, committed %s%s%n",
                          status.source(),
                          status.lsnText(),
                          status.lsn(),
                          status.txId(),
                          status.commitTime(),
                          status.snapshotInProgress() ? ", initial snapshot in progress" : "");
                  out()
                      .printf(
                          "behind the source: %d ms when published, %d ms now (since that"
                              + " commit)%n",
                          status.lagAtPublishMs(), status.ageMs());
                });
      }
      return ExitCodes.OK;
    }
  }

  /**
   * The CDC position a version reflects, as {@code graph status} shows it: the source, its LSN
   * (also in PostgreSQL's {@code X/Y} notation, to compare with {@code pg_current_wal_lsn()}), the
   * transaction, its commit time, and how far the graph was behind that commit when the version was
   * published and is now.
   */
  record CdcStatus(
      String source,
      long lsn,
      String lsnText,
      String txId,
      java.time.Instant commitTime,
      boolean snapshotInProgress,
      long lagAtPublishMs,
      long ageMs) {
    static CdcStatus of(io.ingraft.storage.manifest.CdcPosition cdc, Manifest m) {
      java.time.Instant commit = java.time.Instant.ofEpochMilli(cdc.commitTimeMs());
      return new CdcStatus(
          cdc.source(),
          cdc.lsn(),
          Long.toHexString(cdc.lsn() >>> 32).toUpperCase()
              + "/"
              + Long.toHexString(cdc.lsn() & 0xFFFFFFFFL).toUpperCase(),
          cdc.txId(),
          commit,
          cdc.snapshotInProgress(),
          Math.max(0, m.time().toEpochMilli() - cdc.commitTimeMs()),
          Math.max(0, System.currentTimeMillis() - cdc.commitTimeMs()));
    }
  }

  @Command(
      name = "history",
      description = "One line per manifest version, newest last.",
      mixinStandardHelpOptions = true)
  static final class History extends GraphSubcommand {
    @Option(names = "--json", description = "Print JSON lines.")
    boolean json;

    @Option(names = "--limit", paramLabel = "N", description = "Only the last N versions.")
    Integer limit;

    @Override
    public Integer call() throws IOException {
      try (StorageSession s = open()) {
        ManifestLog log = new ManifestLog(s.store, graphId());
        List<Long> versions = log.versions();
        if (limit != null && versions.size() > limit) {
          versions = versions.subList(versions.size() - limit, versions.size());
        }
        TextTable table =
            new TextTable(
                "VERSION", "TIME", "KIND", "EVENTS", "OFFSETS", "WRITER", "EPOCH", "RECOVERY");
        for (long v : versions) {
          Manifest m = log.read(v);
          if (json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("version", v);
            doc.put("time", m.time());
            doc.put("commit", m.commit());
            doc.put("writer", m.writer());
            out().println(JSON.writeValueAsString(doc));
          } else {
            var c = m.commit();
            table.row(
                v,
                m.time(),
                c.kind(),
                c.eventCount(),
                c.firstOffset() == null ? "-" : c.firstOffset() + ".." + c.lastOffset(),
                m.writer().writerId(),
                m.writer().epoch(),
                c.recovery() ? "yes" : "");
          }
        }
        if (!json) {
          table.print(out());
        }
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "export",
      description = "The graph as sorted JSON lines (equal graphs export equal bytes).",
      mixinStandardHelpOptions = true)
  static final class Export extends GraphSubcommand {
    @Mixin VersionOptions at;

    @Option(
        names = {"-o", "--output"},
        paramLabel = "FILE",
        description = "Write to FILE, not stdout.")
    Path output;

    @Override
    public Integer call() throws IOException {
      try (StorageSession s = open()) {
        GraphSnapshot snapshot = s.engine.snapshot(graphId(), at.selector());
        if (output != null) {
          try (Writer w = Files.newBufferedWriter(output, StandardCharsets.UTF_8)) {
            snapshot.export(w);
          }
        } else {
          Writer w = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8));
          snapshot.export(w);
          w.flush();
        }
      }
      return ExitCodes.OK;
    }
  }

  /** An LSN as a number or in PostgreSQL's {@code X/Y} hexadecimal notation. */
  static long parseLsn(String text) {
    int slash = text.indexOf('/');
    if (slash < 0) {
      return Long.parseLong(text.trim());
    }
    return Long.parseLong(text.substring(0, slash).trim(), 16) << 32
        | Long.parseLong(text.substring(slash + 1).trim(), 16);
  }

  @Command(
      name = "verify",
      description =
          "Check the manifest chain: versions, parents, epochs, and "
              + "per source partition offset ranges that never overlap or go back. With brokers"
              + " (--bootstrap-servers, or kafka.bootstrap.servers from any source), also that"
              + " every event of the graph the writer group committed is applied.",
      mixinStandardHelpOptions = true)
  static final class Verify extends GraphSubcommand {
    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    /**
     * With brokers given ({@code --bootstrap-servers}, or {@code kafka.bootstrap.servers} from any
     * source), also check on the canonical log that every event of the graph the writer group
     * committed is applied; every other {@code kafka.*} setting applies as for {@code run}.
     */
    @Mixin KafkaOptions kafka;

    @Option(
        names = "--topic",
        description = "Canonical log topic (default: ingraft.topic.graph-log, ingraft.graph-log).")
    String topic;

    @Option(
        names = "--group",
        description = "Writer group (default: ingraft.writer.group, ingraft-writer).")
    String group;

    @Override
    public Integer call() throws Exception {
      io.ingraft.app.config.ConfigSources sources = storage.sources(kafka.settings());
      io.ingraft.app.config.IngraftConfig config = sources.config();
      boolean checkLog =
          sources.settings().containsKey(io.ingraft.app.config.IngraftConfig.BOOTSTRAP);
      try (StorageSession s = new StorageSession(config.storage())) {
        ManifestLog log = new ManifestLog(s.store, graphId());
        ManifestChainVerifier.Report report = new ManifestChainVerifier(log).verify();
        Optional<StopRecord> stopped = new StopRecords(s.store).read(graphId());
        if (stopped.isPresent()) {
          // A stopped graph is not written until an operator acts: verify says so.
          List<String> problems = new ArrayList<>(report.problems());
          problems.add(
              "stopped since "
                  + stopped.get().since()
                  + ": "
                  + stopped.get().code()
                  + " ("
                  + stopped.get().message()
                  + "); "
                  + stopped.get().action());
          report =
              new ManifestChainVerifier.Report(
                  report.graph(), report.versions(), report.eventsApplied(), false, problems);
        }
        Optional<RetryRecord> retrying = s.engine.retryRecords().read(graphId());
        if (retrying.isPresent()) {
          // Stuck: its writer keeps failing to write it, so it falls behind its log.
          List<String> problems = new ArrayList<>(report.problems());
          problems.add("retrying " + retryProblem(retrying.get()));
          report =
              new ManifestChainVerifier.Report(
                  report.graph(), report.versions(), report.eventsApplied(), false, problems);
        }
        if (checkLog) {
          new io.ingraft.app.connect.BrokerCheck(config).check();
          Map<String, Object> clientProps = new java.util.HashMap<>(config.kafkaClientProps());
          // Bounded like the check: a client call never waits longer than the connect timeout
          // (both or neither: the admin client refuses an API timeout below the request one).
          if (!clientProps.containsKey("default.api.timeout.ms")
              && !clientProps.containsKey("request.timeout.ms")) {
            clientProps.put("default.api.timeout.ms", (int) config.connectTimeout().toMillis());
            clientProps.put("request.timeout.ms", (int) config.connectTimeout().toMillis());
          }
          LogCoverageCheck.Result coverage =
              new LogCoverageCheck(
                      clientProps,
                      topic != null ? topic : config.topics().graphLog(),
                      group != null ? group : config.writer().groupId())
                  .check(graph, log.require());
          List<String> problems = new ArrayList<>(report.problems());
          problems.addAll(coverage.problems());
          report =
              new ManifestChainVerifier.Report(
                  report.graph(),
                  report.versions(),
                  report.eventsApplied(),
                  problems.isEmpty() && report.ok(),
                  problems);
        }
        if (json) {
          out().println(JSON.writeValueAsString(report));
        } else {
          out()
              .printf(
                  "graph %s: %d versions, %d events applied, %s%n",
                  graph,
                  report.versions(),
                  report.eventsApplied(),
                  report.ok() ? "OK" : report.problems().size() + " problems");
          report.problems().forEach(p -> out().println("  " + p));
        }
        return report.ok() ? ExitCodes.OK : ExitCodes.FAILED;
      }
    }
  }

  @Command(
      name = "recover",
      description =
          "Take the graph over (claim its epoch) and run the recovery "
              + "sweep. A running writer that owned the graph is fenced, and claims it back after a grace period.",
      mixinStandardHelpOptions = true)
  static final class Recover extends GraphSubcommand {
    @Override
    public Integer call() {
      try (StorageSession s = open()) {
        List<RecoveryOutcome> outcomes = s.engine.takeOver(graphId());
        StopRecords stops = new StopRecords(s.store);
        Optional<StopRecord> stopped = stops.read(graphId());
        if (stopped.isPresent()) {
          // The sweep went through: the writer that stopped the graph resumes it (it watches
          // for this record to go), or the next takeover does.
          stops.clear(graphId());
          out()
              .printf(
                  "graph %s: was stopped (%s since %s); cleared, the writer resumes it%n",
                  graph, stopped.get().code(), stopped.get().since());
        }
        if (outcomes.isEmpty()) {
          out().printf("graph %s: nothing to recover%n", graph);
        }
        TextTable table = new TextTable("OPERATION", "KIND", "DECISION", "TABLES", "VERSION");
        for (RecoveryOutcome o : outcomes) {
          List<String> moves = new ArrayList<>();
          o.tables().forEach(t -> moves.add(t.table() + " " + t.from() + "->" + t.to()));
          table.row(
              o.operationId(),
              o.kind(),
              o.decision(),
              String.join(", ", moves),
              o.manifestVersion());
        }
        if (!outcomes.isEmpty()) {
          table.print(out());
        }
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "orphans",
      description =
          "List data files no table version references (staged by "
              + "writes that were rolled back or never committed). Read-only: delete them only while no "
              + "writer runs, since a live writer's staged files look the same until it commits.",
      mixinStandardHelpOptions = true)
  static final class Orphans extends GraphSubcommand {
    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public Integer call() throws IOException {
      try (StorageSession s = open()) {
        Manifest m = new ManifestLog(s.store, graphId()).require();
        Map<String, List<String>> orphans = new LinkedHashMap<>();
        for (Map.Entry<String, TablePin> table : m.tables().entrySet()) {
          orphans.put(table.getKey(), s.tables.unreferencedDataFiles(table.getValue().path()));
        }
        if (json) {
          out().println(JSON.writeValueAsString(orphans));
          return ExitCodes.OK;
        }
        TextTable table = new TextTable("TABLE", "UNREFERENCED FILES");
        orphans.forEach((k, files) -> table.row(k, files.size()));
        table.print(out());
        orphans.values().stream().flatMap(List::stream).forEach(f -> out().println("  " + f));
      }
      return ExitCodes.OK;
    }
  }

  static String pins(Map<String, TablePin> tables) {
    List<String> parts = new ArrayList<>();
    tables.forEach((k, v) -> parts.add(k + "@" + v.version()));
    return String.join(" ", parts);
  }
}
