package io.ingraft.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ingraft.events.avro.CommitNotice;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Reads and writes the change feed {@code ingraft.commits}: one {@link CommitNotice} per published
 * manifest version, for consumers that follow a graph's versions. Avro single-object encoding and
 * JSON; nullable fields are omitted from the JSON when null. Decoding throws nothing but {@link
 * EventDecodeException}. Thread-safe.
 */
public final class CommitNoticeCodec {
  private static final Set<String> FIELDS =
      Set.of(
          "graph",
          "manifestVersion",
          "applied",
          "rejected",
          "skipped",
          "firstOffset",
          "lastOffset",
          "tables",
          "freshnessMs",
          "publishedAt",
          "kind",
          "recovered");

  private final AvroBinary<CommitNotice> avro =
      new AvroBinary<>(CommitNotice.getClassSchema(), CommitNotice.getEncoder());
  private final StrictJson json = new StrictJson();

  /**
   * Decodes a commit notice value (Avro single-object or JSON).
   *
   * @throws EventDecodeException for any input that is not a valid commit notice
   */
  public CommitNotice decode(byte[] value) {
    EventFormat format =
        EventFormat.detect(value).orElseThrow(() -> GraphEventCodec.notAnEvent(value));
    CommitNotice notice =
        switch (format) {
          case AVRO -> avro.decodeSingleObject(value);
          case JSON -> read(json.parseObject(value));
          case CONFLUENT ->
              throw new EventDecodeException(
                  DecodeError.UNSUPPORTED_FORMAT,
                  "",
                  "commit notices are Avro single-object or JSON, not the Confluent wire format");
        };
    check(notice);
    return notice;
  }

  /**
   * Encodes {@code notice} as Avro single-object or JSON.
   *
   * @throws IllegalArgumentException for the Confluent format or a notice that breaks a rule
   */
  public byte[] encode(CommitNotice notice, EventFormat format) {
    Objects.requireNonNull(notice, "notice");
    try {
      check(notice);
    } catch (EventDecodeException e) {
      throw new IllegalArgumentException("invalid commit notice: " + e.getMessage(), e);
    }
    return switch (format) {
      case AVRO -> avro.encodeSingleObject(notice);
      case JSON -> json.write(write(notice));
      case CONFLUENT ->
          throw new IllegalArgumentException(
              "commit notices are written as Avro single-object or JSON");
    };
  }

  private static CommitNotice read(ObjectNode root) {
    JsonFields fields = JsonFields.of(root, "");
    fields.allowOnly(FIELDS, "a commit notice");
    Map<String, Long> tables = new LinkedHashMap<>();
    JsonFields tableFields = JsonFields.of(fields.required("tables"), "tables");
    for (Map.Entry<String, JsonNode> table : tableFields.node().properties()) {
      tables.put(
          table.getKey(), JsonFields.integer(table.getValue(), tableFields.at(table.getKey())));
    }
    return CommitNotice.newBuilder()
        .setGraph(fields.requiredString("graph"))
        .setManifestVersion(fields.requiredLong("manifestVersion"))
        .setApplied(fields.requiredInt("applied"))
        .setRejected(fields.requiredInt("rejected"))
        .setSkipped(fields.requiredInt("skipped"))
        .setFirstOffset(fields.optionalLong("firstOffset"))
        .setLastOffset(fields.optionalLong("lastOffset"))
        .setTables(tables)
        .setFreshnessMs(fields.optionalLong("freshnessMs"))
        .setPublishedAt(fields.requiredLong("publishedAt"))
        .setKind(root.has("kind") ? fields.requiredString("kind") : "MUTATION")
        .setRecovered(root.has("recovered") && root.get("recovered").asBoolean())
        .build();
  }

  private static ObjectNode write(CommitNotice notice) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    out.put("graph", notice.getGraph());
    out.put("manifestVersion", notice.getManifestVersion());
    out.put("applied", notice.getApplied());
    out.put("rejected", notice.getRejected());
    out.put("skipped", notice.getSkipped());
    putIfSet(out, "firstOffset", notice.getFirstOffset());
    putIfSet(out, "lastOffset", notice.getLastOffset());
    ObjectNode tables = out.putObject("tables");
    notice.getTables().forEach(tables::put);
    putIfSet(out, "freshnessMs", notice.getFreshnessMs());
    out.put("publishedAt", notice.getPublishedAt());
    out.put("kind", notice.getKind());
    out.put("recovered", notice.getRecovered());
    return out;
  }

  private static void putIfSet(ObjectNode out, String field, Long value) {
    if (value != null) {
      out.put(field, value);
    }
  }

  private static void check(CommitNotice notice) {
    GraphEventRules.graphId(notice.getGraph(), "graph");
    GraphLogCodec.nonNegative(notice.getManifestVersion(), "manifestVersion");
    GraphLogCodec.nonNegative(notice.getApplied(), "applied");
    GraphLogCodec.nonNegative(notice.getRejected(), "rejected");
    GraphLogCodec.nonNegative(notice.getSkipped(), "skipped");
    if (notice.getFirstOffset() != null) {
      GraphLogCodec.nonNegative(notice.getFirstOffset(), "firstOffset");
    }
    if (notice.getLastOffset() != null) {
      GraphLogCodec.nonNegative(notice.getLastOffset(), "lastOffset");
      if (notice.getFirstOffset() != null && notice.getLastOffset() < notice.getFirstOffset()) {
        throw GraphEventRules.bad(
            "lastOffset",
            "lastOffset "
                + notice.getLastOffset()
                + " is before firstOffset "
                + notice.getFirstOffset());
      }
    }
    if (notice.getTables() == null) {
      throw GraphEventRules.missing("tables", "tables is missing");
    }
    for (Map.Entry<String, Long> table : notice.getTables().entrySet()) {
      String path = JsonFields.child("tables", String.valueOf(table.getKey()));
      if (table.getKey() == null || table.getKey().isEmpty()) {
        throw GraphEventRules.bad(path, "a table key cannot be empty");
      }
      GraphLogCodec.nonNegative(table.getValue(), path);
    }
    GraphLogCodec.nonNegative(notice.getPublishedAt(), "publishedAt");
  }
}
