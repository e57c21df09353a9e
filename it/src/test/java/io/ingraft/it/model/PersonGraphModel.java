package io.ingraft.it.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The reference model of one test graph ({@code Person{name, n}} nodes, {@code Knows} edges), as
 * plain maps: what the graph must be after its events are applied exactly once, in log order.
 * {@link #export()} writes it in the engine's export format (nodes by key, then edges by id,
 * properties by name, nulls left out), so a graph is checked with one string comparison. Shared by
 * the writer crash test and the proof suites.
 */
public final class PersonGraphModel {
  public static final String SCHEMA =
      """
      node Person {
        name: String @key
        n: I64?
      }
      edge Knows: Person -> Person
      """;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Person name to its {@code n} (null when unset). */
  public final TreeMap<String, Long> persons = new TreeMap<>();

  /** Knows edge id to {from, to}. */
  public final TreeMap<String, String[]> knows = new TreeMap<>();

  public void upsert(String name, Long n) {
    persons.put(name, n);
  }

  public void update(String name, Long n) {
    if (!persons.containsKey(name)) {
      throw new IllegalStateException("the generator updates existing persons only");
    }
    persons.put(name, n);
  }

  /** Deletes a person and every edge touching it; a missing person is a no-op. */
  public void delete(String name) {
    persons.remove(name);
    knows.values().removeIf(e -> e[0].equals(name) || e[1].equals(name));
  }

  public void edge(String id, String from, String to) {
    knows.put(id, new String[] {from, to});
  }

  public void deleteEdge(String id) {
    knows.remove(id);
  }

  public List<String> names() {
    return new ArrayList<>(persons.keySet());
  }

  public List<String> edgeIds() {
    return new ArrayList<>(knows.keySet());
  }

  public String export() {
    StringBuilder out = new StringBuilder();
    try {
      for (Map.Entry<String, Long> person : persons.entrySet()) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("kind", "node");
        line.put("type", "Person");
        line.put("key", person.getKey());
        Map<String, Object> props = new TreeMap<>();
        if (person.getValue() != null) {
          props.put("n", person.getValue());
        }
        line.put("props", props);
        out.append(JSON.writeValueAsString(line)).append('\n');
      }
      for (Map.Entry<String, String[]> edge : knows.entrySet()) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("kind", "edge");
        line.put("type", "Knows");
        line.put("id", edge.getKey());
        line.put("from", edge.getValue()[0]);
        line.put("to", edge.getValue()[1]);
        line.put("props", Map.of());
        out.append(JSON.writeValueAsString(line)).append('\n');
      }
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    return out.toString();
  }
}
