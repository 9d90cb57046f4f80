package org.longattn.datasets;

/**
 * A user-input error (bad table, bad flag, existing output). Its message is one line naming the
 * document, position and column where they apply, e.g. {@code doc 'd3' pos 17 column 'k': NaN at
 * index 5}; the CLI prints only {@link #getMessage()} and exits with status 2.
 */
public class InputException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** A user error; control characters in {@code message} are escaped ({@link #oneLine}). */
  public InputException(String message) {
    super(oneLine(message));
  }

  /**
   * {@code s} on one line: line breaks and tabs are written as {@code \\n}, {@code \\r}, {@code
   * \\t}; other control characters and the Unicode line separators and bidirectional controls
   * (which reorder what a terminal shows) as a backslash, {@code u} and four hex digits. A document
   * id or file name can then never split a message or disguise it. Other characters, backslashes
   * included, are kept: escaping an escaped string changes nothing.
   */
  public static String oneLine(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder b = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      String e =
          switch (c) {
            case '\n' -> "\\n";
            case '\r' -> "\\r";
            case '\t' -> "\\t";
            default -> isControl(c) ? String.format("\\u%04x", (int) c) : null;
          };
      if (e != null && b == null) {
        b = new StringBuilder(s.length() + 16).append(s, 0, i);
      }
      if (b != null) {
        if (e != null) {
          b.append(e);
        } else {
          b.append(c);
        }
      }
    }
    return b == null ? s : b.toString();
  }

  private static boolean isControl(char c) {
    return c < 0x20
        || (c >= 0x7f && c <= 0x9f)
        || c == '\u2028'
        || c == '\u2029'
        || (c >= '\u202a' && c <= '\u202e')
        || (c >= '\u2066' && c <= '\u2069')
        || c == '\u200e'
        || c == '\u200f';
  }

  /** Prefix of row-level messages: {@code doc 'D' pos P column 'C': }. */
  public static String where(String docId, int pos, String column) {
    return "doc '" + docId + "' pos " + pos + " column '" + column + "': ";
  }
}
