package org.longattn.kernels;

/**
 * The hot operations of linear attention on a state (S, z) (DESIGN §3), for one head: flat
 * row-major arrays, row r of an array at {@code a[off + r·stride .. + width)}; S is m × dv
 * row-major, z has m values. Implementations: {@code java} ({@link
 * org.longattn.kernels.cpu.JavaLinearBackend}, Vector API) and {@code opencl} ({@link
 * org.longattn.kernels.opencl.OpenClLinearBackend}, Aparapi); pick one with {@link
 * Backends#linear}. Each method's result depends on its inputs only (a fixed summation order per
 * implementation), so a job's output is the same for any partitioning.
 */
public interface LinearAttentionBackend extends AutoCloseable {
  /** {@code java} or {@code opencl}. */
  String name();

  /** The device that runs the operations, in words. */
  String device();

  /** S += Σ_j φ_j v_jᵀ, z += Σ_j φ_j over n rows (Φ: n × m, V: n × dv). */
  void accumulate(
      float[] phi,
      int pOff,
      int pStride,
      float[] v,
      int vOff,
      int vStride,
      int n,
      int m,
      int dv,
      float[] s,
      float[] z);

  /** out_r = φ_rᵀS / φ_r·z for n rows (zeros where φ_r·z = 0). */
  void apply(
      float[] phi,
      int pOff,
      int pStride,
      int n,
      int m,
      int dv,
      float[] s,
      float[] z,
      float[] out,
      int oOff,
      int oStride);

  /**
   * Causal outputs of one block of n tokens, (S, z) = the state of every key before the block:
   * out_r = (φ_rᵀS + Σ_{j≤r} (φ_r·ψ_j) v_j) / (φ_r·z + Σ_{j≤r} φ_r·ψ_j), Φ query features, Ψ key
   * features, V values of the block.
   */
  void applyCausal(
      float[] phi,
      int pOff,
      int pStride,
      float[] psi,
      int kOff,
      int kStride,
      float[] v,
      int vOff,
      int vStride,
      int n,
      int m,
      int dv,
      float[] s,
      float[] z,
      float[] out,
      int oOff,
      int oStride);

  @Override
  void close();
}
