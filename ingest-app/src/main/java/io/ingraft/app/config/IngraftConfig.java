package io.ingraft.app.config;

import io.ingraft.engine.load.LoadLimits;
import io.ingraft.engine.load.LoadRoot;
import io.ingraft.engine.retention.RetentionPolicy;
import io.ingraft.engine.retention.RetentionSchedule;
import io.ingraft.events.RegistryCredentials;
import io.ingraft.events.RegistryTls;
import io.ingraft.events.RestSchemaRegistry;
import io.ingraft.storage.InvalidConfigException;
import io.ingraft.storage.StorageConfig;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything the pipeline is configured with, built once from properties and validated at start-up:
 * an error names the key. Kafka client settings (SASL, SSL, timeouts) pass through unchanged from
 * every key prefixed {@code kafka.}, e.g. {@code kafka.security.protocol=SASL_SSL}.
 *
 * <p>Keys and defaults are listed in {@code docs/operations.md}.
 */
public record IngraftConfig(
    String bootstrapServers,
    StorageConfig storage,
    Topics topics,
    Sealing sealing,
    StageOne stageOne,
    Writer writer,
    String applicationId,
    Path stateDir,
    Registry registry,
    Monitoring monitoring,
    Map<String, String> kafka,
    Loads loads,
    Duration connectTimeout) {

  /**
   * The schema registry for Confluent-framed input ({@code ingraft.schema-registry.*}): its URL
   * (null: none), the bound on connecting and on each request, how to authenticate and the TLS
   * stores (null: the JVM's default trust, no client certificate).
   */
  public record Registry(
      String url, Duration timeout, RegistryCredentials credentials, RegistryTls tls) {
    /** A client for this registry, or null when no URL is set. */
    public RestSchemaRegistry client() {
      return url == null
          ? null
          : new RestSchemaRegistry(URI.create(url), timeout, credentials, tls);
    }
  }

  /** The registry's URL, or null when none is set. */
  public String schemaRegistryUrl() {
    return registry.url();
  }

  /**
   * Where file loads may come from and what one may cost ({@code ingraft.load.*}): no roots means
   * file loads are off. docs/operations.md, "File loads", has the rules.
   */
  public record Loads(List<LoadRoot> roots, LoadLimits limits) {
    public Loads {
      roots = List.copyOf(roots);
    }
  }

  /** Comma-separated load roots: local directories and {@code s3://bucket/prefix}. */
  public static final String LOAD_ROOTS = "ingraft.load.roots";

  /**
   * Topic names and how they are created when missing. {@code graphLogRetentionMs} is {@value
   * #LOG_RETENTION_MS}: null when not set (the graph log is created to keep everything, and an
   * existing one is left as it is), otherwise applied to the graph log, -1 meaning forever.
   */
  public record Topics(
      String mutations,
      String loads,
      String graphLog,
      String dlq,
      String commits,
      int partitions,
      short replication,
      Long graphLogRetentionMs) {}

  /** How often the writer removes old history of each graph it writes; 0 (the default): never. */
  public static final String RETENTION_INTERVAL = "ingraft.writer.retention.interval-ms";

  /** How long back the writer's retention keeps versions; 0: by count only. */
  public static final String RETENTION_KEEP_FOR = "ingraft.writer.retention.keep-for-ms";

  /** {@code retention.ms} of the graph log topic (docs/operations.md, "Housekeeping"). */
  public static final String LOG_RETENTION_MS = "ingraft.log.retention.ms";

  /** When stage 1 closes a graph's batch. */
  public record Sealing(int maxEvents, long maxBytes, Duration linger) {}

  /**
   * How stage 1 brings a graph's events together. {@code keyedByGraph} ({@code
   * ingraft.topology.keyed-by-graph}, default false): producers key every record by its graph id
   * and use Kafka's default partitioner, and both source topics have {@link Topics#partitions()}
   * partitions, so stage 1 can skip its repartition by graph and dead-letters the records that
   * break the promise (docs/architecture.md, "Stage 1"). {@code cdcMapping} ({@code
   * ingraft.cdc.mapping}, default none): a CDC mapping file; stage 1 then also reads the Debezium
   * change topics it names (docs/cdc.md). {@code cdcSinglePartition} ({@code
   * ingraft.cdc.single-partition}, default false): every change topic has one partition, so stage 1
   * can skip the {@code cdc-by-source} repartition (docs/cdc.md, "Single-partition change topics").
   */
  public record StageOne(boolean keyedByGraph, Path cdcMapping, boolean cdcSinglePartition) {
    public StageOne(boolean keyedByGraph) {
      this(keyedByGraph, null);
    }

    public StageOne(boolean keyedByGraph, Path cdcMapping) {
      this(keyedByGraph, cdcMapping, false);
    }
  }

  /**
   * The graph writer (stage 2). {@code maxBatchEvents} caps how many events of a graph's queued
   * sealed batches one apply may take together when the writer is behind; {@code retention} is the
   * history it removes by itself from the graphs it writes ({@code ingraft.writer.retention.*}, off
   * unless {@code ingraft.writer.retention.interval-ms} is set).
   */
  public record Writer(
      String id,
      String groupId,
      int threads,
      int maxBufferedEvents,
      int maxBatchEvents,
      boolean compactionInBackground,
      WriterTiming timing,
      RetentionSchedule retention) {}

  /**
   * The graph writer's timing ({@code ingraft.writer.*-ms}): how long a poll blocks, how often
   * published progress is committed, the first and the largest retry delay of a failed batch, how
   * long a revocation or close waits for running batches, how long a worker waits for a dead letter
   * or commit notice to be acknowledged, and how long a partition with a fenced graph waits for the
   * rebalance that should take it away (keep it above the group's session timeout).
   */
  public record WriterTiming(
      Duration pollTimeout,
      Duration commitInterval,
      Duration retryBackoff,
      Duration maxRetryBackoff,
      Duration drainTimeout,
      Duration sendTimeout,
      Duration fenceGrace) {
    /**
     * 100 ms polls, 500 ms commits, retries from 200 ms to 30 s, 30 s drains, 60 s sends and fence
     * grace (the classic protocol's default session timeout is 45 s).
     */
    public static final WriterTiming DEFAULT =
        new WriterTiming(
            Duration.ofMillis(100),
            Duration.ofMillis(500),
            Duration.ofMillis(200),
            Duration.ofSeconds(30),
            Duration.ofSeconds(30),
            Duration.ofSeconds(60),
            Duration.ofSeconds(60));
  }

  /**
   * How the process can be watched: the HTTP endpoint ({@code /metrics}, health, status) that
   * {@code ingraft run} and {@code ingraft demo} start on {@code httpHost:httpPort} (port 0: a free
   * one; -1: none), and how often both stages' lag is measured from the broker.
   */
  public record Monitoring(String httpHost, int httpPort, Duration lagInterval) {
    /** Whether an HTTP endpoint is wanted. */
    public boolean httpEnabled() {
      return httpPort >= 0;
    }
  }

  public static final String BOOTSTRAP = "kafka.bootstrap.servers";

  /** The HTTP endpoint's port: 0 picks a free one, -1 starts none. */
  public static final String HTTP_PORT = "ingraft.http.port";

  /** The default {@link #HTTP_PORT}. */
  public static final int DEFAULT_HTTP_PORT = 8080;

  /** Stage 1 without its repartition: see {@link StageOne#keyedByGraph()}. */
  public static final String KEYED_BY_GRAPH = "ingraft.topology.keyed-by-graph";

  /** A CDC mapping file: see {@link StageOne#cdcMapping()}. */
  public static final String CDC_MAPPING = "ingraft.cdc.mapping";

  /** CDC without its repartition: see {@link StageOne#cdcSinglePartition()}. */
  public static final String CDC_SINGLE_PARTITION = "ingraft.cdc.single-partition";

  /**
   * Reads a properties file with {@code overrides} on top (no environment: {@link ConfigSources} is
   * the commands' path).
   */
  public static IngraftConfig load(Path file, Map<String, String> overrides) {
    Map<String, String> all = new HashMap<>(ConfigSources.readFile(file));
    all.putAll(overrides);
    return fromMap(all);
  }

  /**
   * Builds and validates a config from key/value settings (see the class doc): every key must be
   * known ({@link KnownSettings#check}), and config-provider references are resolved first ({@code
   * ${file:...}}, {@code ${env:...}}).
   */
  public static IngraftConfig fromMap(Map<String, String> given) {
    KnownSettings.check(given.keySet());
    Map<String, String> settings = ConfigProviders.resolve(given);
    Settings s = new Settings(settings);
    String bootstrap = s.text(BOOTSTRAP, "localhost:9092");
    StorageConfig storage;
    try {
      Map<String, String> storageProps = new HashMap<>(settings);
      storageProps.putIfAbsent(StorageConfig.ROOT, "ingraft-data");
      storage = StorageConfig.fromProperties(storageProps);
    } catch (InvalidConfigException e) {
      throw new InvalidSettingException(e.key(), e.value(), e.getMessage());
    }
    Topics topics =
        new Topics(
            s.text("ingraft.topic.mutations", "ingraft.mutations"),
            s.text("ingraft.topic.loads", "ingraft.loads"),
            s.text("ingraft.topic.graph-log", "ingraft.graph-log"),
            s.text("ingraft.topic.dlq", "ingraft.dlq"),
            s.text("ingraft.topic.commits", "ingraft.commits"),
            s.integer("ingraft.topic.partitions", 4, 1, 10_000),
            (short) s.integer("ingraft.topic.replication", 1, 1, 32),
            logRetention(s));
    Sealing sealing =
        new Sealing(
            s.integer("ingraft.seal.max-events", 20_000, 1, 10_000_000),
            s.integer("ingraft.seal.max-bytes", 16 << 20, 1024, Integer.MAX_VALUE),
            Duration.ofMillis(s.integer("ingraft.seal.linger-ms", 250, 1, 3_600_000)));
    String cdcMapping = s.text(CDC_MAPPING, null);
    StageOne stageOne =
        new StageOne(
            s.bool(KEYED_BY_GRAPH, false),
            cdcMapping == null ? null : Path.of(cdcMapping),
            s.bool(CDC_SINGLE_PARTITION, false));
    Writer writer =
        new Writer(
            s.text("ingraft.writer.id", defaultWriterId()),
            s.text("ingraft.writer.group", "ingraft-writer"),
            s.integer("ingraft.writer.threads", defaultWriterThreads(), 1, 256),
            s.integer("ingraft.writer.max-buffered-events", 500_000, 1000, Integer.MAX_VALUE),
            s.integer("ingraft.writer.max-batch-events", 100_000, 1, 10_000_000),
            s.bool("ingraft.writer.compaction-in-background", true),
            writerTiming(s),
            retention(s));
    Map<String, String> kafka = new TreeMap<>();
    settings.forEach(
        (k, v) -> {
          if (k.startsWith("kafka.") && !k.equals(BOOTSTRAP)) {
            kafka.put(k.substring("kafka.".length()), v);
          }
        });
    Monitoring monitoring =
        new Monitoring(
            s.text("ingraft.http.host", "0.0.0.0"),
            s.integer(HTTP_PORT, DEFAULT_HTTP_PORT, -1, 65_535),
            s.millis("ingraft.metrics.lag-interval-ms", Duration.ofSeconds(1), 100, 3_600_000));
    return new IngraftConfig(
        bootstrap,
        storage,
        topics,
        sealing,
        stageOne,
        writer,
        s.text("ingraft.application-id", "ingraft-ingest"),
        Path.of(s.text("ingraft.state-dir", defaultStateDir())),
        registry(s),
        monitoring,
        kafka,
        loads(s, storage),
        s.millis(KnownSettings.CONNECT_TIMEOUT, Duration.ofSeconds(30), 100, 3_600_000));
  }

  /**
   * {@code ingraft.writer.retention.*}: off while the interval is 0 (the default); otherwise what
   * {@code ingraft graph gc} keeps by default unless set: the last 10 versions and those of the
   * last 7 days, staged files removed after 24 h. A rule set to 0 is not applied; both cannot be.
   */
  private static RetentionSchedule retention(Settings s) {
    long every = s.longInteger(RETENTION_INTERVAL, 0, 0, Duration.ofDays(365).toMillis());
    int keepLast =
        s.integer(
            "ingraft.writer.retention.keep-last",
            RetentionPolicy.DEFAULT_KEEP_LAST,
            0,
            Integer.MAX_VALUE);
    long keepFor =
        s.longInteger(
            RETENTION_KEEP_FOR,
            RetentionPolicy.DEFAULT_KEEP_FOR.toMillis(),
            0,
            Duration.ofDays(36_500).toMillis());
    long orphanAge =
        s.longInteger(
            "ingraft.writer.retention.orphan-min-age-ms",
            RetentionPolicy.DEFAULT_ORPHAN_MIN_AGE.toMillis(),
            RetentionSchedule.MIN_ORPHAN_AGE.toMillis(),
            Duration.ofDays(36_500).toMillis());
    if (keepLast == 0 && keepFor == 0) {
      throw new InvalidSettingException(
          RETENTION_KEEP_FOR,
          "0",
          "and ingraft.writer.retention.keep-last are both 0: nothing would keep any history"
              + " but the latest version; set one of them");
    }
    if (every == 0) {
      return RetentionSchedule.OFF;
    }
    return RetentionSchedule.every(
        Duration.ofMillis(every),
        new RetentionPolicy(
            keepLast == 0 ? null : keepLast,
            keepFor == 0 ? null : Duration.ofMillis(keepFor),
            Duration.ofMillis(orphanAge)));
  }

  private static Registry registry(Settings s) {
    String url = s.text(KnownSettings.REGISTRY_URL, null);
    if (url != null) {
      try {
        URI uri = URI.create(url);
        if (uri.getScheme() == null || uri.getHost() == null) {
          throw new IllegalArgumentException("needs http(s)://host");
        }
      } catch (IllegalArgumentException e) {
        throw new InvalidSettingException(
            KnownSettings.REGISTRY_URL, url, "is not an http(s) URL: " + e.getMessage());
      }
    }
    Duration timeout =
        s.millis(KnownSettings.REGISTRY_TIMEOUT, Duration.ofSeconds(10), 100, 600_000);
    String user = s.text(KnownSettings.REGISTRY_USER, null);
    String password = s.text(KnownSettings.REGISTRY_PASSWORD, null);
    String token = s.text(KnownSettings.REGISTRY_TOKEN, null);
    RegistryCredentials credentials;
    if (token != null) {
      if (user != null || password != null) {
        throw new InvalidSettingException(
            KnownSettings.REGISTRY_TOKEN,
            null,
            "setting "
                + KnownSettings.REGISTRY_TOKEN
                + ": use either a bearer token or basic credentials, not both");
      }
      credentials = new RegistryCredentials.Bearer(token);
    } else if (user != null || password != null) {
      if (user == null || password == null) {
        throw new InvalidSettingException(
            user == null ? KnownSettings.REGISTRY_USER : KnownSettings.REGISTRY_PASSWORD,
            null,
            "setting "
                + KnownSettings.REGISTRY_USER
                + " and "
                + KnownSettings.REGISTRY_PASSWORD
                + " go together");
      }
      credentials = new RegistryCredentials.Basic(user, password);
    } else {
      credentials = RegistryCredentials.NONE;
    }
    String truststore = s.text(KnownSettings.REGISTRY_TRUSTSTORE, null);
    String keystore = s.text(KnownSettings.REGISTRY_KEYSTORE, null);
    RegistryTls tls =
        truststore == null && keystore == null
            ? null
            : new RegistryTls(
                truststore == null ? null : Path.of(truststore),
                s.text(KnownSettings.REGISTRY_TRUSTSTORE_TYPE, "PKCS12"),
                s.text(KnownSettings.REGISTRY_TRUSTSTORE_PASSWORD, null),
                keystore == null ? null : Path.of(keystore),
                s.text(KnownSettings.REGISTRY_KEYSTORE_TYPE, "PKCS12"),
                s.text(KnownSettings.REGISTRY_KEYSTORE_PASSWORD, null),
                s.text(KnownSettings.REGISTRY_KEY_PASSWORD, null));
    return new Registry(url, timeout, credentials, tls);
  }

  private static Loads loads(Settings s, StorageConfig storage) {
    LoadLimits d = LoadLimits.DEFAULT;
    LoadLimits limits =
        new LoadLimits(
            s.longInteger("ingraft.load.max-bytes", d.maxBytes(), 1, Long.MAX_VALUE),
            s.longInteger("ingraft.load.max-rows", d.maxRows(), 1, Long.MAX_VALUE),
            s.millis("ingraft.load.timeout-ms", d.timeout(), 1, 3_600_000));
    List<LoadRoot> roots = new ArrayList<>();
    String text = s.values().get(LOAD_ROOTS);
    if (text != null && !text.isBlank()) {
      for (String item : text.split(",")) {
        if (item.isBlank()) {
          continue;
        }
        LoadRoot root;
        try {
          root = LoadRoot.parse(item);
        } catch (IllegalArgumentException e) {
          throw new InvalidSettingException(LOAD_ROOTS, item.trim(), e.getMessage());
        }
        checkApartFromStorage(root, item.trim(), storage);
        roots.add(root);
      }
    }
    return new Loads(roots, limits);
  }

  /**
   * A load root may neither hold the storage root nor lie inside it: the graphs' own files
   * (manifests, tables, every tenant's data) are never a load source.
   */
  private static void checkApartFromStorage(LoadRoot root, String text, StorageConfig storage) {
    boolean overlaps;
    if (root instanceof LoadRoot.Directory dir && !storage.isS3()) {
      Path loads =
          Path.of(
              dir.template()
                  .substring(
                      0,
                      dir.template().contains(LoadRoot.GRAPH)
                          ? dir.template().indexOf(LoadRoot.GRAPH)
                          : dir.template().length()));
      Path data = storage.localRoot().toAbsolutePath().normalize();
      overlaps = loads.startsWith(data) || data.startsWith(loads);
    } else if (root instanceof LoadRoot.Bucket bucket && storage.isS3()) {
      String prefix =
          bucket.prefixTemplate().contains(LoadRoot.GRAPH)
              ? bucket
                  .prefixTemplate()
                  .substring(0, bucket.prefixTemplate().indexOf(LoadRoot.GRAPH))
              : bucket.prefixTemplate();
      String loads = prefix.endsWith("/") || prefix.isEmpty() ? prefix : prefix + "/";
      String data = storage.s3Prefix().isEmpty() ? "" : storage.s3Prefix() + "/";
      overlaps =
          bucket.bucket().equals(storage.s3Bucket())
              && (loads.startsWith(data) || data.startsWith(loads));
    } else {
      overlaps = false;
    }
    if (overlaps) {
      throw new InvalidSettingException(
          LOAD_ROOTS,
          text,
          "overlaps the storage root " + storage.root() + "; load files live apart from graphs");
    }
  }

  private static WriterTiming writerTiming(Settings s) {
    WriterTiming d = WriterTiming.DEFAULT;
    WriterTiming timing =
        new WriterTiming(
            s.millis("ingraft.writer.poll-timeout-ms", d.pollTimeout(), 1, 60_000),
            s.millis("ingraft.writer.commit-interval-ms", d.commitInterval(), 1, 3_600_000),
            s.millis("ingraft.writer.retry-backoff-ms", d.retryBackoff(), 1, 3_600_000),
            s.millis("ingraft.writer.max-retry-backoff-ms", d.maxRetryBackoff(), 1, 3_600_000),
            s.millis("ingraft.writer.drain-timeout-ms", d.drainTimeout(), 1, 3_600_000),
            s.millis("ingraft.writer.send-timeout-ms", d.sendTimeout(), 1, 3_600_000),
            s.millis("ingraft.writer.fence-grace-ms", d.fenceGrace(), 1, 86_400_000));
    if (timing.maxRetryBackoff().compareTo(timing.retryBackoff()) < 0) {
      throw new InvalidSettingException(
          "ingraft.writer.max-retry-backoff-ms",
          Long.toString(timing.maxRetryBackoff().toMillis()),
          "must not be below ingraft.writer.retry-backoff-ms ("
              + timing.retryBackoff().toMillis()
              + ")");
    }
    return timing;
  }

  /**
   * Shown in logs and errors: the values of secrets ({@link KnownSettings#isSecret}, such as {@code
   * kafka.sasl.jaas.config}) are hidden; the storage and registry records hide theirs.
   */
  @Override
  public String toString() {
    Map<String, String> shownKafka = new TreeMap<>();
    kafka.forEach(
        (k, v) ->
            shownKafka.put(
                k, KnownSettings.isSecret(KnownSettings.KAFKA_PREFIX + k) ? "[hidden]" : v));
    return "IngraftConfig[bootstrapServers="
        + bootstrapServers
        + ", storage="
        + storage
        + ", topics="
        + topics
        + ", sealing="
        + sealing
        + ", stageOne="
        + stageOne
        + ", writer="
        + writer
        + ", applicationId="
        + applicationId
        + ", stateDir="
        + stateDir
        + ", registry="
        + registry
        + ", monitoring="
        + monitoring
        + ", kafka="
        + shownKafka
        + ", loads="
        + loads
        + ", connectTimeout="
        + connectTimeout
        + "]";
  }

  /** The Kafka client settings every client gets: bootstrap servers plus the passthrough. */
  public Map<String, Object> kafkaClientProps() {
    Map<String, Object> props = new HashMap<>(kafka);
    props.put("bootstrap.servers", bootstrapServers);
    return props;
  }

  /**
   * Beside Kafka Streams' own default ({@code <java.io.tmpdir>/kafka-streams}), never inside the
   * storage root, which instances share; each running pipeline takes a slot of its own below it
   * ({@code io.ingraft.app.StateSlot}).
   */
  private static String defaultStateDir() {
    return Path.of(System.getProperty("java.io.tmpdir"), "ingraft-state").toString();
  }

  private static Long logRetention(Settings s) {
    if (s.text(LOG_RETENTION_MS, null) == null) {
      return null;
    }
    long ms = s.longInteger(LOG_RETENTION_MS, -1, -1, Long.MAX_VALUE);
    if (ms == 0) {
      throw new InvalidSettingException(
          LOG_RETENTION_MS, "0", "must be -1 (keep forever) or a positive number of milliseconds");
    }
    return ms;
  }

  /**
   * One writer worker per core the JVM may use (its container's limit, where there is one), at
   * least two. An apply is mostly CPU (Lance's staging and commits, the engine's checks): more
   * workers than cores only interleave publishes, each then takes longer and the batches queued
   * behind it stay small, so every version pays the fixed cost of a publish for fewer events
   * (docs/benchmarks.md, "Writer threads"). Two at least, so that a file load never holds the only
   * worker the other graphs' mutations need.
   */
  static int defaultWriterThreads() {
    return Math.max(2, Runtime.getRuntime().availableProcessors());
  }

  private static String defaultWriterId() {
    return "writer-" + ManagementFactory.getRuntimeMXBean().getName().replace('@', '-');
  }

  /** Typed reads of settings with errors that name the key. */
  private record Settings(Map<String, String> values) {
    String text(String key, String fallback) {
      String v = values.get(key);
      if (v == null) {
        return fallback;
      }
      if (v.isBlank()) {
        throw new InvalidSettingException(key, v, "must not be blank");
      }
      return v.trim();
    }

    int integer(String key, int fallback, int min, int max) {
      String v = values.get(key);
      if (v == null) {
        return fallback;
      }
      try {
        int n = Integer.parseInt(v.trim());
        if (n < min || n > max) {
          throw new InvalidSettingException(key, v, "must be between " + min + " and " + max);
        }
        return n;
      } catch (NumberFormatException e) {
        throw new InvalidSettingException(key, v, "must be an integer");
      }
    }

    long longInteger(String key, long fallback, long min, long max) {
      String v = values.get(key);
      if (v == null) {
        return fallback;
      }
      try {
        long n = Long.parseLong(v.trim());
        if (n < min || n > max) {
          throw new InvalidSettingException(key, v, "must be between " + min + " and " + max);
        }
        return n;
      } catch (NumberFormatException e) {
        throw new InvalidSettingException(key, v, "must be an integer");
      }
    }

    Duration millis(String key, Duration fallback, int min, int max) {
      return Duration.ofMillis(integer(key, (int) fallback.toMillis(), min, max));
    }

    boolean bool(String key, boolean fallback) {
      String v = values.get(key);
      if (v == null) {
        return fallback;
      }
      return switch (v.trim()) {
        case "true" -> true;
        case "false" -> false;
        default -> throw new InvalidSettingException(key, v, "must be true or false");
      };
    }
  }
}
