package io.ingraft.storage.object;

/**
 * The one definition of a valid object key, shared by every store so that a key accepted by the
 * local store is accepted by S3 and the other way round. Keys are relative '/'-separated paths; the
 * rules keep them from escaping the root or aliasing each other on a file system.
 */
final class ObjectKeys {
  /** Name prefix of the local store's in-flight files; never visible as, or inside, a key. */
  static final String TEMP_PREFIX = ".ingraft-tmp-";

  private ObjectKeys() {}

  /** Returns {@code key} if it is valid, else throws {@link InvalidObjectKeyException}. */
  static String requireValid(String key) {
    if (key == null) {
      throw new InvalidObjectKeyException(null, "must not be null");
    }
    if (key.isEmpty()) {
      throw new InvalidObjectKeyException(key, "must not be empty");
    }
    checkCharacters(key);
    checkSegments(key, key.split("/", -1));
    return key;
  }

  /**
   * Returns {@code prefix} if it can be used to list: empty, or a run of valid segments each
   * followed by '/', optionally followed by the start of one more segment.
   */
  static String requireValidPrefix(String prefix) {
    if (prefix == null) {
      throw new InvalidObjectKeyException(null, "prefix must not be null");
    }
    checkCharacters(prefix);
    int lastSlash = prefix.lastIndexOf('/');
    if (lastSlash >= 0) {
      // Only the complete segments are checked: the partial last one is just a name filter.
      checkSegments(prefix, prefix.substring(0, lastSlash).split("/", -1));
    }
    return prefix;
  }

  private static void checkCharacters(String key) {
    if (key.startsWith("/")) {
      throw new InvalidObjectKeyException(key, "must be relative (no leading '/')");
    }
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c == '\\') {
        throw new InvalidObjectKeyException(key, "must not contain a backslash");
      }
      if (Character.isISOControl(c)) {
        throw new InvalidObjectKeyException(key, "must not contain control characters");
      }
    }
  }

  private static void checkSegments(String key, String[] segments) {
    for (String segment : segments) {
      if (segment.isEmpty()) {
        throw new InvalidObjectKeyException(key, "must not contain empty segments");
      }
      if (segment.equals(".") || segment.equals("..")) {
        throw new InvalidObjectKeyException(key, "must not contain '.' or '..' segments");
      }
      if (segment.startsWith(TEMP_PREFIX)) {
        throw new InvalidObjectKeyException(key, "segments must not start with " + TEMP_PREFIX);
      }
    }
  }
}
