package org.longattn.datasets;

/** One decoded, validated token row: q and k hold heads·d values, v heads·dv, head-major. */
public record TokenRecord(String docId, int pos, float[] q, float[] k, float[] v, boolean global) {}
