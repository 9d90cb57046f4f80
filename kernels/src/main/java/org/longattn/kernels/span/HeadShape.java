package org.longattn.kernels.span;

/**
 * How token rows split into heads: q and k rows hold heads·d values, v rows heads·dv, head-major.
 */
public record HeadShape(int heads, int d, int dv) implements java.io.Serializable {
  public HeadShape {
    if (heads < 1 || d < 1 || dv < 1) {
      throw new IllegalArgumentException("bad head shape " + heads + "x" + d + "/" + dv);
    }
  }

  /** Values per q or k row. */
  public int qkWidth() {
    return heads * d;
  }

  /** Values per v (and output) row. */
  public int vWidth() {
    return heads * dv;
  }
}
