package io.ingraft.it.bench;

import io.ingraft.app.kafka.LocalKafkaBroker;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.manifest.Manifest;
import io.ingraft.storage.manifest.ManifestLog;
import io.ingraft.storage.object.LocalObjectStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * How long the survivors take to continue a crashed instance's graphs. Starts a local broker, two
 * {@code bin/ingraft run} instances of the unpacked distribution with one configuration (a local
 * storage root), a steady stream of events to several graphs, then kills the instance that owns
 * some of them with SIGKILL and prints, per graph it owned, the time from the kill to the first
 * version the survivor published. Arguments: {@code key=value} settings added to the instances'
 * configuration, e.g. {@code kafka.session.timeout.ms=10000}.
 *
 * <p>Run: {@code mvn -B -DskipTests package}, then {@code mvn -B -pl it exec:exec@takeover-bench
 * -Dbench.args="kafka.session.timeout.ms=10000"}.
 */
public final class TakeoverBenchmark {
  private static final int GRAPHS = 8;
  private static final long EVENT_INTERVAL_MS = 50;

  private TakeoverBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path home =
        Path.of(System.getProperty("ingraft.dist", "../ingest-app/dist/target/ingraft"))
            .toAbsolutePath()
            .normalize();
    Path work =
        Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "takeover-");
    Map<String, String> extra = new LinkedHashMap<>();
    for (String arg : args) {
      for (String setting : arg.trim().split("\\s+")) {
        if (setting.contains("=")) {
          extra.put(
              setting.substring(0, setting.indexOf('=')),
              setting.substring(setting.indexOf('=') + 1));
        }
      }
    }
    try (LocalKafkaBroker broker =
        LocalKafkaBroker.builder(work.resolve("broker")).partitions(4).start()) {
      Map<String, String> settings = new LinkedHashMap<>();
      settings.put("kafka.bootstrap.servers", broker.bootstrapServers());
      settings.put("storage.root", work.resolve("graphs").toString());
      settings.put("ingraft.topic.partitions", "4");
      settings.put("ingraft.seal.linger-ms", "100");
      settings.put("ingraft.http.port", "0");
      settings.putAll(extra);
      Path config = work.resolve("ingraft.properties");
      StringBuilder text = new StringBuilder();
      settings.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
      Files.writeString(config, text.toString(), StandardCharsets.UTF_8);

      List<Process> instances = new ArrayList<>();
      List<Path> logs = new ArrayList<>();
      AtomicBoolean producing = new AtomicBoolean(true);
      Thread producer = new Thread(() -> produce(broker.bootstrapServers(), producing), "events");
      try {
        for (int i = 0; i < 2; i++) {
          Path log = work.resolve("instance-" + i + ".log");
          logs.add(log);
          ProcessBuilder builder =
              new ProcessBuilder(
                      home.resolve("bin/ingraft").toString(), "run", "--config", config.toString())
                  .redirectErrorStream(true)
                  .redirectOutput(log.toFile());
          // Lance's native library goes under target/, not /tmp.
          builder.environment().put("INGRAFT_TMPDIR", work.resolve("tmp").toString());
          instances.add(builder.start());
        }
        for (Path log : logs) {
          await(() -> read(log).contains("pipeline started"), 180, "an instance to start");
        }
        producer.start();
        String victim = "writer-" + instances.get(1).pid() + "-";
        Map<String, Long> owned = new HashMap<>();
        try (LocalObjectStore store = new LocalObjectStore(work.resolve("graphs"))) {
          await(
              () -> {
                owned.clear();
                int published = 0;
                for (int g = 0; g < GRAPHS; g++) {
                  Optional<Manifest> latest = latest(store, g);
                  if (latest.isPresent()) {
                    published++;
                    if (latest.get().writer().writerId().startsWith(victim)) {
                      owned.put(graph(g), latest.get().version());
                    }
                  }
                }
                return published == GRAPHS && !owned.isEmpty();
              },
              180,
              "every graph published, some by the second instance");
          System.out.printf(
              "second instance owns %d of %d graphs; killing it (SIGKILL)%n", owned.size(), GRAPHS);
          long killed = System.nanoTime();
          instances.get(1).destroyForcibly();
          Map<String, Double> takenOver = new LinkedHashMap<>();
          await(
              () -> {
                for (Map.Entry<String, Long> e : owned.entrySet()) {
                  if (takenOver.containsKey(e.getKey())) {
                    continue;
                  }
                  Optional<Manifest> latest =
                      new ManifestLog(store, GraphId.of(e.getKey())).latest();
                  if (latest.isPresent()
                      && latest.get().version() > e.getValue()
                      && !latest.get().writer().writerId().startsWith(victim)) {
                    takenOver.put(e.getKey(), (System.nanoTime() - killed) / 1e9);
                  }
                }
                return takenOver.size() == owned.size();
              },
              600,
              "the survivor to publish every graph of the killed instance");
          System.out.println("settings: " + (extra.isEmpty() ? "defaults" : extra));
          takenOver.forEach(
              (g, s) ->
                  System.out.printf(
                      "  %-4s first version by the survivor %.1f s after the kill%n", g, s));
          System.out.printf(
              "takeover (last graph): %.1f s%n",
              takenOver.values().stream().mapToDouble(Double::doubleValue).max().orElse(0));
        }
      } finally {
        producing.set(false);
        producer.join(10_000);
        for (Process p : instances) {
          p.destroy();
          if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
          }
        }
      }
    }
  }

  private static Optional<Manifest> latest(LocalObjectStore store, int g) {
    try {
      return new ManifestLog(store, GraphId.of(graph(g))).latest();
    } catch (RuntimeException e) {
      return Optional.empty(); // not created yet
    }
  }

  private static String graph(int g) {
    return "g" + g;
  }

  private static void produce(String bootstrap, AtomicBoolean producing) {
    Map<String, Object> props = new HashMap<>();
    props.put("bootstrap.servers", bootstrap);
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (int g = 0; g < GRAPHS; g++) {
        send(
            producer,
            graph(g),
            "{\"graph\":\""
                + graph(g)
                + "\",\"eventId\":\"schema\",\"schema\":"
                + "{\"source\":\"node N {\\n  id: String @key\\n}\\n\"}}");
      }
      for (long i = 0; producing.get(); i++) {
        for (int g = 0; g < GRAPHS; g++) {
          send(
              producer,
              graph(g),
              "{\"graph\":\""
                  + graph(g)
                  + "\",\"eventId\":\"e"
                  + i
                  + "\",\"timestamp\":"
                  + System.currentTimeMillis()
                  + ",\"mutation\":{\"ops\":[{\"op\":"
                  + "\"upsertNode\",\"type\":\"N\",\"props\":{\"id\":\"n"
                  + (i % 1000)
                  + "\"}}]}}");
        }
        Thread.sleep(EVENT_INTERVAL_MS); // the event rate, not synchronisation
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void send(KafkaProducer<byte[], byte[]> producer, String graph, String json) {
    producer.send(
        new ProducerRecord<>(
            "ingraft.mutations",
            graph.getBytes(StandardCharsets.UTF_8),
            json.getBytes(StandardCharsets.UTF_8)));
  }

  private interface Condition {
    boolean holds() throws Exception;
  }

  private static void await(Condition condition, int seconds, String what) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!condition.holds()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out waiting for " + what);
      }
      Thread.sleep(100);
    }
  }

  private static String read(Path log) {
    try {
      return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "";
    }
  }
}
