package io.ingraft.engine.write;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Builds Lance (DataFusion) filter predicates from key values. Column names are back-quoted
 * because edge tables have columns named {@code from} and {@code to}, which are SQL keywords;
 * string literals double their single quotes.
 */
public final class SqlLiterals {
  /** Keys per IN list: long lists cost parse time of their own (docs/storage.md, "Lance 7.0.0 facts"). */
  static final int CHUNK = 1000;

  private SqlLiterals() {
  }

  public static String column(String name) {
    return "`" + name + "`";
  }

  public static String literal(Object value) {
    if (value instanceof Number n) {
      return n.toString();
    }
    return "'" + value.toString().replace("'", "''") + "'";
  }

  /** {@code `column` IN (...)} predicates, one per chunk of at most {@link #CHUNK} values. */
  static List<String> inChunks(String column, Collection<?> values) {
    List<String> predicates = new ArrayList<>();
    StringBuilder sb = null;
    int n = 0;
    for (Object value : values) {
      if (sb == null) {
        sb = new StringBuilder(column(column)).append(" IN (");
      } else {
        sb.append(", ");
      }
      sb.append(literal(value));
      if (++n == CHUNK) {
        predicates.add(sb.append(')').toString());
        sb = null;
        n = 0;
      }
    }
    if (sb != null) {
      predicates.add(sb.append(')').toString());
    }
    return predicates;
  }
}
