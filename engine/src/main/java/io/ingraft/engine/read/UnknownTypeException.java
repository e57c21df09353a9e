package io.ingraft.engine.read;

import io.ingraft.engine.EngineException;

/** A read named a node or edge type the graph's schema does not declare. */
public final class UnknownTypeException extends EngineException {
  private final String graph;
  private final String type;

  public UnknownTypeException(String graph, String type) {
    super("graph " + graph + " has no type '" + type + "'");
    this.graph = graph;
    this.type = type;
  }

  public String graph() {
    return graph;
  }

  public String type() {
    return type;
  }
}
