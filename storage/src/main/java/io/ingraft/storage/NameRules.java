package io.ingraft.storage;

/**
 * The two naming rules of the storage layout, as plain loops rather than regular expressions: every
 * event's graph id and every operation's type name is checked, and a regex match allocates a
 * matcher each time. Graph ids are {@code [a-z0-9][a-z0-9._-]{0,127}}, type and property names
 * {@code [A-Za-z][A-Za-z0-9_]{0,127}}.
 */
final class NameRules {
  static final String GRAPH_ID = "[a-z0-9][a-z0-9._-]{0,127}";
  static final String NAME = "[A-Za-z][A-Za-z0-9_]{0,127}";
  private static final int MAX_LENGTH = 128;

  private NameRules() {}

  static boolean isGraphId(String value) {
    int length = value == null ? 0 : value.length();
    if (length == 0 || length > MAX_LENGTH) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      char c = value.charAt(i);
      boolean allowed =
          (c >= 'a' && c <= 'z')
              || (c >= '0' && c <= '9')
              || (i > 0 && (c == '.' || c == '_' || c == '-'));
      if (!allowed) {
        return false;
      }
    }
    return true;
  }

  static boolean isName(String value) {
    int length = value == null ? 0 : value.length();
    if (length == 0 || length > MAX_LENGTH) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      char c = value.charAt(i);
      boolean allowed =
          (c >= 'A' && c <= 'Z')
              || (c >= 'a' && c <= 'z')
              || (i > 0 && ((c >= '0' && c <= '9') || c == '_'));
      if (!allowed) {
        return false;
      }
    }
    return true;
  }
}
