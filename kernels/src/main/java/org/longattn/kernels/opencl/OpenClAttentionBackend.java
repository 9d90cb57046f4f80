package org.longattn.kernels.opencl;

import com.aparapi.Kernel;
import com.aparapi.Range;
import com.aparapi.device.Device;
import com.aparapi.device.JavaDevice;
import com.aparapi.device.OpenCLDevice;
import com.aparapi.internal.kernel.KernelManager;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.longattn.kernels.AttentionBackend;
import org.longattn.kernels.KeyRows;
import org.longattn.kernels.QueryRows;
import org.longattn.kernels.ScoreOverflowException;
import org.longattn.kernels.pattern.Band;
import org.longattn.kernels.state.SoftmaxState;

/**
 * The OpenCL backend (Aparapi): the same contract and results as {@code java}, computed by {@link
 * AttentionKernel} on one OpenCL device.
 *
 * <p>Per call: the queries (pre-scaled) and the visible keys of all key blocks, in list order, are
 * copied into dense row-major arrays (strides, offsets and explicit positions resolved on the host;
 * EXCLUDED keys and keys outside the band of every query dropped); the kernel computes one partial
 * state per (query, chunk of {@link #KEYS_PER_CHUNK} keys); the host folds them into {@code acc}
 * with {@link SoftmaxState#mergeRow} in key order. So acc's semantics are exactly those of the
 * merge (rows that see nothing stay the identity bit for bit), and the result depends on the inputs
 * and the key order only.
 *
 * <p>Never runs anywhere but on the OpenCL device: after every launch it checks Aparapi's profile
 * that the kernel executed on that device and that no device failed and no Java fallback (thread
 * pool, sequential, alternative) ran, and throws {@link IllegalStateException} otherwise. The first
 * backend made for a device in a JVM runs a probe launch, so {@link #device()} names a device the
 * kernel has really run on. Not thread-safe: one instance per task thread; {@link #close} returns
 * its kernel to a JVM-wide pool.
 */
public final class OpenClAttentionBackend implements AttentionBackend {
  /** Keys per work-item: one partial state per (query, chunk). */
  static final int KEYS_PER_CHUNK = 128;

  /** Work-group size (≤ 256 everywhere; a multiple of NVIDIA's 32 and AMD's 64). */
  static final int WORK_GROUP = 64;

  private static final Set<OpenCLDevice> PROBED = new HashSet<>();

  private final OpenCLDevice device;
  private final String description;
  private AttentionKernel kernel;
  private SoftmaxState part = SoftmaxState.identity(0, 1);

  /**
   * A backend on OpenCL device {@code deviceIndex} (see {@link OpenClDevices} for the order; −1:
   * the first, a GPU when there is one).
   *
   * @throws IllegalStateException when there is no such device or the kernel cannot run on it
   */
  public OpenClAttentionBackend(int deviceIndex) {
    this.device = OpenClDevices.get(deviceIndex);
    this.description = OpenClDevices.describe(device);
    this.kernel = KernelPool.borrow(device, AttentionKernel.class, AttentionKernel::new);
    probeOnce();
  }

  @Override
  public String name() {
    return "opencl";
  }

  @Override
  public String device() {
    return description;
  }

  @Override
  public void accumulate(
      QueryRows queries,
      List<KeyRows> keys,
      Band band,
      float scale,
      boolean stats,
      SoftmaxState acc) {
    if (kernel == null) {
      throw new IllegalStateException("opencl backend used after close()");
    }
    int nq = queries.n();
    int d = queries.d();
    int dv = acc.dv;
    if (acc.rows != nq) {
      throw new IllegalArgumentException("state rows " + acc.rows + " != queries " + nq);
    }
    for (KeyRows kr : keys) {
      if (kr.d() != d || kr.dv() != dv) {
        throw new IllegalArgumentException("key/value widths differ from queries/state");
      }
    }
    if (nq == 0) {
      return;
    }
    AttentionKernel k = kernel;
    gatherQueries(k, queries, scale);
    int nk = gatherKeys(k, keys, band, queries.position(0), queries.position(nq - 1), d, dv);
    if (nk == 0) {
      return; // acc ⊕ identity = acc
    }
    checkRange(k, nq, nk, d, band);
    int chunks = (nk + KEYS_PER_CHUNK - 1) / KEYS_PER_CHUNK;
    int groups = (dv + AttentionKernel.COLS - 1) / AttentionKernel.COLS;
    int rows = nq * chunks;
    if (part.dv != dv || part.rows < rows) {
      part = SoftmaxState.identity(Math.max(rows, part.dv == dv ? part.rows * 3 / 2 : 0), dv);
    }
    k.nq = nq;
    k.nk = nk;
    k.d = d;
    k.dv = dv;
    k.keysPerChunk = KEYS_PER_CHUNK;
    k.chunks = chunks;
    k.work = rows * groups;
    k.left = band.left();
    k.right = band.right();
    k.dilation = band.dilation();
    k.stats = stats ? 1 : 0;
    k.m = part.m;
    k.l = part.l;
    k.t = part.t;
    k.dsum = part.dsum;
    k.gsum = part.gsum;
    k.o = part.o;
    int global = (k.work + WORK_GROUP - 1) / WORK_GROUP * WORK_GROUP;
    try {
      k.execute(Range.create(device, global, WORK_GROUP));
    } catch (AssertionError e) { // how Aparapi reports a failed build on a user-chosen device
      throw new IllegalStateException(
          "opencl: Aparapi could not run the kernel on " + description + ": " + e.getMessage(), e);
    }
    checkRanOn(k, device, description);
    for (int r = 0; r < nq; r++) {
      for (int c = 0; c < chunks; c++) {
        acc.mergeRow(r, part, c * nq + r);
      }
    }
  }

  /**
   * Throws {@link ScoreOverflowException} when a visible pair has Σ_c |q_c·k_c| above its limit
   * (its float score could overflow): the same rule as the java backend, so both refuse the same
   * input. A bound (max row L1 of q times max |k|) skips the pairwise check almost always.
   */
  private static void checkRange(AttentionKernel k, int nq, int nk, int d, Band band) {
    double qMax = 0;
    for (int r = 0; r < nq; r++) {
      double l1 = 0;
      for (int x = 0; x < d; x++) {
        l1 += Math.abs(k.q[r * d + x]);
      }
      qMax = Math.max(qMax, l1);
    }
    float kMax = 0f;
    for (int i = 0; i < nk * d; i++) {
      kMax = Math.max(kMax, Math.abs(k.k[i]));
    }
    if (qMax * kMax <= ScoreOverflowException.LIMIT) {
      return;
    }
    for (int j = 0; j < nk; j++) {
      for (int r = 0; r < nq; r++) {
        if (!band.allows(k.qPos[r], k.kPos[j])) {
          continue;
        }
        double sum = 0;
        for (int x = 0; x < d; x++) {
          sum += Math.abs((double) k.q[r * d + x] * k.k[j * d + x]);
        }
        if (sum > ScoreOverflowException.LIMIT) {
          throw new ScoreOverflowException(k.qPos[r], k.kPos[j], sum);
        }
      }
    }
  }

  /** q ← scale·queries (dense, d wide), qPos ← their positions. */
  private static void gatherQueries(AttentionKernel k, QueryRows queries, float scale) {
    int nq = queries.n();
    int d = queries.d();
    k.q = ensure(k.q, nq * d);
    k.qPos = ensure(k.qPos, nq);
    float[] src = queries.q();
    for (int r = 0; r < nq; r++) {
      int from = queries.off() + r * queries.stride();
      for (int x = 0; x < d; x++) {
        k.q[r * d + x] = src[from + x] * scale;
      }
      k.qPos[r] = queries.position(r);
    }
  }

  /**
   * Copies the keys some query in [qLo, qHi] may read, in list order, into k, v, kPos, kGlobal.
   *
   * @return their number
   */
  private static int gatherKeys(
      AttentionKernel k, List<KeyRows> keys, Band band, int qLo, int qHi, int d, int dv) {
    int total = 0;
    for (KeyRows kr : keys) {
      total += kr.n();
    }
    k.k = ensure(k.k, total * d);
    k.v = ensure(k.v, total * dv);
    k.kPos = ensure(k.kPos, total);
    k.kGlobal = ensure(k.kGlobal, total);
    int nk = 0;
    for (KeyRows kr : keys) {
      if (kr.n() == 0 || band.allowsNone(qLo, qHi, kr.position(0), kr.position(kr.n() - 1))) {
        continue;
      }
      for (int j = 0; j < kr.n(); j++) {
        byte flag = kr.flag(j);
        int pos = kr.position(j);
        if ((flag & KeyRows.EXCLUDED) != 0 || band.allowsNone(qLo, qHi, pos, pos)) {
          continue;
        }
        System.arraycopy(kr.k(), kr.kOff() + j * kr.kStride(), k.k, nk * d, d);
        System.arraycopy(kr.v(), kr.vOff() + j * kr.vStride(), k.v, nk * dv, dv);
        k.kPos[nk] = pos;
        k.kGlobal[nk] = (flag & KeyRows.GLOBAL) != 0 ? 1 : 0;
        nk++;
      }
    }
    return nk;
  }

  /**
   * The same array when it holds n values, else a larger one (kept across calls: Aparapi reuses the
   * device buffer of an array it has seen).
   */
  private static float[] ensure(float[] a, int n) {
    return a.length >= n ? a : new float[Math.max(n, a.length * 3 / 2)];
  }

  private static int[] ensure(int[] a, int n) {
    return a.length >= n ? a : new int[Math.max(n, a.length * 3 / 2)];
  }

  /**
   * Throws unless {@code kernel}'s launches ran on {@code device}: Aparapi falls back silently (to
   * a Java thread pool, whose results we never accept) when an OpenCL build or launch fails, and
   * {@code isRunningCL()} reports the preferred device, not the one that ran. Its profile (per
   * kernel class) does not lie: the device must have run this thread's launches, no device of the
   * class may be marked failed and no Java device may ever have run it.
   */
  static void checkRanOn(Kernel kernel, OpenCLDevice device, String description) {
    List<Device> failed = KernelManager.instance().getPreferences(kernel).getFailedDevices();
    String fallback = null;
    for (Device java :
        List.of(JavaDevice.THREAD_POOL, JavaDevice.SEQUENTIAL, JavaDevice.ALTERNATIVE_ALGORITHM)) {
      if (!Double.isNaN(kernel.getAccumulatedExecutionTimeAllThreads(java))) {
        fallback = java.getShortDescription();
      }
    }
    if (!failed.isEmpty()
        || fallback != null
        || Double.isNaN(kernel.getAccumulatedExecutionTimeCurrentThread(device))) {
      throw new IllegalStateException(
          "opencl: the kernel did not run on "
              + description
              + (failed.isEmpty() ? "" : "; failed devices: " + failed)
              + (fallback == null ? "" : "; Aparapi fell back to " + fallback)
              + " (see the com.aparapi log for the OpenCL error)");
    }
  }

  /** One tiny launch on a device the first time a backend is made for it in this JVM. */
  private void probeOnce() {
    synchronized (PROBED) {
      if (PROBED.contains(device)) {
        return;
      }
      QueryRows q = new QueryRows(new float[] {1f}, 0, 1, 1, 1, null, 0);
      KeyRows kr =
          new KeyRows(new float[] {1f}, 0, 1, new float[] {2f}, 0, 1, 1, 1, 1, null, 0, null, 0);
      SoftmaxState st = SoftmaxState.identity(1, 1);
      try {
        accumulate(q, List.of(kr), Band.ALL, 1f, true, st);
      } catch (RuntimeException e) {
        close();
        throw e;
      }
      if (st.l[0] != 1f || st.o[0] != 2f) {
        close();
        throw new IllegalStateException(
            "opencl: probe launch on " + description + " gave a wrong result (l=" + st.l[0] + ")");
      }
      PROBED.add(device);
    }
  }

  @Override
  public void close() {
    if (kernel != null) {
      KernelPool.giveBack(device, kernel);
      kernel = null;
    }
  }
}
