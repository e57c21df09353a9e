package io.ingraft.app.config;

import io.ingraft.storage.StorageConfig;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The catalogue of Ingraft's own settings ({@code ingraft.*} and {@code storage.*}) as a Kafka
 * {@link ConfigDef}: which keys exist, which hold secrets ({@link Type#PASSWORD}), and what the
 * environment variable overriding each one is called. Defaults and ranges stay where the values are
 * read ({@link IngraftConfig}); this class answers "is this a key at all, and did the user mean
 * another one?". {@code kafka.*} keys pass through to the Kafka clients unchecked here (the clients
 * know their own keys); {@code config.providers*} configures Kafka's config providers.
 */
public final class KnownSettings {
  /** The Kafka passthrough prefix. */
  public static final String KAFKA_PREFIX = "kafka.";

  /** Kafka's config-provider keys: {@code config.providers} and {@code config.providers.*}. */
  public static final String PROVIDERS = "config.providers";

  /** Prefix of every environment override. */
  public static final String ENV_PREFIX = "INGRAFT_";

  /** The bound on reaching a broker: see docs/operations.md, "Timeouts". */
  public static final String CONNECT_TIMEOUT = "ingraft.connect-timeout-ms";

  /** Registry settings ({@code ingraft.schema-registry.*}). */
  public static final String REGISTRY_URL = "ingraft.schema-registry.url";

  public static final String REGISTRY_TIMEOUT = "ingraft.schema-registry.timeout-ms";
  public static final String REGISTRY_USER = "ingraft.schema-registry.basic.username";
  public static final String REGISTRY_PASSWORD = "ingraft.schema-registry.basic.password";
  public static final String REGISTRY_TOKEN = "ingraft.schema-registry.bearer.token";
  public static final String REGISTRY_TRUSTSTORE =
      "ingraft.schema-registry.ssl.truststore.location";
  public static final String REGISTRY_TRUSTSTORE_PASSWORD =
      "ingraft.schema-registry.ssl.truststore.password";
  public static final String REGISTRY_TRUSTSTORE_TYPE =
      "ingraft.schema-registry.ssl.truststore.type";
  public static final String REGISTRY_KEYSTORE = "ingraft.schema-registry.ssl.keystore.location";
  public static final String REGISTRY_KEYSTORE_PASSWORD =
      "ingraft.schema-registry.ssl.keystore.password";
  public static final String REGISTRY_KEYSTORE_TYPE = "ingraft.schema-registry.ssl.keystore.type";
  public static final String REGISTRY_KEY_PASSWORD = "ingraft.schema-registry.ssl.key.password";

  /** Every Ingraft key, with its type; the docs are in docs/operations.md. */
  public static final ConfigDef DEFINITION = definition();

  /** Kafka client keys (producer, consumer, admin, Streams), for "did you mean kafka.X?". */
  private static final Set<String> KAFKA_CLIENT_KEYS = kafkaClientKeys();

  private static final Map<String, String> KEYS_BY_ENV = keysByEnv();

  private KnownSettings() {}

  private static ConfigDef definition() {
    ConfigDef def = new ConfigDef();
    for (String key :
        List.of(
            StorageConfig.ROOT,
            StorageConfig.S3_ENDPOINT,
            StorageConfig.S3_REGION,
            StorageConfig.S3_PATH_STYLE,
            StorageConfig.S3_ACCESS_KEY,
            "ingraft.topic.mutations",
            "ingraft.topic.loads",
            "ingraft.topic.graph-log",
            "ingraft.topic.dlq",
            "ingraft.topic.commits",
            "ingraft.topic.partitions",
            "ingraft.topic.replication",
            "ingraft.seal.max-events",
            "ingraft.seal.max-bytes",
            "ingraft.seal.linger-ms",
            IngraftConfig.KEYED_BY_GRAPH,
            IngraftConfig.CDC_MAPPING,
            IngraftConfig.CDC_SINGLE_PARTITION,
            "ingraft.writer.id",
            "ingraft.writer.group",
            "ingraft.writer.threads",
            "ingraft.writer.max-buffered-events",
            "ingraft.writer.max-batch-events",
            "ingraft.writer.compaction-in-background",
            IngraftConfig.RETENTION_INTERVAL,
            "ingraft.writer.retention.keep-last",
            IngraftConfig.RETENTION_KEEP_FOR,
            "ingraft.writer.retention.orphan-min-age-ms",
            "ingraft.writer.poll-timeout-ms",
            "ingraft.writer.commit-interval-ms",
            "ingraft.writer.retry-backoff-ms",
            "ingraft.writer.max-retry-backoff-ms",
            "ingraft.writer.drain-timeout-ms",
            "ingraft.writer.send-timeout-ms",
            "ingraft.writer.fence-grace-ms",
            "ingraft.application-id",
            "ingraft.state-dir",
            "ingraft.http.host",
            IngraftConfig.HTTP_PORT,
            "ingraft.metrics.lag-interval-ms",
            IngraftConfig.LOAD_ROOTS,
            "ingraft.load.max-bytes",
            "ingraft.load.max-rows",
            "ingraft.load.timeout-ms",
            IngraftConfig.LOG_RETENTION_MS,
            CONNECT_TIMEOUT,
            REGISTRY_URL,
            REGISTRY_TIMEOUT,
            REGISTRY_USER,
            REGISTRY_TRUSTSTORE,
            REGISTRY_TRUSTSTORE_TYPE,
            REGISTRY_KEYSTORE,
            REGISTRY_KEYSTORE_TYPE)) {
      def.define(key, Type.STRING, null, Importance.MEDIUM, "docs/operations.md");
    }
    for (String secret :
        List.of(
            StorageConfig.S3_SECRET_KEY,
            REGISTRY_PASSWORD,
            REGISTRY_TOKEN,
            REGISTRY_TRUSTSTORE_PASSWORD,
            REGISTRY_KEYSTORE_PASSWORD,
            REGISTRY_KEY_PASSWORD)) {
      def.define(secret, Type.PASSWORD, null, Importance.HIGH, "a secret; docs/operations.md");
    }
    return def;
  }

  /** Every Ingraft key, sorted. */
  public static Set<String> names() {
    return new TreeSet<>(DEFINITION.names());
  }

  /**
   * Whether {@code key}'s value is a secret, never to be shown: an Ingraft key of type {@code
   * PASSWORD}, or a {@code kafka.} key that Kafka's own clients declare a {@code PASSWORD} (such as
   * {@code kafka.sasl.jaas.config}, {@code kafka.ssl.keystore.password}).
   */
  public static boolean isSecret(String key) {
    ConfigDef.ConfigKey own = DEFINITION.configKeys().get(key);
    if (own != null) {
      return own.type == Type.PASSWORD;
    }
    if (key.startsWith(KAFKA_PREFIX)) {
      String client = key.substring(KAFKA_PREFIX.length());
      for (ConfigDef def :
          List.of(
              ProducerConfig.configDef(),
              ConsumerConfig.configDef(),
              AdminClientConfig.configDef(),
              StreamsConfig.configDef())) {
        ConfigDef.ConfigKey k = def.configKeys().get(client);
        if (k != null) {
          return k.type == Type.PASSWORD;
        }
      }
    }
    return false;
  }

  /**
   * Checks that every key is a known one: an Ingraft key, {@code kafka.*} or {@code
   * config.providers*}.
   *
   * @throws UnknownSettingException for the first unknown key (in sorted order), naming the closest
   *     known key when one is close
   */
  public static void check(Set<String> keys) {
    for (String key : new TreeSet<>(keys)) {
      if (!isKnown(key)) {
        throw new UnknownSettingException(key, closest(key).orElse(null));
      }
    }
  }

  static boolean isKnown(String key) {
    return DEFINITION.names().contains(key)
        || (key.startsWith(KAFKA_PREFIX) && key.length() > KAFKA_PREFIX.length())
        || key.equals(PROVIDERS)
        || key.startsWith(PROVIDERS + ".");
  }

  /**
   * The known key closest to {@code key}, if close enough to be a slip: an Ingraft key within an
   * edit distance of a third of its length, or {@code kafka.<key>} when {@code key} is a Kafka
   * client setting missing its prefix.
   */
  public static Optional<String> closest(String key) {
    if (KAFKA_CLIENT_KEYS.contains(key)) {
      return Optional.of(KAFKA_PREFIX + key);
    }
    return DEFINITION.names().stream()
        .map(name -> new Candidate(name, distance(key, name)))
        .filter(c -> c.distance() <= Math.max(2, c.name().length() / 3))
        .min(Comparator.comparingInt(Candidate::distance).thenComparing(Candidate::name))
        .map(Candidate::name);
  }

  private record Candidate(String name, int distance) {}

  /**
   * For a {@code kafka.} key that no Kafka client knows but that lies within a typo of one, that
   * one ({@code kafka.sasl.jass.config} gives {@code kafka.sasl.jaas.config}). Not an error: the
   * clients also take settings of their plugins, which no catalogue lists.
   */
  public static Optional<String> kafkaSlip(String key) {
    if (!key.startsWith(KAFKA_PREFIX)) {
      return Optional.empty();
    }
    String client = key.substring(KAFKA_PREFIX.length());
    if (KAFKA_CLIENT_KEYS.contains(client)) {
      return Optional.empty();
    }
    return KAFKA_CLIENT_KEYS.stream()
        .map(name -> new Candidate(name, distance(client, name)))
        .filter(c -> c.distance() <= 2)
        .min(Comparator.comparingInt(Candidate::distance).thenComparing(Candidate::name))
        .map(c -> KAFKA_PREFIX + c.name());
  }

  /**
   * The environment variable that overrides {@code key}: {@code INGRAFT_} and the key without its
   * {@code ingraft.} prefix, upper case, with {@code .} and {@code -} as {@code _}. So {@code
   * ingraft.writer.threads} is {@code INGRAFT_WRITER_THREADS}, {@code storage.s3.secret-key} is
   * {@code INGRAFT_STORAGE_S3_SECRET_KEY} and {@code kafka.sasl.jaas.config} is {@code
   * INGRAFT_KAFKA_SASL_JAAS_CONFIG}.
   */
  public static String envName(String key) {
    String rest = key.startsWith("ingraft.") ? key.substring("ingraft.".length()) : key;
    return ENV_PREFIX + rest.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  /**
   * The key an environment variable overrides, if it is one: an Ingraft key whose {@link #envName}
   * it is, or for {@code INGRAFT_KAFKA_*} the Kafka client key with {@code _} read as {@code .}
   * (Kafka's keys have no {@code _} or {@code -}).
   */
  public static Optional<String> keyOfEnv(String variable) {
    String own = KEYS_BY_ENV.get(variable);
    if (own != null) {
      return Optional.of(own);
    }
    String kafka = ENV_PREFIX + "KAFKA_";
    if (variable.startsWith(kafka) && variable.length() > kafka.length()) {
      return Optional.of(
          KAFKA_PREFIX
              + variable.substring(kafka.length()).toLowerCase(Locale.ROOT).replace('_', '.'));
    }
    return Optional.empty();
  }

  /** The known variable closest to an unknown {@code INGRAFT_*} one, if close enough. */
  static Optional<String> closestEnv(String variable) {
    return KEYS_BY_ENV.keySet().stream()
        .map(name -> new Candidate(name, distance(variable, name)))
        .filter(c -> c.distance() <= 2)
        .min(Comparator.comparingInt(Candidate::distance).thenComparing(Candidate::name))
        .map(Candidate::name);
  }

  private static Map<String, String> keysByEnv() {
    Map<String, String> byEnv = new HashMap<>();
    for (String key : DEFINITION.names()) {
      String previous = byEnv.put(envName(key), key);
      if (previous != null) {
        throw new IllegalStateException(
            "keys " + previous + " and " + key + " share the variable " + envName(key));
      }
    }
    return byEnv;
  }

  private static Set<String> kafkaClientKeys() {
    Set<String> keys = new TreeSet<>();
    keys.addAll(ProducerConfig.configNames());
    keys.addAll(ConsumerConfig.configNames());
    keys.addAll(AdminClientConfig.configNames());
    keys.addAll(StreamsConfig.configDef().names());
    return keys;
  }

  /** Levenshtein distance. */
  static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
