package io.ingraft.app.cdc;

import io.ingraft.app.config.IngraftConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Creates the CDC topics stage 1 reads when they are missing, before it starts: the change topics
 * of a list ({@code ingraft.topic.partitions} partitions; a pattern needs none) and the transaction
 * topic with exactly one partition. An existing transaction topic with more partitions is refused
 * ({@link TransactionTopicPartitionsException}). With {@code ingraft.cdc.single-partition} the
 * change topics are created with one partition too, and an existing one with more (of the list, or
 * matching the pattern now) is refused ({@link ChangeTopicPartitionsException}).
 */
public final class CdcTopics {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final Duration POLL = Duration.ofMillis(100);

  private CdcTopics() {}

  /**
   * @return the topics created
   */
  public static List<String> ensure(Admin admin, IngraftConfig config) {
    CdcMapping mapping;
    try {
      mapping = MappingReader.of(config.stageOne().cdcMapping()).read();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read the CDC mapping " + config.stageOne().cdcMapping(), e);
    }
    List<NewTopic> wanted = new ArrayList<>();
    short replication = config.topics().replication();
    boolean singlePartition = config.stageOne().cdcSinglePartition();
    for (String topic : mapping.topics()) {
      wanted.add(
          new NewTopic(topic, singlePartition ? 1 : config.topics().partitions(), replication));
    }
    if (mapping.transactionTopic() != null) {
      wanted.add(new NewTopic(mapping.transactionTopic(), 1, replication));
    }
    List<String> created = new ArrayList<>();
    try {
      Set<String> existing = admin.listTopics().names().get();
      for (NewTopic topic : wanted) {
        if (existing.contains(topic.name())) {
          continue;
        }
        try {
          admin.createTopics(List.of(topic)).all().get();
          created.add(topic.name());
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw new IllegalStateException(
                "cannot create CDC topic " + topic.name() + ": " + e.getCause(), e.getCause());
          }
        }
      }
      List<String> all = new ArrayList<>(mapping.topics());
      if (singlePartition && mapping.topicPattern() != null) {
        Pattern pattern = Pattern.compile(mapping.topicPattern());
        admin.listTopics().names().get().stream()
            .filter(pattern.asMatchPredicate())
            .sorted()
            .forEach(all::add);
      }
      if (mapping.transactionTopic() != null) {
        all.add(mapping.transactionTopic());
      }
      Map<String, TopicDescription> described = awaitLeaders(admin, all);
      if (singlePartition) {
        for (TopicDescription d : described.values()) {
          if (!d.name().equals(mapping.transactionTopic()) && d.partitions().size() != 1) {
            throw new ChangeTopicPartitionsException(d.name(), d.partitions().size());
          }
        }
      }
      if (mapping.transactionTopic() != null) {
        int partitions =
            Optional.ofNullable(described.get(mapping.transactionTopic()))
                .map(d -> d.partitions().size())
                .orElse(1);
        if (partitions != 1) {
          throw new TransactionTopicPartitionsException(mapping.transactionTopic(), partitions);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted creating CDC topics", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(
          "cannot list or describe CDC topics: " + e.getCause(), e.getCause());
    }
    return created;
  }

  /** Describes the topics once every partition has a leader (a new topic needs a moment). */
  private static Map<String, TopicDescription> awaitLeaders(Admin admin, List<String> topics)
      throws InterruptedException {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (true) {
      try {
        Map<String, TopicDescription> described =
            admin.describeTopics(topics).allTopicNames().get();
        boolean led =
            described.values().stream()
                .allMatch(
                    d ->
                        d.partitions().stream()
                            .allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
        if (led) {
          return described;
        }
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
          throw new IllegalStateException(
              "cannot describe CDC topics: " + e.getCause(), e.getCause());
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "CDC topics " + topics + " have no leader after " + TIMEOUT.toSeconds() + " s");
      }
      Thread.sleep(POLL.toMillis());
    }
  }
}
