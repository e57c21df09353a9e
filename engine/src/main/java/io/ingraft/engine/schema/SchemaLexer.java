package io.ingraft.engine.schema;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a {@code .pg} source into tokens with 1-based line and column (in code points). Words are
 * not classified here: {@code node}, {@code String} or {@code enum} are keywords only where the
 * parser expects them, so they stay usable as property names.
 */
final class SchemaLexer {
  enum Kind {
    NAME,
    NUMBER,
    LBRACE,
    RBRACE,
    LPAREN,
    RPAREN,
    LBRACKET,
    RBRACKET,
    COLON,
    QUESTION,
    COMMA,
    AT,
    ARROW,
    RANGE,
    STAR,
    END
  }

  /** One token; {@code text} is the exact source text (empty for {@link Kind#END}). */
  record Token(Kind kind, String text, int line, int column) {
    boolean is(Kind expected) {
      return kind == expected;
    }

    boolean isWord(String word) {
      return kind == Kind.NAME && text.equals(word);
    }

    String position() {
      return line + ":" + column;
    }

    /** The token for an error message: {@code 'age'}, {@code '{'} or {@code end of input}. */
    String describe() {
      if (kind == Kind.END) {
        return "end of input";
      }
      return "'" + (text.length() > 40 ? text.substring(0, 40) + "..." : text) + "'";
    }
  }

  private final String source;
  private final List<Token> tokens = new ArrayList<>();
  private int index;
  private int line = 1;
  private int column = 1;

  private SchemaLexer(String source) {
    this.source = source;
  }

  /**
   * @throws SchemaParseException on a stray character or an unterminated block comment
   */
  static List<Token> tokenize(String source) {
    SchemaLexer lexer = new SchemaLexer(source);
    lexer.run();
    return lexer.tokens;
  }

  /** The line and column just after {@code prefix}: where the next character would be. */
  static int[] positionAfter(String prefix) {
    SchemaLexer lexer = new SchemaLexer(prefix);
    lexer.index = prefix.startsWith("\uFEFF") ? 1 : 0;
    lexer.advance(prefix.length() - lexer.index);
    return new int[] {lexer.line, lexer.column};
  }

  private void run() {
    // A byte-order mark is not part of the text; editors on some platforms add one.
    if (source.startsWith("\uFEFF")) {
      index = 1;
    }
    while (true) {
      skipSpaceAndComments();
      if (index >= source.length()) {
        tokens.add(new Token(Kind.END, "", line, column));
        return;
      }
      char c = source.charAt(index);
      if (isWordStart(c)) {
        int end = index + 1;
        while (end < source.length() && isWordPart(source.charAt(end))) {
          end++;
        }
        emit(Kind.NAME, end - index);
      } else if (c >= '0' && c <= '9') {
        int end = index + 1;
        while (end < source.length() && isDigit(source.charAt(end))) {
          end++;
        }
        emit(Kind.NUMBER, end - index);
      } else if (c == '-' && next() == '>') {
        emit(Kind.ARROW, 2);
      } else if (c == '.' && next() == '.') {
        emit(Kind.RANGE, 2);
      } else {
        Kind kind = single(c);
        if (kind == null) {
          throw new SchemaParseException(
              line,
              column,
              "unexpected character "
                  + describeChar()
                  + (c == '-' ? "; did you mean '->'?" : c == '.' ? "; did you mean '..'?" : ""));
        }
        emit(kind, 1);
      }
    }
  }

  private static Kind single(char c) {
    switch (c) {
      case '{':
        return Kind.LBRACE;
      case '}':
        return Kind.RBRACE;
      case '(':
        return Kind.LPAREN;
      case ')':
        return Kind.RPAREN;
      case '[':
        return Kind.LBRACKET;
      case ']':
        return Kind.RBRACKET;
      case ':':
        return Kind.COLON;
      case '?':
        return Kind.QUESTION;
      case ',':
        return Kind.COMMA;
      case '@':
        return Kind.AT;
      case '*':
        return Kind.STAR;
      default:
        return null;
    }
  }

  private void skipSpaceAndComments() {
    while (index < source.length()) {
      char c = source.charAt(index);
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
        advance(1);
      } else if (c == '/' && next() == '/') {
        int end = index;
        while (end < source.length() && source.charAt(end) != '\n' && source.charAt(end) != '\r') {
          end++;
        }
        advance(end - index);
      } else if (c == '/' && next() == '*') {
        int close = source.indexOf("*/", index + 2);
        if (close < 0) {
          throw new SchemaParseException(line, column, "unterminated block comment");
        }
        advance(close + 2 - index);
      } else {
        return;
      }
    }
  }

  private char next() {
    return index + 1 < source.length() ? source.charAt(index + 1) : '\0';
  }

  private void emit(Kind kind, int length) {
    tokens.add(new Token(kind, source.substring(index, index + length), line, column));
    advance(length);
  }

  /** Moves over {@code count} chars, counting lines ({@code \n}, {@code \r\n}, {@code \r}). */
  private void advance(int count) {
    int end = index + count;
    while (index < end) {
      char c = source.charAt(index);
      if (c == '\n'
          || (c == '\r' && (index + 1 >= source.length() || source.charAt(index + 1) != '\n'))) {
        line++;
        column = 1;
      } else if (!(Character.isHighSurrogate(c)
              && index + 1 < source.length()
              && Character.isLowSurrogate(source.charAt(index + 1)))
          && c != '\r') {
        column++; // A surrogate pair counts once, at its low half; a \r before \n not at all.
      }
      index++;
    }
  }

  private String describeChar() {
    int cp = source.codePointAt(index);
    String hex = String.format("U+%04X", cp);
    if (cp > 0x20 && cp < 0x7f) {
      return "'" + (char) cp + "'";
    }
    if (Character.isISOControl(cp) || Character.isWhitespace(cp) || !Character.isDefined(cp)) {
      return hex;
    }
    return "'" + new String(Character.toChars(cp)) + "' (" + hex + ")";
  }

  private static boolean isWordStart(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
  }

  private static boolean isWordPart(char c) {
    return isWordStart(c) || isDigit(c);
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }
}
