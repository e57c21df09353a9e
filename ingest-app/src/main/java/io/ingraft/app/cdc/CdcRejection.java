package io.ingraft.app.cdc;

/**
 * Why stage 1 dead-lettered a record of a CDC change topic (the {@code ingraft.reason.code} header;
 * docs/cdc.md lists them). The names go to dashboards, so they are only ever added to.
 */
public enum CdcRejection {
  /** Not a Debezium change event or transaction record: bad JSON, no envelope, a missing field. */
  CDC_NOT_A_CHANGE_EVENT,
  /** Confluent-framed Avro and no schema registry configured, or bytes in no known format. */
  CDC_UNSUPPORTED_FORMAT,
  /** The registry does not know the record's schema id, or the schema is not Avro. */
  CDC_UNKNOWN_SCHEMA,
  /** The change is for a table the mapping does not map. */
  CDC_UNMAPPED_TABLE,
  /** A key column (or the graph column) is missing or null in the row image. */
  CDC_MISSING_KEY,
  /** The graph column's value is not a valid graph id. */
  CDC_BAD_GRAPH_ID,
  /** A column's value does not fit its property's type (the message names both). */
  CDC_BAD_VALUE,
  /** A column has a Debezium type Ingraft does not convert (geometries, for example). */
  CDC_UNSUPPORTED_TYPE;
}
