package io.ingraft.it.writer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * A group assignor for tests that move every partition at once: while a member whose client id
 * starts with {@value #TAKER} is in the group it gets every partition and the others none;
 * otherwise the partitions go round-robin. Every member of the group must name it in {@code
 * partition.assignment.strategy}. (A classic-protocol member id is its client id, a dash and a
 * UUID.)
 */
public final class TakeAllAssignor implements ConsumerPartitionAssignor {
  /** The client-id prefix of the member that takes every partition. */
  public static final String TAKER = "take-all";

  @Override
  public GroupAssignment assign(Cluster metadata, GroupSubscription group) {
    Map<String, Subscription> members = group.groupSubscription();
    TreeSet<String> topics = new TreeSet<>();
    members.values().forEach(s -> topics.addAll(s.topics()));
    List<TopicPartition> partitions = new ArrayList<>();
    for (String topic : topics) {
      List<PartitionInfo> infos = metadata.partitionsForTopic(topic);
      if (infos != null) {
        infos.forEach(info -> partitions.add(new TopicPartition(topic, info.partition())));
      }
    }
    List<String> ids = new ArrayList<>(new TreeSet<>(members.keySet()));
    String taker = ids.stream().filter(id -> id.startsWith(TAKER)).findFirst().orElse(null);
    Map<String, List<TopicPartition>> owned = new HashMap<>();
    ids.forEach(id -> owned.put(id, new ArrayList<>()));
    for (int i = 0; i < partitions.size(); i++) {
      String owner = taker != null ? taker : ids.get(i % ids.size());
      owned.get(owner).add(partitions.get(i));
    }
    Map<String, Assignment> assignments = new HashMap<>();
    owned.forEach((id, list) -> assignments.put(id, new Assignment(list)));
    return new GroupAssignment(assignments);
  }

  @Override
  public String name() {
    return "take-all";
  }
}
