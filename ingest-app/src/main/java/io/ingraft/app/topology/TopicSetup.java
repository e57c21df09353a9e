package io.ingraft.app.topology;

import io.ingraft.app.config.IngraftConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates Ingraft's five topics (mutations, loads, graph log, dead letters, commits) when they are
 * missing, with the configured partitions and replication, and waits until every partition has a
 * leader. The graph log and dead-letter topics get the record size the pipeline writes ({@link
 * #raiseRecordLimits}), existing or not. Otherwise existing topics are left as they are (a
 * differing partition count is logged, not changed), except that in keyed-by-graph mode a source
 * topic (mutations, loads) with another partition count than the configured one is an error: stage
 * 1 would then see a graph's events in partitions its producers' partitioner did not pick. The
 * graph log keeps everything forever: it is the event-sourced record from which a graph can be
 * rebuilt, so it must never lose its head to retention, unless the operator sets {@code
 * ingraft.log.retention.ms} ({@link #applyLogRetention}; docs/operations.md, "Housekeeping").
 */
public final class TopicSetup {
  private static final Logger LOG = LoggerFactory.getLogger(TopicSetup.class);

  /** How long {@link #ensure(Admin, IngraftConfig)} waits for topics and leaders. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

  private static final Duration POLL = Duration.ofMillis(100);

  private TopicSetup() {}

  /** {@link #ensure(Admin, IngraftConfig, Duration)} with {@link #DEFAULT_TIMEOUT}. */
  public static List<String> ensure(Admin admin, IngraftConfig config) {
    return ensure(admin, config, DEFAULT_TIMEOUT);
  }

  /**
   * Creates the missing topics and waits until all five have a leader for every partition.
   *
   * @return the topics this call created (empty when all existed)
   * @throws PartitionCountMismatchException in keyed-by-graph mode, if a source topic has another
   *     partition count than {@code ingraft.topic.partitions}; when the topic already existed
   *     before this call, nothing is created
   * @throws TopicSetupException if a topic cannot be created or is not led within {@code timeout}
   */
  public static List<String> ensure(Admin admin, IngraftConfig config, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Map<String, NewTopic> wanted = topics(config);
    Set<String> sameCount =
        config.stageOne().keyedByGraph()
            ? Set.copyOf(IngestTopology.sourceTopics(config))
            : Set.of();
    // Validate before creating anything: the topics created next would otherwise take a
    // partition count the operator is about to change.
    for (String topic : sameCount) {
      TopicDescription existing = describe(admin, topic, deadline);
      if (existing != null) {
        checkPartitions(topic, existing.partitions().size(), wanted.get(topic).numPartitions());
      }
    }
    Map<String, KafkaFuture<Void>> results = admin.createTopics(wanted.values()).values();
    List<String> created = new ArrayList<>();
    for (Map.Entry<String, KafkaFuture<Void>> result : results.entrySet()) {
      String topic = result.getKey();
      try {
        result.getValue().get(remainingMs(deadline), TimeUnit.MILLISECONDS);
        created.add(topic);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw new TopicSetupException(topic, "cannot create: " + e.getCause(), e.getCause());
        }
      } catch (TimeoutException e) {
        throw new TopicSetupException(topic, "not created within " + timeout, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TopicSetupException(topic, "interrupted while creating", e);
      }
    }
    for (String topic : wanted.keySet()) {
      awaitLeaders(
          admin,
          topic,
          wanted.get(topic).numPartitions(),
          sameCount.contains(topic),
          deadline,
          timeout);
    }
    raiseRecordLimits(admin, config, deadline, timeout);
    applyLogRetention(admin, config, deadline, timeout);
    if (!created.isEmpty()) {
      LOG.info("created topics {}", created);
    }
    return created;
  }

  /**
   * Gives the topics stage 1 and the writer write with whole records (graph log, dead letters) at
   * least {@link IngestTopology#MAX_OUTPUT_RECORD_BYTES} as {@code max.message.bytes}, also when
   * they existed before with less (the broker default is 1 MiB): the pipeline checks its records
   * against that size before it sends them, so a topic allowing less would stop it.
   */
  static void raiseRecordLimits(
      Admin admin, IngraftConfig config, long deadline, Duration timeout) {
    for (String topic : List.of(config.topics().graphLog(), config.topics().dlq())) {
      ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
      try {
        Config current =
            admin
                .describeConfigs(List.of(resource))
                .all()
                .get(remainingMs(deadline), TimeUnit.MILLISECONDS)
                .get(resource);
        ConfigEntry entry =
            current == null ? null : current.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
        if (entry != null
            && entry.value() != null
            && Long.parseLong(entry.value()) >= IngestTopology.MAX_OUTPUT_RECORD_BYTES) {
          continue;
        }
        admin
            .incrementalAlterConfigs(
                Map.of(
                    resource,
                    List.of(
                        new AlterConfigOp(
                            new ConfigEntry(
                                TopicConfig.MAX_MESSAGE_BYTES_CONFIG,
                                Integer.toString(IngestTopology.MAX_OUTPUT_RECORD_BYTES)),
                            AlterConfigOp.OpType.SET))))
            .all()
            .get(remainingMs(deadline), TimeUnit.MILLISECONDS);
        LOG.info(
            "raised {} of topic {} from {} to {}",
            TopicConfig.MAX_MESSAGE_BYTES_CONFIG,
            topic,
            entry == null ? "unset" : entry.value(),
            IngestTopology.MAX_OUTPUT_RECORD_BYTES);
      } catch (ExecutionException e) {
        throw new TopicSetupException(
            topic,
            "cannot set " + TopicConfig.MAX_MESSAGE_BYTES_CONFIG + ": " + e.getCause(),
            e.getCause());
      } catch (TimeoutException e) {
        throw new TopicSetupException(topic, "record limit not set within " + timeout, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TopicSetupException(topic, "interrupted while setting its record limit", e);
      }
    }
  }

  /**
   * Gives an existing graph log the retention {@code ingraft.log.retention.ms} names, when the key
   * is set; without it an existing topic keeps whatever retention its operator gave it.
   */
  static void applyLogRetention(
      Admin admin, IngraftConfig config, long deadline, Duration timeout) {
    Long wanted = config.topics().graphLogRetentionMs();
    if (wanted == null) {
      return;
    }
    String topic = config.topics().graphLog();
    ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    try {
      Config current =
          admin
              .describeConfigs(List.of(resource))
              .all()
              .get(remainingMs(deadline), TimeUnit.MILLISECONDS)
              .get(resource);
      ConfigEntry entry = current == null ? null : current.get(TopicConfig.RETENTION_MS_CONFIG);
      if (entry != null && wanted.toString().equals(entry.value())) {
        return;
      }
      admin
          .incrementalAlterConfigs(
              Map.of(
                  resource,
                  List.of(
                      new AlterConfigOp(
                          new ConfigEntry(TopicConfig.RETENTION_MS_CONFIG, wanted.toString()),
                          AlterConfigOp.OpType.SET))))
          .all()
          .get(remainingMs(deadline), TimeUnit.MILLISECONDS);
      LOG.info(
          "set {} of topic {} from {} to {} ({})",
          TopicConfig.RETENTION_MS_CONFIG,
          topic,
          entry == null ? "unset" : entry.value(),
          wanted,
          IngraftConfig.LOG_RETENTION_MS);
    } catch (ExecutionException e) {
      throw new TopicSetupException(
          topic,
          "cannot set " + TopicConfig.RETENTION_MS_CONFIG + ": " + e.getCause(),
          e.getCause());
    } catch (TimeoutException e) {
      throw new TopicSetupException(topic, "retention not set within " + timeout, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TopicSetupException(topic, "interrupted while setting its retention", e);
    }
  }

  /** The five topics as they would be created, by name (graph log first). */
  static Map<String, NewTopic> topics(IngraftConfig config) {
    IngraftConfig.Topics t = config.topics();
    String bigRecords = Integer.toString(IngestTopology.MAX_OUTPUT_RECORD_BYTES);
    Map<String, NewTopic> out = new LinkedHashMap<>();
    out.put(
        t.graphLog(),
        topic(
            t.graphLog(),
            t,
            Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG,
                TopicConfig.CLEANUP_POLICY_DELETE,
                TopicConfig.RETENTION_MS_CONFIG,
                t.graphLogRetentionMs() == null ? "-1" : t.graphLogRetentionMs().toString(),
                TopicConfig.RETENTION_BYTES_CONFIG,
                "-1",
                TopicConfig.MAX_MESSAGE_BYTES_CONFIG,
                bigRecords)));
    out.putIfAbsent(t.mutations(), topic(t.mutations(), t, Map.of()));
    out.putIfAbsent(t.loads(), topic(t.loads(), t, Map.of()));
    out.putIfAbsent(
        t.dlq(), topic(t.dlq(), t, Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, bigRecords)));
    out.putIfAbsent(t.commits(), topic(t.commits(), t, Map.of()));
    return out;
  }

  private static NewTopic topic(String name, IngraftConfig.Topics t, Map<String, String> configs) {
    return new NewTopic(name, t.partitions(), t.replication()).configs(configs);
  }

  /** Keyed by graph, a source topic must have exactly the configured partition count. */
  private static void checkPartitions(String topic, int actual, int expected) {
    if (actual != expected) {
      throw new PartitionCountMismatchException(topic, actual, expected);
    }
  }

  private static void awaitLeaders(
      Admin admin,
      String topic,
      int wantedPartitions,
      boolean mustMatch,
      long deadline,
      Duration timeout) {
    while (true) {
      TopicDescription description = describe(admin, topic, deadline);
      if (description != null
          && !description.partitions().isEmpty()
          && description.partitions().stream().allMatch(TopicSetup::led)) {
        if (mustMatch) {
          // Again after creation: someone else may have created it in between.
          checkPartitions(topic, description.partitions().size(), wantedPartitions);
        } else if (description.partitions().size() != wantedPartitions) {
          LOG.warn(
              "topic {} has {} partitions, the configuration says {}; leaving it as is",
              topic,
              description.partitions().size(),
              wantedPartitions);
        }
        return;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new TopicSetupException(
            topic, "no leader for every partition within " + timeout, null);
      }
      try {
        Thread.sleep(POLL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TopicSetupException(topic, "interrupted while waiting for leaders", e);
      }
    }
  }

  private static TopicDescription describe(Admin admin, String topic, long deadline) {
    try {
      return admin
          .describeTopics(List.of(topic))
          .allTopicNames()
          .get(Math.min(5_000, remainingMs(deadline)), TimeUnit.MILLISECONDS)
          .get(topic);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof UnknownTopicOrPartitionException) {
        return null; // created, but not yet in this broker's metadata
      }
      throw new TopicSetupException(topic, "cannot describe: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TopicSetupException(topic, "interrupted while describing", e);
    }
  }

  private static boolean led(TopicPartitionInfo partition) {
    return partition.leader() != null && !partition.leader().isEmpty();
  }

  private static long remainingMs(long deadline) {
    return Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
  }
}
