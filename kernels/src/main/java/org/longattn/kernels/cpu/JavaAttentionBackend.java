package org.longattn.kernels.cpu;

import java.util.List;
import org.longattn.kernels.AttentionBackend;
import org.longattn.kernels.KeyRows;
import org.longattn.kernels.QueryRows;
import org.longattn.kernels.pattern.Band;
import org.longattn.kernels.state.SoftmaxState;

/**
 * The CPU backend: per query row and key block, scores, the block's max, then one rescale of the
 * running state (online softmax, DESIGN §3). Single-threaded; one instance per task thread.
 */
public final class JavaAttentionBackend implements AttentionBackend {
  private float[] scores = new float[256];

  @Override
  public String name() {
    return "java";
  }

  @Override
  public String device() {
    return "cpu";
  }

  @Override
  public void accumulate(
      QueryRows queries,
      List<KeyRows> keys,
      Band band,
      float scale,
      boolean stats,
      SoftmaxState acc) {
    int d = queries.d();
    int dv = acc.dv;
    for (KeyRows kr : keys) {
      if (kr.d() != d || kr.dv() != dv) {
        throw new IllegalArgumentException("key/value widths differ from queries/state");
      }
      if (scores.length < kr.n()) {
        scores = new float[kr.n()];
      }
      for (int r = 0; r < queries.n(); r++) {
        accumulateRow(queries, r, kr, band, scale, stats, acc);
      }
    }
  }

  private void accumulateRow(
      QueryRows qr, int r, KeyRows kr, Band band, float scale, boolean stats, SoftmaxState acc) {
    int d = qr.d();
    int dv = acc.dv;
    int qOff = qr.off() + r * qr.stride();
    int i = qr.position(r);
    float[] q = qr.q();
    float[] k = kr.k();
    float blockMax = Float.NEGATIVE_INFINITY;
    for (int j = 0; j < kr.n(); j++) {
      if ((kr.flag(j) & KeyRows.EXCLUDED) != 0 || !band.allows(i, kr.position(j))) {
        scores[j] = Float.NEGATIVE_INFINITY;
        continue;
      }
      int kOff = kr.kOff() + j * kr.kStride();
      float s = 0f;
      for (int c = 0; c < d; c++) {
        s = Math.fma(q[qOff + c], k[kOff + c], s);
      }
      s *= scale;
      scores[j] = s;
      blockMax = Math.max(blockMax, s);
    }
    if (blockMax == Float.NEGATIVE_INFINITY) {
      return; // nothing visible in this block
    }
    float mOld = acc.m[r];
    float mNew = Math.max(mOld, blockMax);
    int oBase = r * dv;
    if (mOld != mNew) {
      float alpha = mOld == Float.NEGATIVE_INFINITY ? 0f : (float) Math.exp(mOld - mNew);
      float shift = mOld == Float.NEGATIVE_INFINITY ? 0f : mOld - mNew;
      acc.t[r] = alpha * (acc.t[r] + acc.l[r] * shift);
      acc.l[r] *= alpha;
      acc.dsum[r] *= alpha;
      acc.gsum[r] *= alpha;
      for (int c = 0; c < dv; c++) {
        acc.o[oBase + c] *= alpha;
      }
      acc.m[r] = mNew;
    }
    float[] v = kr.v();
    float l = acc.l[r];
    float t = acc.t[r];
    float dsum = acc.dsum[r];
    float gsum = acc.gsum[r];
    for (int j = 0; j < kr.n(); j++) {
      float s = scores[j];
      if (s == Float.NEGATIVE_INFINITY) {
        continue;
      }
      float p = (float) Math.exp(s - mNew);
      l += p;
      if (stats) {
        t += p * (s - mNew);
        dsum += p * Math.abs(i - kr.position(j));
        if ((kr.flag(j) & KeyRows.GLOBAL) != 0) {
          gsum += p;
        }
      }
      int vOff = kr.vOff() + j * kr.vStride();
      for (int c = 0; c < dv; c++) {
        acc.o[oBase + c] = Math.fma(p, v[vOff + c], acc.o[oBase + c]);
      }
    }
    acc.l[r] = l;
    acc.t[r] = t;
    acc.dsum[r] = dsum;
    acc.gsum[r] = gsum;
  }
}
