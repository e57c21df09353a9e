package io.ingraft.events;

import org.apache.avro.Schema;

/**
 * The two calls of a Confluent-compatible schema registry that the Confluent wire format needs.
 * Implementations cache: ids and schemas never change once assigned. {@link RestSchemaRegistry}
 * speaks the REST API; tests may use an in-memory map.
 */
public interface SchemaRegistry {
  /**
   * Registers {@code schema} under {@code subject} (or finds it there) and returns its id.
   *
   * @throws SchemaRegistryException if the registry is unreachable or refuses the schema
   */
  int register(String subject, Schema schema);

  /**
   * The schema with this id.
   *
   * @throws SchemaRegistryException NOT_FOUND for an unknown id, or another kind on failure
   */
  Schema schemaById(int id);
}
