package io.ingraft.app.cli;

import io.ingraft.app.IngestPipeline;
import io.ingraft.app.config.IngraftConfig;
import io.ingraft.app.http.StatusServer;
import io.ingraft.app.kafka.LocalKafkaBroker;
import io.ingraft.app.writer.WriterStats;
import io.ingraft.engine.read.GraphSnapshot;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.manifest.ManifestLog;
import io.ingraft.storage.object.ObjectStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ingraft demo}: the quick start. Starts a local single-node KRaft broker (a child JVM, no
 * Docker), both pipeline stages, streams a sample social graph with a few bad events, waits until
 * everything is applied, prints a summary and some query results, and stops all it started.
 */
@Command(
    name = "demo",
    description =
        "Start a local broker and the pipeline, stream a sample " + "graph, show the result, stop.",
    mixinStandardHelpOptions = true)
public final class DemoCommand implements AddOnCommand {
  @Option(
      names = "--dir",
      defaultValue = "ingraft-demo",
      description =
          "Working directory for the broker and the graphs; emptied first (default ${DEFAULT-VALUE}).")
  Path dir;

  @Option(
      names = "--people",
      defaultValue = "3000",
      description = "People in the sample graph (default ${DEFAULT-VALUE}).")
  int people;

  @Option(
      names = "--timeout",
      defaultValue = "180",
      paramLabel = "SECONDS",
      description = "Give up after this long (default ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  @Option(
      names = "--http-port",
      defaultValue = "" + IngraftConfig.DEFAULT_HTTP_PORT,
      paramLabel = "PORT",
      description =
          "Port of the status page and /metrics on 127.0.0.1 while"
              + " the demo runs; 0 picks a free one, -1 starts none (default ${DEFAULT-VALUE}).")
  int httpPort;

  @Option(
      names = {"-v", "--verbose"},
      description = "Show the pipeline's own log lines too.")
  boolean verbose;

  @Option(
      names = "--cdc",
      description =
          "Change data capture instead: PostgreSQL -> Debezium ->"
              + " graph versions, live (needs PostgreSQL: apt-get install postgresql; see docs/cdc.md).")
  boolean cdc;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (!verbose) {
      // The demo narrates on its own; the pipeline's INFO lines would interleave with it.
      ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("io.ingraft"))
          .setLevel(ch.qos.logback.classic.Level.WARN);
    }
    if (cdc) {
      return new CdcDemo(dir, Duration.ofSeconds(timeoutSeconds), out).run();
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
    deleteContents(dir);
    Files.createDirectories(dir);
    out.printf(
        "Starting a local Kafka broker (KRaft, child JVM) in %s ...%n", dir.resolve("broker"));
    out.flush();
    try (LocalKafkaBroker broker =
        LocalKafkaBroker.builder(dir.resolve("broker")).partitions(2).start()) {
      out.printf(
          "  broker ready at %s in %.1f s%n",
          broker.bootstrapServers(), broker.startupTime().toMillis() / 1000.0);
      Map<String, String> settings = new HashMap<>();
      settings.put(IngraftConfig.BOOTSTRAP, broker.bootstrapServers());
      settings.put("storage.root", dir.resolve("graphs").toAbsolutePath().toString());
      settings.put("ingraft.topic.partitions", "2");
      settings.put("ingraft.seal.linger-ms", "200");
      settings.put("ingraft.state-dir", dir.resolve("streams-state").toAbsolutePath().toString());
      settings.put("ingraft.writer.id", "demo-writer");
      IngraftConfig config = IngraftConfig.fromMap(settings);
      try (IngestPipeline pipeline = new IngestPipeline(config)) {
        out.println("Starting the pipeline (stage 1: Streams topology, stage 2: graph writer) ...");
        out.flush();
        pipeline.start();
        try (StatusServer http = startHttp(pipeline, out)) {
          int result = demo(out, config, pipeline, deadline);
          if (result != ExitCodes.OK) {
            return result;
          }
        }
      }
    }
    // The launcher says how it was called (./ingraft in the source tree, bin/ingraft unpacked).
    String ingraft = System.getProperty("ingraft.launcher", "ingraft");
    out.println("Stopped the pipeline and the broker. Explore the graph with:");
    out.printf(
        "  %s graph status  --storage-root %s --graph social%n", ingraft, dir.resolve("graphs"));
    out.printf(
        "  %s graph history --storage-root %s --graph social%n", ingraft, dir.resolve("graphs"));
    out.printf(
        "  %s graph export  --storage-root %s --graph social | head%n",
        ingraft, dir.resolve("graphs"));
    out.flush();
    return ExitCodes.OK;
  }

  /** The HTTP endpoint on loopback, or null (not wanted, or the port is taken: not fatal here). */
  private StatusServer startHttp(IngestPipeline pipeline, PrintWriter out) {
    if (httpPort < 0) {
      return null;
    }
    try {
      StatusServer http = StatusServer.start("127.0.0.1", httpPort, pipeline);
      out.printf("  status page %s  (metrics %smetrics)%n", http.uri(), http.uri());
      out.flush();
      return http;
    } catch (IOException e) {
      out.printf(
          "  no status page: cannot listen on port %d (%s); try --http-port 0%n",
          httpPort, e.getMessage());
      return null;
    }
  }

  private int demo(PrintWriter out, IngraftConfig config, IngestPipeline pipeline, long deadline)
      throws Exception {
    DemoStream stream = new DemoStream(people);
    List<DemoStream.Record> records = stream.build();
    int toWriter = records.size() - stream.undecodable();
    long t0 = System.nanoTime();
    produce(config, records, out);
    Progress progress = new Progress(out, "applying", toWriter);
    WriterStats stats = pipeline.stats();
    while (stats.eventsApplied() + stats.eventsRejected() < toWriter) {
      if (System.nanoTime() > deadline || !pipeline.isRunning()) {
        out.printf(
            "%nThe demo did not finish (pipeline running: %s); see the logs above.%n",
            pipeline.isRunning());
        return ExitCodes.FAILED;
      }
      progress.show(stats.eventsApplied() + stats.eventsRejected());
      Thread.sleep(200); // progress display cadence, not synchronisation
      stats = pipeline.stats();
    }
    progress.show(toWriter);
    progress.done();
    double seconds = (System.nanoTime() - t0) / 1e9;
    long deadLetters = countDeadLetters(config, stream.badEvents(), deadline);
    summary(out, config, pipeline, stats, records.size(), seconds, deadLetters);
    return ExitCodes.OK;
  }

  private void produce(IngraftConfig config, List<DemoStream.Record> records, PrintWriter out) {
    Map<String, Object> props = new HashMap<>(config.kafkaClientProps());
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.LINGER_MS_CONFIG, 10);
    Progress progress = new Progress(out, "producing", records.size());
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      int sent = 0;
      for (DemoStream.Record record : records) {
        producer.send(
            new ProducerRecord<>(
                config.topics().mutations(),
                record.key() == null
                    ? null
                    : record.key().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                record.value()));
        progress.show(++sent);
      }
      producer.flush();
    }
    progress.done();
  }

  private static long countDeadLetters(IngraftConfig config, int expected, long deadline) {
    Map<String, Object> props = new HashMap<>(config.kafkaClientProps());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      var partitions =
          consumer.partitionsFor(config.topics().dlq()).stream()
              .map(p -> new org.apache.kafka.common.TopicPartition(p.topic(), p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long count = 0;
      while (count < expected && System.nanoTime() < deadline) {
        count += consumer.poll(Duration.ofMillis(200)).count();
      }
      return count;
    }
  }

  private static void summary(
      PrintWriter out,
      IngraftConfig config,
      IngestPipeline pipeline,
      WriterStats stats,
      int produced,
      double seconds,
      long deadLetters)
      throws IOException {
    GraphId graph = GraphId.of(DemoStream.GRAPH);
    GraphSnapshot s = pipeline.engine().snapshot(graph);
    int versions;
    try (ObjectStore store = ObjectStore.open(config.storage())) {
      versions = new ManifestLog(store, graph).versions().size();
    }
    out.println();
    out.println("Summary");
    new TextTable("", "")
        .row("records produced", produced)
        .row("events applied", stats.eventsApplied())
        .row("events rejected", stats.eventsRejected())
        .row("dead letters (stage 1 + writer)", deadLetters)
        .row("batches", stats.batches())
        .row("manifest versions of 'social'", versions)
        .row("first record sent to last event applied", String.format("%.1f s", seconds))
        .row(
            "events per second (incl. consumer group start-up)",
            String.format("%,.0f", stats.eventsApplied() / seconds))
        .print(out);
    out.println();
    out.println("Graph 'social' at version " + s.version());
    new TextTable("TYPE", "ROWS")
        .row("Person", s.count("Person"))
        .row("Company", s.count("Company"))
        .row("Knows", s.count("Knows"))
        .row("WorksAt", s.count("WorksAt"))
        .print(out);
    out.println();
    String who = DemoStream.person(0);
    out.println("Who does " + who + " know?");
    TextTable friends = new TextTable("NAME", "AGE", "CITY");
    s.neighbours("Knows", who, GraphSnapshot.Direction.OUT).stream()
        .limit(5)
        .forEach(p -> friends.row(p.get("name"), p.get("age"), p.get("city")));
    friends.print(out);
    out.println();
    String employer = DemoStream.company(0);
    List<Map<String, Object>> staff = s.neighbours("WorksAt", employer, GraphSnapshot.Direction.IN);
    out.printf("%s employs %d people; the oldest three:%n", employer, staff.size());
    TextTable oldest = new TextTable("NAME", "AGE", "CITY");
    staff.stream()
        .sorted(Comparator.comparing(p -> -((Number) p.getOrDefault("age", 0)).intValue()))
        .limit(3)
        .forEach(p -> oldest.row(p.get("name"), p.get("age"), p.get("city")));
    oldest.print(out);
    out.println();
  }

  private static void deleteContents(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths
          .sorted(Comparator.reverseOrder())
          .filter(p -> !p.equals(dir))
          .forEach(p -> p.toFile().delete());
    }
  }

  /** A one-line progress bar on a terminal; a line every few seconds otherwise (logs, CI). */
  private static final class Progress {
    private final PrintWriter out;
    private final String label;
    private final long total;
    private final boolean terminal = System.console() != null;
    private long lastPrint;

    Progress(PrintWriter out, String label, long total) {
      this.out = out;
      this.label = label;
      this.total = total;
    }

    void show(long done) {
      long now = System.nanoTime();
      if (now - lastPrint < (terminal ? 100_000_000L : 2_000_000_000L) && done < total) {
        return;
      }
      lastPrint = now;
      int width = 30;
      int filled = (int) (width * Math.min(done, total) / Math.max(1, total));
      String bar = "#".repeat(filled) + ".".repeat(width - filled);
      if (terminal) {
        out.printf(
            "\r  %-10s [%s] %3d%% %,d/%,d",
            label, bar, 100 * done / Math.max(1, total), done, total);
      } else {
        out.printf(
            "  %-10s [%s] %3d%% %,d/%,d%n",
            label, bar, 100 * done / Math.max(1, total), done, total);
      }
      out.flush();
    }

    void done() {
      if (terminal) {
        out.println();
      }
      out.flush();
    }
  }
}
