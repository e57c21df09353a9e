package io.ingraft.engine.schema;

import io.ingraft.storage.TableKey;
import io.ingraft.storage.TypeName;
import java.util.List;
import java.util.Objects;

/**
 * A change between two schema versions that {@link SchemaEvolution} accepts because no stored row
 * becomes invalid: a new node or edge type (a new, empty table), a new nullable property (a new
 * column, null in existing rows), or new values in an enum. Each names the table it affects.
 */
public sealed interface SchemaChange {
  /** The table this change creates or alters. */
  TableKey table();

  /** A node type that the old schema did not have. */
  record AddedNodeType(TypeName type) implements SchemaChange {
    public AddedNodeType {
      Objects.requireNonNull(type, "type");
    }

    @Override
    public TableKey table() {
      return TableKey.node(type);
    }
  }

  /** An edge type that the old schema did not have. */
  record AddedEdgeType(TypeName type) implements SchemaChange {
    public AddedEdgeType {
      Objects.requireNonNull(type, "type");
    }

    @Override
    public TableKey table() {
      return TableKey.edge(type);
    }
  }

  /** A nullable property added to an existing type; it becomes the table's last column. */
  record AddedProperty(TableKey table, Property property) implements SchemaChange {
    public AddedProperty {
      Objects.requireNonNull(table, "table");
      Objects.requireNonNull(property, "property");
    }
  }

  /** Values added to an enum property (or to the enum elements of a list property). */
  record ExtendedEnum(TableKey table, String property, List<String> addedValues)
      implements SchemaChange {
    public ExtendedEnum {
      Objects.requireNonNull(table, "table");
      Objects.requireNonNull(property, "property");
      addedValues = List.copyOf(addedValues);
    }
  }
}
