package io.ingraft.it.proof;

import io.ingraft.events.GraphLogCodec;
import io.ingraft.events.avro.GraphEvent;
import io.ingraft.events.avro.GraphLogRecord;
import io.ingraft.events.avro.LoadBody;
import io.ingraft.events.avro.LoadMode;
import io.ingraft.events.avro.MutationBody;
import io.ingraft.events.avro.Op;
import io.ingraft.events.avro.OpKind;
import io.ingraft.events.avro.SchemaBody;
import io.ingraft.events.avro.SealReason;
import io.ingraft.it.model.PersonGraphModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * One graph's generated events (a schema event first, then upserts, updates, deletes with their
 * cascades, edge inserts and deletes, append loads and a few events meant to be rejected) and the
 * {@link PersonGraphModel} they must come to when applied exactly once, in order.
 *
 * <p>Doubling shows: an upsert re-applied after later events brings back an old {@code n}, a
 * re-applied append load collides with its own keys ({@code KEY_COLLISION}, a dead letter the test
 * does not expect), and the manifests' applied-event counts add up to more than {@link #applied()}.
 * Loss shows as a missing node, edge or value.
 *
 * <p>Loads only add fresh keys that no mutation ever touches, so they commute with the mutations: a
 * graph's loads may travel on a different topic ({@code ingraft.loads}) than its mutations, and
 * stage 1 keeps order only within a source partition.
 */
final class Workload {
  /** Upserts pick among this many names, so the last write wins again and again. */
  private static final int NAMES = 40;

  final String graph;

  /** The events in the order the graph must apply them; the first is the schema event. */
  final List<GraphEvent> events = new ArrayList<>();

  final PersonGraphModel model = new PersonGraphModel();

  /** Ids of the events the engine must reject (updates of persons that never existed). */
  final Set<String> rejected = new HashSet<>();

  /** Names mutations may touch (never the loaded ones). */
  private final List<String> live = new ArrayList<>();

  private Workload(String graph) {
    this.graph = graph;
  }

  /** {@code count} random events after the schema event. */
  static Workload generate(String graph, int count, Random random) {
    Workload w = new Workload(graph);
    w.events.add(schemaEvent(graph, graph + "-schema", PersonGraphModel.SCHEMA));
    for (int i = 0; i < count; i++) {
      w.events.add(w.next(i, random));
    }
    return w;
  }

  /** Events the engine applies (all but the rejected ones). */
  long applied() {
    return events.size() - rejected.size();
  }

  static boolean isLoad(GraphEvent event) {
    return event.getBody() instanceof LoadBody;
  }

  /**
   * The graph log of this workload as stage 1 would write it: each event followed, at random batch
   * boundaries of at most {@code maxBatch} events, by the seal that closes its batch; the schema
   * event alone in its batch.
   */
  List<GraphLogRecord> graphLog(int maxBatch, Random random) {
    List<GraphLogRecord> log = new ArrayList<>();
    long sequence = 0;
    log.add(GraphLogCodec.logged(events.get(0), "ingraft.mutations", 0, 0));
    log.add(GraphLogCodec.seal(graph, ++sequence, 1, SealReason.SCHEMA));
    int open = 0;
    int nextSeal = 1 + random.nextInt(maxBatch);
    for (int i = 1; i < events.size(); i++) {
      log.add(GraphLogCodec.logged(events.get(i), "ingraft.mutations", 0, i));
      open++;
      if (open == nextSeal || i == events.size() - 1) {
        log.add(GraphLogCodec.seal(graph, ++sequence, open, SealReason.COUNT));
        open = 0;
        nextSeal = 1 + random.nextInt(maxBatch);
      }
    }
    return log;
  }

  private GraphEvent next(int i, Random random) {
    String id = graph + "-" + i;
    long n = i;
    int roll = random.nextInt(100);
    if (roll < 3) {
      rejected.add(id);
      return mutation(graph, id, update("Person", "ghost-" + i, "n", n));
    }
    if (roll < 10) {
      // Fresh keys: applying this load twice is a KEY_COLLISION rejection.
      String a = "load" + i + "a";
      String b = "load" + i + "b";
      model.upsert(a, n);
      model.upsert(b, null);
      return load(
          graph,
          id,
          LoadMode.APPEND,
          Map.of("Person", List.of(props("name", a, "n", n), props("name", b))));
    }
    if (roll < 18 && !live.isEmpty()) {
      String name = pick(live, random);
      model.delete(name);
      live.remove(name);
      return mutation(graph, id, deleteNode("Person", name));
    }
    if (roll < 33 && !live.isEmpty()) {
      String name = pick(live, random);
      model.update(name, n);
      return mutation(graph, id, update("Person", name, "n", n));
    }
    if (roll < 53 && live.size() >= 2) {
      String from = pick(live, random);
      String to = pick(live, random);
      while (to.equals(from)) {
        to = pick(live, random);
      }
      model.edge("e" + i, from, to);
      return mutation(graph, id, edge("Knows", "e" + i, from, to));
    }
    if (roll < 60 && !model.knows.isEmpty()) {
      String edgeId = pick(model.edgeIds(), random);
      model.deleteEdge(edgeId);
      return mutation(graph, id, deleteEdge("Knows", edgeId));
    }
    // An upsert of one of few names (the last one wins), sometimes with an edge in the event.
    String name = "p" + random.nextInt(NAMES);
    List<Op> ops = new ArrayList<>();
    ops.add(upsert("Person", "name", name, "n", n));
    model.upsert(name, n);
    if (!live.contains(name)) {
      live.add(name);
    }
    if (random.nextBoolean() && live.size() >= 2) {
      String to = pick(live, random);
      if (!to.equals(name)) {
        model.edge("e" + i + "u", name, to);
        ops.add(edge("Knows", "e" + i + "u", name, to));
      }
    }
    return mutation(graph, id, ops.toArray(Op[]::new));
  }

  private static String pick(List<String> from, Random random) {
    return from.get(random.nextInt(from.size()));
  }

  // ---------------------------------------------------------------------------------------------
  // Avro events

  static GraphEvent schemaEvent(String graph, String id, String source) {
    return GraphEvent.newBuilder()
        .setGraph(graph)
        .setEventId(id)
        .setTimestamp(System.currentTimeMillis())
        .setBody(new SchemaBody(source))
        .build();
  }

  static GraphEvent mutation(String graph, String id, Op... ops) {
    return GraphEvent.newBuilder()
        .setGraph(graph)
        .setEventId(id)
        .setTimestamp(System.currentTimeMillis())
        .setBody(new MutationBody(Arrays.asList(ops)))
        .build();
  }

  static GraphEvent load(
      String graph, String id, LoadMode mode, Map<String, List<Map<String, Object>>> nodes) {
    // The constructor, not the builder: the builder resolves field defaults through Avro's class
    // allow-list, which does not trust the generated classes.
    return GraphEvent.newBuilder()
        .setGraph(graph)
        .setEventId(id)
        .setTimestamp(System.currentTimeMillis())
        .setBody(new LoadBody(mode, nodes, Map.of(), null))
        .build();
  }

  static Op upsert(String type, Object... props) {
    return Op.newBuilder().setOp(OpKind.UPSERT_NODE).setType(type).setProps(props(props)).build();
  }

  static Op update(String type, Object key, Object... set) {
    return Op.newBuilder()
        .setOp(OpKind.UPDATE_NODE)
        .setType(type)
        .setKey(key)
        .setSet(props(set))
        .build();
  }

  static Op deleteNode(String type, Object key) {
    return Op.newBuilder().setOp(OpKind.DELETE_NODE).setType(type).setKey(key).build();
  }

  static Op edge(String type, String id, Object from, Object to) {
    return Op.newBuilder()
        .setOp(OpKind.INSERT_EDGE)
        .setType(type)
        .setId(id)
        .setFrom(from)
        .setTo(to)
        .build();
  }

  static Op deleteEdge(String type, String id) {
    return Op.newBuilder().setOp(OpKind.DELETE_EDGE).setType(type).setId(id).build();
  }

  static Map<String, Object> props(Object... namesAndValues) {
    Map<String, Object> props = new LinkedHashMap<>();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      props.put((String) namesAndValues[i], namesAndValues[i + 1]);
    }
    return props;
  }
}
