package org.longattn.datasets.tensors;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Document ids as file names and back: {@code export} writes document D as {@code encode(D).npy},
 * {@code import} reads {@code STEM.q.npy} as document {@code decode(STEM)}. Letters, digits, {@code
 * -}, {@code _} and {@code .} are kept; every other byte of the id's UTF-8 form (a {@code /}, a
 * space, {@code %}, a control character) and a leading {@code .} or {@code _} (which would hide the
 * file from Spark and {@code ls}) are written {@code %XX}. The encoding is one to one, so distinct
 * documents never share a file.
 */
public final class DocFileNames {
  private DocFileNames() {}

  /** The file name stem of a document id; the empty id is {@code %}-free and becomes "%". */
  public static String encode(String docId) {
    StringBuilder b = new StringBuilder();
    byte[] utf8 = docId.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < utf8.length; i++) {
      int c = utf8[i] & 0xff;
      boolean plain =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '-'
              || ((c == '_' || c == '.') && i > 0);
      if (plain) {
        b.append((char) c);
      } else {
        b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)));
        b.append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
      }
    }
    return b.length() == 0 ? "%" : b.toString();
  }

  /**
   * The document id of a file name stem: {@code %XX} sequences decoded (as UTF-8), other characters
   * kept; a lone {@code %} is the empty id. A {@code %} not followed by two hex digits is kept as
   * it is, so names written by hand mean what they say.
   */
  public static String decode(String stem) {
    if (stem.equals("%")) {
      return "";
    }
    if (stem.indexOf('%') < 0) {
      return stem;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] s = stem.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < s.length; i++) {
      int hi = i + 2 < s.length ? Character.digit(s[i + 1], 16) : -1;
      int lo = i + 2 < s.length ? Character.digit(s[i + 2], 16) : -1;
      if (s[i] == '%' && hi >= 0 && lo >= 0) {
        out.write(hi << 4 | lo);
        i += 2;
      } else {
        out.write(s[i]);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
