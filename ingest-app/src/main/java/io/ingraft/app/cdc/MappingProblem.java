package io.ingraft.app.cdc;

/**
 * One problem of a CDC mapping file, at a line and column of the file (1-based; 0 when the problem
 * has no place in the file, such as a graph that does not exist).
 */
public record MappingProblem(int line, int column, String message) {
  @Override
  public String toString() {
    return line + ":" + column + ": " + message;
  }
}
