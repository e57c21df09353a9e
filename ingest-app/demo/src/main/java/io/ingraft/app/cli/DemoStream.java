package io.ingraft.app.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The demo's sample stream for graph {@code social}: a schema, people and companies, KNOWS and
 * WORKS_AT edges, some updates and deletes, and a few bad events that must end on the dead-letter
 * topic. Deterministic (seeded), so every run tells the same story.
 */
final class DemoStream {
  static final String GRAPH = "social";
  static final String SCHEMA =
      """
      node Person {
        name: String @key
        age: I32?
        city: String?
      }
      node Company {
        name: String @key
        industry: enum(software, retail, energy)?
      }
      edge Knows: Person -> Person { since: Date? }
      edge WorksAt: Person -> Company @card(0..1)
      """;
  private static final String[] CITIES = {"Lisbon", "Oslo", "Lagos", "Lima", "Seoul", "Austin"};
  private static final String[] INDUSTRIES = {"software", "retail", "energy"};
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One record to send: its key (null for none) and value bytes. */
  record Record(String key, byte[] value) {}

  private final int people;
  private final int companies;
  private final Random random = new Random(42);
  private final List<Record> records = new ArrayList<>();
  private int nextId;
  private int badEvents;

  DemoStream(int people) {
    this.people = people;
    this.companies = Math.max(5, people / 60);
  }

  static String person(int i) {
    return "person-" + i;
  }

  static String company(int i) {
    return "company-" + i;
  }

  /** Builds the whole stream, in order. */
  List<Record> build() {
    ObjectNode schema = event();
    schema.putObject("schema").put("source", SCHEMA);
    add(schema);
    List<ObjectNode> ops = new ArrayList<>();
    for (int i = 0; i < companies; i++) {
      ObjectNode op = op("upsertNode", "Company");
      op.putObject("props").put("name", company(i)).put("industry", INDUSTRIES[i % 3]);
      ops.add(op);
    }
    flush(ops, 50);
    for (int i = 0; i < people; i++) {
      ObjectNode op = op("upsertNode", "Person");
      op.putObject("props")
          .put("name", person(i))
          .put("age", 18 + random.nextInt(60))
          .put("city", CITIES[random.nextInt(CITIES.length)]);
      ops.add(op);
      flush(ops, 10);
    }
    flush(ops, 1);
    for (int i = 0; i < people; i++) {
      for (int k = 0; k < 2; k++) {
        int j = random.nextInt(people);
        if (j != i) {
          ObjectNode op = op("insertEdge", "Knows").put("from", person(i)).put("to", person(j));
          op.putObject("props")
              .put(
                  "since",
                  "20"
                      + (10 + random.nextInt(15))
                      + "-0"
                      + (1 + random.nextInt(9))
                      + "-1"
                      + random.nextInt(10));
          ops.add(op);
        }
      }
      ObjectNode works =
          op("insertEdge", "WorksAt")
              .put("from", person(i))
              .put("to", company(random.nextInt(companies)));
      ops.add(works);
      flush(ops, 20);
    }
    flush(ops, 1);
    for (int i = 0; i < people / 5; i++) {
      ObjectNode op = op("updateNode", "Person").put("key", person(random.nextInt(people)));
      op.putObject("set").put("age", 18 + random.nextInt(60));
      ops.add(op);
      flush(ops, 10);
    }
    for (int i = 0; i < people / 50; i++) {
      ops.add(op("deleteNode", "Person").put("key", person(people - 1 - i)));
    }
    flush(ops, 1);
    addBad();
    return records;
  }

  /** How many records are deliberately bad (they must reach the dead-letter topic). */
  int badEvents() {
    return badEvents;
  }

  /** How many records are not even events (stage 1 dead-letters them). */
  int undecodable() {
    return 1;
  }

  private void addBad() {
    records.add(new Record(GRAPH, "this is not an event".getBytes(StandardCharsets.UTF_8)));
    ObjectNode unknownGraph =
        JSON.createObjectNode().put("graph", "nowhere").put("eventId", "bad-1");
    unknownGraph
        .putObject("mutation")
        .putArray("ops")
        .add(op("upsertNode", "Person").set("props", JSON.createObjectNode().put("name", "ghost")));
    records.add(new Record("nowhere", bytes(unknownGraph)));
    ObjectNode badValue = event();
    ObjectNode op = op("upsertNode", "Person");
    op.putObject("props").put("name", "mallory").put("age", "very old");
    badValue.putObject("mutation").putArray("ops").add(op);
    add(badValue);
    ObjectNode missingEndpoint = event();
    missingEndpoint
        .putObject("mutation")
        .putArray("ops")
        .add(op("insertEdge", "Knows").put("from", person(0)).put("to", "nobody"));
    add(missingEndpoint);
    ObjectNode secondJob = event();
    secondJob
        .putObject("mutation")
        .putArray("ops")
        .add(
            op("insertEdge", "WorksAt")
                .put("from", person(1))
                .put("to", company(0))
                .put("id", "extra-job"))
        .add(
            op("insertEdge", "WorksAt")
                .put("from", person(1))
                .put("to", company(1))
                .put("id", "extra-job-2"));
    add(secondJob);
    badEvents = 5;
  }

  private void flush(List<ObjectNode> ops, int atLeast) {
    if (ops.size() < atLeast || ops.isEmpty()) {
      return;
    }
    ObjectNode event = event();
    ArrayNode array = event.putObject("mutation").putArray("ops");
    ops.forEach(array::add);
    ops.clear();
    add(event);
  }

  private ObjectNode event() {
    return JSON.createObjectNode()
        .put("graph", GRAPH)
        .put("eventId", "demo-" + (nextId++))
        .put("timestamp", System.currentTimeMillis());
  }

  private static ObjectNode op(String kind, String type) {
    return JSON.createObjectNode().put("op", kind).put("type", type);
  }

  private void add(ObjectNode event) {
    records.add(new Record(GRAPH, bytes(event)));
  }

  private static byte[] bytes(ObjectNode node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
