package io.ingraft.engine.schema;

/**
 * Whether a Java string is valid Unicode: one with a lone UTF-16 surrogate (which JSON can express
 * as {@code "\\ud800"}) has no UTF-8 form, so Arrow would store a replacement character instead and
 * a filter would never find it. Such text is refused where it comes in.
 */
public final class UnicodeText {
  private UnicodeText() {}

  /** The index of the first unpaired surrogate of {@code s}, or -1 if it is valid Unicode. */
  public static int loneSurrogate(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return i;
      }
    }
    return -1;
  }
}
