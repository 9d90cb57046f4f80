package org.longattn.datasets;

import java.io.Serializable;

/**
 * One decoded token row. Vectors are head-major: q and k hold heads × head_dim values (head 0
 * first), v heads × head_dim_v. The arrays are owned by the record (fresh copies, never views of a
 * Spark row); records compare arrays by reference. Serializable with Java serialization; Spark's
 * Kryo cannot build records, so ship blocks of values as {@code byte[]} rather than records.
 */
public record TokenRecord(String docId, int pos, float[] q, float[] k, float[] v, boolean global)
    implements Serializable {}
