package io.ingraft.it.kafka;

import io.ingraft.app.kafka.LocalKafkaBroker;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One real Kafka 4.4 broker (KRaft, combined broker and controller, 127.0.0.1) per test JVM, shared
 * by every test class that asks for it:
 *
 * <pre>
 * {@literal @}ExtendWith(KafkaTestBroker.Extension.class)
 * class MyTest {
 *   {@literal @}Test void works(KafkaTestBroker kafka) {
 *     String topic = kafka.createTopic("orders", 3);   // unique name, ready when it returns
 *     ... kafka.bootstrapServers() ...
 *   }
 * }
 * </pre>
 *
 * <p>The broker runs <em>inside</em> the test JVM ({@code KafkaRaftServer} + {@code Formatter},
 * docs/development.md, "Kafka for tests and the demo"), not as a child process. Why: it is 1.1–1.5
 * s to ready under Surefire; it cannot outlive the test JVM whatever happens to the fork (no orphan
 * to reap, no watchdog, no port left bound); it needs no classpath hand-over; and a broker failure
 * surfaces as an exception in the test rather than as a dead child. Tests that must kill or restart
 * the broker itself use {@link LocalKafkaBroker}, the child-process broker.
 *
 * <p>The broker starts on first use and is closed when the JUnit engine finishes (the root context
 * store closes it); its data lives in a temporary directory that is then deleted. Tests share it,
 * so each must use its own topics and groups: {@link #createTopic(String, int)} and {@link
 * #uniqueName(String)} make names that no other test uses.
 *
 * <p>Settings are those of {@link LocalKafkaBroker#defaultProperties()}: replication factor 1, no
 * initial rebalance delay, minimum session timeouts of 1 s for classic, KIP-848 and streams groups.
 */
public final class KafkaTestBroker implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaTestBroker.class);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  /** How long topic creation and other admin waits may take. */
  public static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);

  private static final int START_ATTEMPTS = 3;
  private static final AtomicInteger NAMES = new AtomicInteger();

  private final KafkaRaftServer server;
  private final Path directory;
  private final String bootstrapServers;
  private final Admin admin;
  private final Duration startupTime;

  private KafkaTestBroker(
      KafkaRaftServer server,
      Path directory,
      String bootstrapServers,
      Admin admin,
      Duration startupTime) {
    this.server = server;
    this.directory = directory;
    this.bootstrapServers = bootstrapServers;
    this.admin = admin;
    this.startupTime = startupTime;
  }

  /**
   * JUnit 5 extension: resolves {@link KafkaTestBroker} parameters (test, lifecycle and constructor
   * parameters) to the one broker of this test JVM, starting it on first use.
   */
  public static final class Extension implements ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE =
        ExtensionContext.Namespace.create(KafkaTestBroker.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
      return parameter.getParameter().getType() == KafkaTestBroker.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
      return shared(context);
    }

    /** The broker of this test JVM, started on first use, closed when the engine finishes. */
    public static KafkaTestBroker shared(ExtensionContext context) {
      try {
        // The root store outlives every test class; JUnit closes AutoCloseable values in it
        // when the engine finishes.
        return context
            .getRoot()
            .getStore(NAMESPACE)
            .getOrComputeIfAbsent(
                KafkaTestBroker.class, k -> KafkaTestBroker.start(), KafkaTestBroker.class);
      } catch (RuntimeException e) {
        throw new ParameterResolutionException("cannot start the test Kafka broker", e);
      }
    }
  }

  /** Starts a broker on free ports in a new temporary directory and waits until it is ready. */
  static KafkaTestBroker start() {
    IllegalStateException last = null;
    for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
      try {
        return startOnce();
      } catch (IllegalStateException e) {
        // Most likely a free port was taken between probing and binding; new ports, new dir.
        LOG.warn(
            "test Kafka broker failed to start (attempt {} of {})", attempt, START_ATTEMPTS, e);
        last = e;
      }
    }
    throw last;
  }

  private static KafkaTestBroker startOnce() {
    long t0 = System.nanoTime();
    Path dir;
    try {
      dir = Files.createTempDirectory("kafka-test-broker-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int brokerPort = freePort(-1);
    int controllerPort = freePort(brokerPort);
    String bootstrap = "127.0.0.1:" + brokerPort;
    Map<String, Object> p = new HashMap<>(LocalKafkaBroker.defaultProperties());
    p.put("process.roles", "broker,controller");
    p.put("node.id", "1");
    p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
    p.put("listeners", "PLAINTEXT://" + bootstrap + ",CONTROLLER://127.0.0.1:" + controllerPort);
    p.put("advertised.listeners", "PLAINTEXT://" + bootstrap);
    p.put("controller.listener.names", "CONTROLLER");
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
    p.put("log.dirs", dir.toString());
    KafkaRaftServer server = null;
    Admin admin = null;
    try {
      KafkaConfig config = new KafkaConfig(p);
      new Formatter()
          .setNodeId(1)
          .setClusterId(Uuid.randomUuid().toString())
          .setControllerListenerName("CONTROLLER")
          .setMetadataLogDirectory(dir.toString())
          .addDirectory(dir.toString())
          .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
          .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
          .run();
      server = new KafkaRaftServer(config, Time.SYSTEM);
      server.startup();
      admin =
          Admin.create(
              Map.of(
                  AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                  bootstrap,
                  AdminClientConfig.CLIENT_ID_CONFIG,
                  "ingraft-test-broker-admin"));
      Admin a = admin;
      await(
          START_TIMEOUT,
          "test Kafka broker ready at " + bootstrap,
          () -> {
            try {
              Collection<Node> nodes = a.describeCluster().nodes().get(5, TimeUnit.SECONDS);
              return !nodes.isEmpty();
            } catch (ExecutionException | TimeoutException e) {
              return false;
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              throw new IllegalStateException(e);
            }
          });
      Duration startup = Duration.ofNanos(System.nanoTime() - t0);
      LOG.info(
          "test Kafka broker ready at {} in {} ms (data {})", bootstrap, startup.toMillis(), dir);
      return new KafkaTestBroker(server, dir, bootstrap, admin, startup);
    } catch (Exception | Error e) {
      if (admin != null) {
        admin.close(Duration.ofSeconds(2));
      }
      if (server != null) {
        stopQuietly(server);
      }
      deleteRecursively(dir);
      if (e instanceof Error error) {
        throw error;
      }
      throw new IllegalStateException("test Kafka broker did not start at " + bootstrap, e);
    }
  }

  /** {@code 127.0.0.1:<port>}. */
  public String bootstrapServers() {
    return bootstrapServers;
  }

  /**
   * The same handle on a broker this class did not start (a child-process broker a test stops and
   * restarts): clients, topics and offsets as for the shared one; {@link #close()} only closes the
   * admin client.
   */
  public static KafkaTestBroker external(String bootstrapServers) {
    Map<String, Object> config = new HashMap<>();
    config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    return new KafkaTestBroker(null, null, bootstrapServers, Admin.create(config), Duration.ZERO);
  }

  /** An admin client of this broker, shared: do not close it. */
  public Admin admin() {
    return admin;
  }

  /** How long the broker took to start, until ready. */
  public Duration startupTime() {
    return startupTime;
  }

  /** A new mutable client configuration holding {@code bootstrap.servers}. */
  public Map<String, Object> clientConfig() {
    Map<String, Object> config = new HashMap<>();
    config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    return config;
  }

  /**
   * {@code prefix-<n>-<random>}: a topic, group or transactional id no other test of this JVM (or
   * an earlier run) uses.
   */
  public static String uniqueName(String prefix) {
    return prefix
        + "-"
        + NAMES.incrementAndGet()
        + "-"
        + UUID.randomUUID().toString().substring(0, 8);
  }

  /**
   * Creates a topic with a {@linkplain #uniqueName(String) unique name} made from {@code prefix}
   * and waits until every partition has a leader.
   *
   * @return the topic's name
   */
  public String createTopic(String prefix, int partitions) {
    String name = uniqueName(prefix);
    createTopic(name, partitions, Map.of());
    return name;
  }

  /**
   * Creates the topic {@code name} (replication factor 1) with the given topic configs and waits,
   * up to {@link #ADMIN_TIMEOUT}, until the broker describes it with every partition led.
   */
  public void createTopic(String name, int partitions, Map<String, String> configs) {
    NewTopic topic = new NewTopic(name, partitions, (short) 1).configs(configs);
    try {
      admin.createTopics(List.of(topic)).all().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted creating topic " + name, e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot create topic " + name, e);
    }
    await(
        ADMIN_TIMEOUT,
        "topic " + name + " with " + partitions + " led partitions",
        () -> {
          Optional<TopicDescription> d = describe(name);
          return d.isPresent()
              && d.get().partitions().size() == partitions
              && d.get().partitions().stream().allMatch(KafkaTestBroker::led);
        });
  }

  private static boolean led(TopicPartitionInfo partition) {
    return partition.leader() != null && !partition.leader().isEmpty();
  }

  private Optional<TopicDescription> describe(String topic) {
    try {
      return Optional.of(
          admin.describeTopics(List.of(topic)).allTopicNames().get(5, TimeUnit.SECONDS).get(topic));
    } catch (ExecutionException e) {
      if (e.getCause() instanceof UnknownTopicOrPartitionException) {
        return Optional.empty();
      }
      throw new IllegalStateException("cannot describe topic " + topic, e);
    } catch (TimeoutException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The end offsets of partitions {@code 0..partitions-1} of {@code topic}. */
  public Map<TopicPartition, Long> endOffsets(String topic, int partitions) {
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    for (int p = 0; p < partitions; p++) {
      request.put(new TopicPartition(topic, p), OffsetSpec.latest());
    }
    try {
      Map<TopicPartition, Long> end = new HashMap<>();
      admin()
          .listOffsets(request)
          .all()
          .get(30, TimeUnit.SECONDS)
          .forEach((tp, info) -> end.put(tp, info.offset()));
      return end;
    } catch (Exception e) {
      throw new IllegalStateException("cannot list offsets of " + topic, e);
    }
  }

  /** A group's committed offsets on partitions {@code 0..partitions-1} of a topic, 0 where none. */
  public Map<TopicPartition, Long> committedOffsets(String group, String topic, int partitions) {
    try {
      Map<TopicPartition, OffsetAndMetadata> offsets =
          admin()
              .listConsumerGroupOffsets(group)
              .partitionsToOffsetAndMetadata()
              .get(30, TimeUnit.SECONDS);
      Map<TopicPartition, Long> committed = new HashMap<>();
      for (int p = 0; p < partitions; p++) {
        OffsetAndMetadata offset = offsets.get(new TopicPartition(topic, p));
        committed.put(new TopicPartition(topic, p), offset == null ? 0 : offset.offset());
      }
      return committed;
    } catch (Exception e) {
      throw new IllegalStateException("cannot read the offsets of group " + group, e);
    }
  }

  /**
   * Polls {@code condition} every 50 ms until it holds; fails with {@code what} once {@code
   * timeout} has passed. The one waiting primitive of these tests: wait for a state, with a
   * deadline, never for a fixed time.
   */
  public static void await(Duration timeout, String what, Supplier<Boolean> condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!Boolean.TRUE.equals(condition.get())) {
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException("timed out after " + timeout + " waiting for " + what);
      }
      try {
        TimeUnit.MILLISECONDS.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for " + what, e);
      }
    }
  }

  /** Stops the broker and deletes its data. Called by JUnit when the engine finishes. */
  @Override
  public void close() {
    long t0 = System.nanoTime();
    admin.close(Duration.ofSeconds(5));
    if (server == null) {
      return;
    }
    stopQuietly(server);
    deleteRecursively(directory);
    LOG.info(
        "test Kafka broker at {} stopped in {} ms",
        bootstrapServers,
        (System.nanoTime() - t0) / 1_000_000);
  }

  private static void stopQuietly(KafkaRaftServer server) {
    try {
      server.shutdown();
      server.awaitShutdown();
    } catch (RuntimeException e) {
      LOG.warn("test Kafka broker shutdown failed", e);
    }
  }

  private static int freePort(int avoid) {
    while (true) {
      try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
        if (socket.getLocalPort() != avoid) {
          return socket.getLocalPort();
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      List<Path> all = new ArrayList<>(paths.sorted(Comparator.reverseOrder()).toList());
      for (Path path : all) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      LOG.warn("cannot delete test Kafka broker data {}", dir, e);
    }
  }
}
