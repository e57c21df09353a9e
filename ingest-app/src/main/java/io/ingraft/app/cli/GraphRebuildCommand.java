package io.ingraft.app.cli;

import io.ingraft.app.LoadBuckets;
import io.ingraft.app.config.IngraftConfig;
import io.ingraft.app.connect.BrokerCheck;
import io.ingraft.app.rebuild.LogReplay;
import io.ingraft.app.rebuild.ReplayProgress;
import io.ingraft.app.rebuild.ReplayResult;
import io.ingraft.app.rebuild.VersionAtPosition;
import io.ingraft.engine.GraphEngine;
import io.ingraft.engine.MaintenancePolicy;
import io.ingraft.engine.read.GraphSnapshot;
import io.ingraft.storage.StorageConfig;
import io.ingraft.storage.manifest.CommitKind;
import io.ingraft.storage.manifest.Manifest;
import io.ingraft.storage.manifest.ManifestLog;
import io.ingraft.storage.object.ObjectStore;
import io.ingraft.storage.table.TableStore;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ingraft graph rebuild}: replays one graph's canonical log into a fresh storage root
 * ({@link LogReplay}), optionally up to an offset, and optionally checks the result against the
 * live graph's version at the same log position, byte for byte. docs/operations.md, "Rebuilding a
 * graph from the log", says where the schema comes from and what the log's retention must be.
 */
@Command(
    name = "rebuild",
    description =
        "Rebuild a graph from the canonical log into a fresh storage root (--storage-root,"
            + " required),"
            + " from the log's first offset to its end or to --to-offset. Reads the log outside"
            + " any consumer group; never touches stage 1, the writer group or the live storage.",
    mixinStandardHelpOptions = true)
final class GraphRebuildCommand extends GraphCommand.GraphSubcommand {
  @Mixin KafkaOptions kafka;

  @Option(
      names = "--topic",
      paramLabel = "TOPIC",
      description = "Canonical log topic (default: ingraft.topic.graph-log, ingraft.graph-log).")
  String topic;

  @Option(
      names = "--to-offset",
      paramLabel = "N",
      description =
          "Stop before the graph's first record at or beyond offset N of its log partition: the"
              + " sealed batches whose events all lie below N are applied (N as a manifest's next"
              + " offset, see graph status). Default: the end of the log.")
  Long toOffset;

  @Option(
      names = "--schema",
      paramLabel = "FILE",
      description =
          "Create the graph with this schema first: for a graph created with graph create, whose"
              + " creation is not in the log.")
  Path schema;

  @Option(
      names = "--from-storage-root",
      paramLabel = "DIR|s3://BUCKET/PREFIX",
      description =
          "A storage root holding the live graph (read only): a graph created with graph create"
              + " is created with the schema of its version 1 first.")
  String fromStorageRoot;

  @Option(
      names = "--compare-with",
      paramLabel = "DIR|s3://BUCKET/PREFIX",
      description =
          "A storage root holding the live graph (read only): after the rebuild, find its version"
              + " at the same log position and compare the two exports byte for byte (exit 1 when"
              + " they differ or no version stands there).")
  String compareWith;

  @Option(
      names = "--resume",
      description =
          "Continue an interrupted rebuild in a root that has the graph already (from the offsets"
              + " it records). Without it, a target root that has the graph is refused.")
  boolean resume;

  @Option(
      names = "--progress-interval",
      paramLabel = "SECONDS",
      defaultValue = "5",
      description = "How often progress is printed on stderr (default ${DEFAULT-VALUE}).")
  int progressInterval;

  @Option(names = "--json", description = "Print the result as JSON.")
  boolean json;

  @Override
  public Integer call() throws IOException {
    PrintWriter err = spec.commandLine().getErr();
    if (storage.storageRoot == null) {
      // Never the default or --config's storage.root: that is usually the live root.
      err.println(
          "ingraft: graph rebuild needs --storage-root NEW, the fresh root to rebuild into"
              + " (storage.root of --config is not used: it is usually the live one)");
      return ExitCodes.USAGE;
    }
    Map<String, String> more = new HashMap<>(kafka.settings());
    if (topic != null) {
      more.put("ingraft.topic.graph-log", topic);
    }
    IngraftConfig config = storage.toConfig(more);
    String target = config.storage().root().toString();
    for (String live : new String[] {fromStorageRoot, compareWith}) {
      if (live != null && rootOf(config, live).root().equals(config.storage().root())) {
        err.println(
            "ingraft: the rebuild's --storage-root "
                + target
                + " is the live root; rebuild into a fresh one");
        return ExitCodes.USAGE;
      }
    }
    ObjectStore store = ObjectStore.open(config.storage());
    try (TableStore tables = new TableStore(store);
        LoadBuckets loads = new LoadBuckets(config)) {
      GraphEngine engine =
          new GraphEngine(
              store,
              tables,
              "rebuild-" + ManagementFactory.getRuntimeMXBean().getName().replace('@', '-'),
              Clock.systemUTC(),
              MaintenancePolicy.DEFAULT,
              loads.sources());
      if (engine.exists(graphId())) {
        if (!resume) {
          err.println(
              "ingraft: graph "
                  + graph
                  + " already exists in "
                  + target
                  + "; rebuild into a fresh storage root, or pass --resume to continue an"
                  + " interrupted rebuild");
          return ExitCodes.FAILED;
        }
      } else {
        Optional<String> source = schemaSource(config);
        if (source.isPresent()) {
          engine.createGraph(graphId(), source.get());
        }
      }
      // Fails fast, naming the broker and the cause, rather than stalling in the replay.
      new BrokerCheck(config).check();
      LogReplay replay =
          new LogReplay(
              config.kafkaClientProps(),
              config.topics().graphLog(),
              engine,
              KafkaConsumer::new,
              new LogReplay.Options(
                  java.time.Duration.ofSeconds(Math.max(1, progressInterval)),
                  LogReplay.Options.defaults().stallTimeout()),
              progress -> printProgress(err, progress));
      ReplayResult result =
          replay.replay(
              graphId(), toOffset == null ? OptionalLong.empty() : OptionalLong.of(toOffset));
      if (!result.graphExists()) {
        err.println(
            "ingraft: the log never creates graph "
                + graph
                + " (no schema event); if it was created with graph create, pass --schema FILE"
                + " or --from-storage-root LIVE_ROOT");
        return ExitCodes.FAILED;
      }
      Comparison comparison =
          compareWith == null ? null : compare(config, engine.snapshot(graphId()), result);
      print(result, comparison, target);
      return comparison == null || comparison.identical() ? ExitCodes.OK : ExitCodes.FAILED;
    } finally {
      store.close();
    }
  }

  /** The schema to create the graph with before the replay, if any. */
  private Optional<String> schemaSource(IngraftConfig config) throws IOException {
    if (schema != null) {
      return Optional.of(Files.readString(schema, StandardCharsets.UTF_8));
    }
    if (fromStorageRoot == null) {
      return Optional.empty();
    }
    try (ObjectStore live = ObjectStore.open(rootOf(config, fromStorageRoot))) {
      Manifest first = new ManifestLog(live, graphId()).read(1);
      // Created by a schema event of the log: the replay creates it the same way.
      if (first.commit().kind() != CommitKind.CREATE || !first.sources().isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(
          new String(live.read(first.schemaRef().orElseThrow().path()), StandardCharsets.UTF_8));
    }
  }

  /** Another storage root with the same S3 settings as the target's. */
  private static StorageConfig rootOf(IngraftConfig config, String root) {
    StorageConfig s = config.storage();
    return new StorageConfig(
        StorageConfig.fromProperties(Map.of(StorageConfig.ROOT, root)).root(),
        s.s3Endpoint(),
        s.s3Region(),
        s.s3PathStyle(),
        s.s3AccessKey(),
        s.s3SecretKey());
  }

  /** The rebuilt graph against the live version at the same log position. */
  record Comparison(
      Long liveVersion, boolean identical, long rebuiltBytes, long liveBytes, String sha256) {}

  private Comparison compare(IngraftConfig config, GraphSnapshot rebuilt, ReplayResult result)
      throws IOException {
    try (ObjectStore live = ObjectStore.open(rootOf(config, compareWith));
        TableStore liveTables = new TableStore(live)) {
      GraphEngine reader = new GraphEngine(live, liveTables, "rebuild-compare", Clock.systemUTC());
      Optional<Manifest> at =
          new VersionAtPosition(new ManifestLog(live, graphId())).find(result.sources());
      Digest mine = digest(rebuilt);
      if (at.isEmpty()) {
        return new Comparison(null, false, mine.bytes(), -1, mine.sha256());
      }
      Digest theirs = digest(reader.snapshotAt(graphId(), at.get().version()));
      return new Comparison(
          at.get().version(), mine.equals(theirs), mine.bytes(), theirs.bytes(), mine.sha256());
    }
  }

  private record Digest(long bytes, String sha256) {}

  /** The export's size and SHA-256, without holding it. */
  private static Digest digest(GraphSnapshot snapshot) throws IOException {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    long[] count = new long[1];
    OutputStream counting =
        new OutputStream() {
          @Override
          public void write(int b) {
            count[0]++;
          }

          @Override
          public void write(byte[] b, int off, int len) {
            count[0] += len;
          }
        };
    try (Writer w =
        new OutputStreamWriter(new DigestOutputStream(counting, sha), StandardCharsets.UTF_8)) {
      snapshot.export(w);
    }
    return new Digest(count[0], HexFormat.of().formatHex(sha.digest()));
  }

  private void printProgress(PrintWriter err, ReplayProgress p) {
    err.printf(
        "rebuild %s: %3d%% (%,d of %,d records), %,d batches, %,d events applied, version %d,"
            + " %d s%n",
        p.graph(),
        p.percent(),
        p.recordsRead(),
        p.recordsTotal(),
        p.batches(),
        p.eventsApplied(),
        p.version(),
        p.elapsedMs() / 1000);
    err.flush();
  }

  private void print(ReplayResult r, Comparison c, String target) throws IOException {
    if (json) {
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("result", r);
      doc.put("storageRoot", target);
      doc.put("comparison", c);
      out().println(GraphCommand.JSON.writeValueAsString(doc));
      return;
    }
    out()
        .printf(
            "graph %s rebuilt in %s: version %d, next offsets %s%n",
            r.graph(), target, r.version(), r.sources());
    out()
        .printf(
            "read %,d records of %s (graph on partition %s) in %.1f s; stopped at %s%n",
            r.recordsRead(),
            r.topic(),
            r.partition() < 0 ? "-" : Integer.toString(r.partition()),
            r.elapsedMs() / 1000.0,
            r.stop() == ReplayResult.Stop.TO_OFFSET
                ? "offset " + r.toOffset()
                : "the end of the log " + r.readTo());
    TextTable table =
        new TextTable("BATCHES", "APPLIED", "REJECTED", "SKIPPED", "BAD RECORDS", "UNSEALED");
    table.row(
        r.batches(),
        r.eventsApplied(),
        r.eventsRejected(),
        r.eventsSkipped(),
        r.badRecords(),
        r.unsealedEvents());
    table.print(out());
    if (c != null) {
      if (c.liveVersion() == null) {
        out()
            .printf(
                "compare: the live graph in %s has no version at this log position%n", compareWith);
      } else {
        out()
            .printf(
                "compare: live version %d at the same log position: %s (%,d bytes, sha256 %s)%n",
                c.liveVersion(),
                c.identical() ? "byte-identical" : "DIFFERENT",
                c.rebuiltBytes(),
                c.sha256());
      }
    }
  }
}
