package io.ingraft.it.proof;

import io.ingraft.events.avro.GraphLogRecord;
import io.ingraft.events.avro.Seal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Writes generated graph logs to the graph-log topic by hand, as stage 1 would: graph {@code g} to
 * partition {@code g % partitions} (so graphs share partitions), records of different graphs
 * interleaved at random, each graph's in order. Remembers the offset of each graph's last event,
 * which the manifest must end up recording (plus one) as the graph's next offset.
 */
final class LogFeed {
  final List<Workload> workloads = new ArrayList<>();
  final List<List<GraphLogRecord>> logs = new ArrayList<>();
  final Map<String, Long> lastEventOffset = new HashMap<>();
  private final ProofRig rig;
  private final Random random;

  /** {@code graphs} workloads named {@code prefix<g>} of {@code events} events each. */
  LogFeed(ProofRig rig, String prefix, int graphs, int events, int maxBatch, Random random) {
    this.rig = rig;
    this.random = random;
    for (int g = 0; g < graphs; g++) {
      Workload w = Workload.generate(prefix + g, events, random);
      workloads.add(w);
      logs.add(w.graphLog(maxBatch, random));
    }
  }

  int partitionOf(int graph) {
    return graph % rig.partitions;
  }

  /**
   * Sends chunk {@code k} of {@code n}: each graph's records from about k/n to about (k+1)/n of its
   * log, cut just after a seal, so that every chunk ends with whole batches.
   */
  void sendChunk(int k, int n) {
    List<List<GraphLogRecord>> parts = new ArrayList<>();
    for (List<GraphLogRecord> log : logs) {
      parts.add(log.subList(cut(log, log.size() * k / n), cut(log, log.size() * (k + 1) / n)));
    }
    send(parts);
  }

  /** The first index at or after {@code at} that follows a seal (or the end of the log). */
  private static int cut(List<GraphLogRecord> log, int at) {
    int i = at;
    while (i > 0 && i < log.size() && !(log.get(i - 1).getEntry() instanceof Seal)) {
      i++;
    }
    return i;
  }

  /** Sends {@code parts.get(g)} of every graph g, interleaved at random. */
  void send(List<List<GraphLogRecord>> parts) {
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    List<String> owners = new ArrayList<>();
    List<Boolean> events = new ArrayList<>();
    int[] next = new int[parts.size()];
    List<Integer> open = new ArrayList<>();
    for (int g = 0; g < parts.size(); g++) {
      if (!parts.get(g).isEmpty()) {
        open.add(g);
      }
    }
    while (!open.isEmpty()) {
      int g = open.get(random.nextInt(open.size()));
      GraphLogRecord record = parts.get(g).get(next[g]++);
      String graph = workloads.get(g).graph;
      records.add(rig.logRecord(partitionOf(g), graph, record));
      owners.add(graph);
      events.add(!(record.getEntry() instanceof Seal));
      if (next[g] == parts.get(g).size()) {
        open.remove(Integer.valueOf(g));
      }
    }
    List<RecordMetadata> sent = rig.sendAll(records);
    for (int i = 0; i < sent.size(); i++) {
      if (events.get(i)) {
        lastEventOffset.put(owners.get(i), sent.get(i).offset());
      }
    }
  }

  /**
   * Every graph is its workload applied exactly once, and its dead letters and commit notices are
   * exactly once for {@code read_committed} consumers.
   */
  void assertExactlyOnce() {
    for (int g = 0; g < workloads.size(); g++) {
      Workload w = workloads.get(g);
      Proofs.assertExactlyOnce(rig, w, partitionOf(g), lastEventOffset.get(w.graph));
    }
    Proofs.assertSideOutputsExactlyOnce(rig, workloads);
  }
}
