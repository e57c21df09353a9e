package io.ingraft.app.cdc;

import io.ingraft.app.AppException;
import java.util.List;

/** A CDC mapping file that cannot be used: every problem found, each with its place. */
public final class InvalidMappingException extends AppException {
  private final String file;
  private final List<MappingProblem> problems;

  public InvalidMappingException(String file, List<MappingProblem> problems) {
    super(
        "CDC mapping "
            + file
            + " has "
            + problems.size()
            + " problem"
            + (problems.size() == 1 ? "" : "s")
            + ":\n"
            + String.join("\n", problems.stream().map(p -> "  " + file + ":" + p).toList()));
    this.file = file;
    this.problems = List.copyOf(problems);
  }

  public String file() {
    return file;
  }

  public List<MappingProblem> problems() {
    return problems;
  }
}
