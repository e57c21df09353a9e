package io.ingraft.app.cdc;

import io.ingraft.engine.schema.Cardinality;
import io.ingraft.engine.schema.EdgeType;
import io.ingraft.engine.schema.GraphSchema;
import io.ingraft.engine.schema.NodeType;
import io.ingraft.engine.schema.Property;
import io.ingraft.engine.schema.PropertyType;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a graph schema back in the schema language, with new nullable properties appended to a
 * type: the additive change {@code newColumns: evolve} makes for a source column the graph does not
 * have yet. Comments and layout of the original source are not kept; the meaning is.
 */
final class SchemaText {
  private SchemaText() {}

  /** {@code schema} with {@code property: type?} appended to node or edge type {@code type}. */
  static GraphSchema withProperty(
      GraphSchema schema, String type, String property, PropertyType propertyType) {
    StringBuilder out = new StringBuilder();
    for (NodeType node : schema.nodeTypes()) {
      out.append("node ").append(node.name()).append(" {\n");
      for (Property p : node.properties()) {
        out.append("  ").append(p.declaration());
        if (p.name().equals(node.key().name())) {
          out.append(" @key");
        }
        out.append('\n');
      }
      appendIf(out, node.name().value(), type, property, propertyType);
      out.append("}\n");
    }
    for (EdgeType edge : schema.edgeTypes()) {
      out.append("edge ")
          .append(edge.name())
          .append(": ")
          .append(edge.from())
          .append(" -> ")
          .append(edge.to());
      if (!edge.cardinality().equals(Cardinality.ANY)) {
        out.append(" @card(").append(edge.cardinality()).append(')');
      }
      List<String> lines = new ArrayList<>();
      edge.properties().forEach(p -> lines.add("  " + p.declaration() + "\n"));
      StringBuilder added = new StringBuilder();
      appendIf(added, edge.name().value(), type, property, propertyType);
      if (added.length() > 0) {
        lines.add(added.toString());
      }
      if (lines.isEmpty()) {
        out.append('\n');
      } else {
        out.append(" {\n");
        lines.forEach(out::append);
        out.append("}\n");
      }
    }
    return GraphSchema.parse(out.toString());
  }

  private static void appendIf(
      StringBuilder out, String name, String type, String property, PropertyType propertyType) {
    if (name.equals(type)) {
      out.append("  ").append(property).append(": ").append(propertyType).append("?\n");
    }
  }
}
