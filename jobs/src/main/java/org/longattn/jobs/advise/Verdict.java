package org.longattn.jobs.advise;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.longattn.jobs.RunInfo;
import org.longattn.jobs.attend.DocPlan;
import org.longattn.jobs.attend.PlanEstimate;
import org.longattn.kernels.span.HeadShape;

/**
 * From the folded exact states to the advice: per (layer, head) and candidate the mean coverage and
 * output error over the sampled queries, the baselines beside them, the cost, and the cheapest
 * candidate reaching the target overall and per layer.
 *
 * <p>Definitions (per sampled query i and head h, exact in double):
 *
 * <ul>
 *   <li>coverage = Σ_{j ∈ K} p_ij, p the softmax over every key the exact attention reads;
 *   <li>error = ‖o_K − o‖₂ / ‖o‖₂, o = Σ_j p_ij v_j the exact output, o_K the softmax restricted to
 *       K (zero when K is empty);
 *   <li>uniform coverage = |K| / (keys the exact attention reads): what K would keep of a uniform
 *       softmax (the coverage every pattern gets on i.i.d. random q, k);
 *   <li>baselines of the error: a zero output has error exactly 1; mean-v = (Σ_j v_j) / count.
 * </ul>
 */
final class Verdict {
  private Verdict() {}

  /** Sums per (layer, head), one accumulator per candidate. */
  private static final class Cell {
    final Integer layer;
    final int head;
    final double[] coverage;
    final double[] coverageMin;
    final double[] error;
    final double[] errorMax;
    final double[] uniform;
    double meanV;
    long queries;

    Cell(Integer layer, int head, int cands) {
      this.layer = layer;
      this.head = head;
      coverage = new double[cands];
      coverageMin = new double[cands];
      java.util.Arrays.fill(coverageMin, Double.POSITIVE_INFINITY);
      error = new double[cands];
      errorMax = new double[cands];
      uniform = new double[cands];
    }
  }

  static Map<String, Object> advice(
      AdviseParams p,
      HeadShape shape,
      Map<String, DocPlan> plans,
      Map<String, SampledUnit> units,
      Map<String, double[]> states,
      Map<String, int[]> samples,
      boolean layered,
      List<PlanEstimate.Cost> costs) {
    List<Candidate> cands = p.candidates();
    int nc = cands.size();
    int heads = shape.heads();
    int dv = shape.dv();
    int w = ExactMass.width(dv, nc);
    Map<String, Cell> cells = new TreeMap<>(); // key "layer/head", zero-padded for order
    double[] keys = new double[nc];
    long slotsTotal = 0;
    for (Map.Entry<String, double[]> e : new TreeMap<>(states).entrySet()) {
      SampledUnit u = units.get(e.getKey());
      double[] a = e.getValue();
      for (int i = 0; i < u.pos.length; i++) {
        for (int h = 0; h < heads; h++) {
          int at = (i * heads + h) * w;
          int head = h;
          Cell cell =
              cells.computeIfAbsent(
                  String.format("%012d/%06d", u.layer == null ? 0 : u.layer + (1L << 31), h),
                  k -> new Cell(u.layer, head, nc));
          double l = a[at + ExactMass.L];
          double count = a[at + ExactMass.COUNT];
          double[] exact = new double[dv];
          double norm = 0;
          double meanVDiff = 0;
          for (int x = 0; x < dv; x++) {
            exact[x] = a[at + ExactMass.O + x] / l;
            norm += exact[x] * exact[x];
            double mv = a[at + ExactMass.sumV(dv) + x] / count - exact[x];
            meanVDiff += mv * mv;
          }
          norm = Math.max(Math.sqrt(norm), Double.MIN_NORMAL);
          cell.meanV += Math.sqrt(meanVDiff) / norm;
          cell.queries++;
          slotsTotal++;
          for (int c = 0; c < nc; c++) {
            int cb = at + ExactMass.candidate(dv, c);
            double lc = a[cb];
            double cov = Math.min(1.0, lc / l);
            double diff = 0;
            for (int x = 0; x < dv; x++) {
              double oc = lc == 0 ? 0 : a[cb + 2 + x] / lc;
              diff += (oc - exact[x]) * (oc - exact[x]);
            }
            double err = Math.sqrt(diff) / norm;
            cell.coverage[c] += cov;
            cell.coverageMin[c] = Math.min(cell.coverageMin[c], cov);
            cell.error[c] += err;
            cell.errorMax[c] = Math.max(cell.errorMax[c], err);
            cell.uniform[c] += a[cb + 1] / count;
            keys[c] += a[cb + 1];
          }
        }
      }
    }

    Map<String, Object> out = new LinkedHashMap<>();
    out.put("command", "advise");
    out.put("version", RunInfo.version());
    out.put("input", p.input());
    out.put("heads", heads);
    out.put("head_dim", shape.d());
    out.put("value_dim", dv);
    List<Integer> layers = new ArrayList<>();
    for (Cell cell : cells.values()) {
      if (cell.layer != null && !layers.contains(cell.layer)) {
        layers.add(cell.layer);
      }
    }
    out.put("layers", layered ? layers : null);
    out.put("documents", samples.size());
    out.put(
        "tokens_per_layer",
        plans.values().stream()
            .filter(d -> !layered || AdviseJob.layer(d.docId(), true).equals(layers.get(0)))
            .mapToLong(DocPlan::n)
            .sum());
    out.put("samples_per_document", p.samples());
    out.put("sampled_queries", samples.values().stream().mapToInt(x -> x.length).sum());
    out.put("seed", p.seed());
    out.put("causal", p.causal());
    out.put("target_coverage", p.targetCoverage());
    out.put("max_error", p.maxError());
    Map<String, Object> defs = new LinkedHashMap<>();
    defs.put(
        "coverage",
        "mean over the sampled queries of the exact softmax mass inside the candidate's key set;"
            + " the softmax runs over every non-padding key of the document"
            + (p.causal() ? " with j <= i" : "")
            + ", in double");
    defs.put(
        "error",
        "mean over the sampled queries of ||o_K - o||_2 / ||o||_2: o the exact softmax output, o_K"
            + " the softmax restricted to the key set K (zero if K is empty)");
    defs.put("uniform_coverage", "mean |K| / keys: the coverage of a uniform softmax");
    defs.put("mean_v_error", "error of the mean of v over the keys (uniform attention's output)");
    defs.put("zero_output_error", "error of a zero output: 1 by definition");
    defs.put("keys_per_query", "mean |K| over the sampled queries and heads");
    defs.put(
        "flops",
        "attend's FLOP estimate of one layer over every document (whole routed tiles), as"
            + " attend --dry-run");
    defs.put(
        "duplication",
        "key/value bytes shipped to spans / key/value bytes, as attend --dry-run (span 32768)");
    out.put("definitions", defs);
    Map<String, Object> samplesOut = new LinkedHashMap<>();
    samples.forEach((doc, pos) -> samplesOut.put(doc, pos));
    out.put("samples", samplesOut);

    List<Map<String, Object>> candOut = new ArrayList<>();
    double[] overallCov = new double[nc];
    double[] overallErr = new double[nc];
    for (int c = 0; c < nc; c++) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", cands.get(c).name());
      m.put("pattern", cands.get(c).spec().parameters());
      Map<String, Object> cost = new LinkedHashMap<>();
      cost.put("keys_per_query", slotsTotal == 0 ? 0.0 : keys[c] / slotsTotal);
      cost.put("flops", costs.get(c).flops());
      cost.put("duplication", costs.get(c).duplication());
      m.put("cost", cost);
      List<Map<String, Object>> hs = new ArrayList<>();
      double cov = 0;
      double err = 0;
      double uni = 0;
      long q = 0;
      for (Cell cell : cells.values()) {
        Map<String, Object> hm = new LinkedHashMap<>();
        if (layered) {
          hm.put("layer", cell.layer);
        }
        hm.put("head", cell.head);
        hm.put("coverage", cell.coverage[c] / cell.queries);
        hm.put("coverage_min", cell.coverageMin[c]);
        hm.put("error", cell.error[c] / cell.queries);
        hm.put("error_max", cell.errorMax[c]);
        hm.put("uniform_coverage", cell.uniform[c] / cell.queries);
        hs.add(hm);
        cov += cell.coverage[c];
        err += cell.error[c];
        uni += cell.uniform[c];
        q += cell.queries;
      }
      overallCov[c] = q == 0 ? 0 : cov / q;
      overallErr[c] = q == 0 ? 0 : err / q;
      m.put("coverage", overallCov[c]);
      m.put("error", overallErr[c]);
      m.put("uniform_coverage", q == 0 ? 0 : uni / q);
      m.put("passes", passes(p, overallCov[c], overallErr[c]));
      if (layered) {
        List<Map<String, Object>> ls = new ArrayList<>();
        for (Integer layer : layers) {
          double[] ce = layerMeans(cells, layer, c);
          Map<String, Object> lm = new LinkedHashMap<>();
          lm.put("layer", layer);
          lm.put("coverage", ce[0]);
          lm.put("error", ce[1]);
          lm.put("passes", passes(p, ce[0], ce[1]));
          ls.add(lm);
        }
        m.put("layers", ls);
      }
      m.put("heads", hs);
      candOut.add(m);
    }
    out.put("candidates", candOut);

    Map<String, Object> base = new LinkedHashMap<>();
    base.put("zero_output_error", 1.0);
    double mv = 0;
    long q = 0;
    List<Map<String, Object>> bh = new ArrayList<>();
    for (Cell cell : cells.values()) {
      Map<String, Object> hm = new LinkedHashMap<>();
      if (layered) {
        hm.put("layer", cell.layer);
      }
      hm.put("head", cell.head);
      hm.put("mean_v_error", cell.meanV / cell.queries);
      bh.add(hm);
      mv += cell.meanV;
      q += cell.queries;
    }
    base.put("mean_v_error", q == 0 ? 0 : mv / q);
    Map<String, Object> uniform = new LinkedHashMap<>();
    for (Map<String, Object> m : candOut) {
      uniform.put((String) m.get("name"), m.get("uniform_coverage"));
    }
    base.put("uniform_coverage", uniform);
    base.put("heads", bh);
    out.put("baselines", base);

    Map<String, Object> rec = new LinkedHashMap<>();
    rec.put("rule", rule(p));
    rec.put("overall", pick(p, candOut, overallCov, overallErr));
    List<Map<String, Object>> perLayer = new ArrayList<>();
    if (layered) {
      for (Integer layer : layers) {
        double[] lc = new double[nc];
        double[] le = new double[nc];
        for (int c = 0; c < nc; c++) {
          double[] ce = layerMeans(cells, layer, c);
          lc[c] = ce[0];
          le[c] = ce[1];
        }
        Map<String, Object> pl = new LinkedHashMap<>();
        pl.put("layer", layer);
        pl.putAll(pick(p, candOut, lc, le));
        perLayer.add(pl);
      }
    }
    rec.put("per_layer", perLayer);
    out.put("recommendation", rec);
    return out;
  }

  private static String rule(AdviseParams p) {
    return "the candidate with the fewest FLOPs (then keys per query) whose mean coverage >= "
        + p.targetCoverage()
        + (p.maxError() == null ? "" : " and mean error <= " + p.maxError());
  }

  static boolean passes(AdviseParams p, double coverage, double error) {
    return coverage >= p.targetCoverage() && (p.maxError() == null || error <= p.maxError());
  }

  /** Mean coverage and error of candidate c over the cells of one layer. */
  private static double[] layerMeans(Map<String, Cell> cells, Integer layer, int c) {
    double cov = 0;
    double err = 0;
    long q = 0;
    for (Cell cell : cells.values()) {
      if (layer.equals(cell.layer)) {
        cov += cell.coverage[c];
        err += cell.error[c];
        q += cell.queries;
      }
    }
    return new double[] {q == 0 ? 0 : cov / q, q == 0 ? 0 : err / q};
  }

  /**
   * The cheapest passing candidate (fewest FLOPs, then fewest keys per query, then the order
   * given), or none with the best coverage.
   */
  static Map<String, Object> pick(
      AdviseParams p, List<Map<String, Object>> cands, double[] coverage, double[] error) {
    Integer best = null;
    Integer bestCoverage = null;
    for (int c = 0; c < cands.size(); c++) {
      if (bestCoverage == null || coverage[c] > coverage[bestCoverage]) {
        bestCoverage = c;
      }
      if (passes(p, coverage[c], error[c])
          && (best == null || CHEAPER.compare(cost(cands, c), cost(cands, best)) < 0)) {
        best = c;
      }
    }
    Map<String, Object> m = new LinkedHashMap<>();
    int shown = best != null ? best : bestCoverage;
    m.put("candidate", best == null ? null : cands.get(best).get("name"));
    m.put("reaches_target", best != null);
    m.put(
        "verdict",
        best != null
            ? cands.get(best).get("name") + " is the cheapest candidate reaching the target"
            : "no candidate reaches the target; the best coverage is "
                + cands.get(shown).get("name"));
    m.put("best", cands.get(shown).get("name"));
    m.put("coverage", coverage[shown]);
    m.put("error", error[shown]);
    return m;
  }

  private static double[] cost(List<Map<String, Object>> cands, int c) {
    Map<?, ?> cost = (Map<?, ?>) cands.get(c).get("cost");
    return new double[] {
      ((Number) cost.get("flops")).doubleValue(),
      ((Number) cost.get("keys_per_query")).doubleValue()
    };
  }

  private static final Comparator<double[]> CHEAPER =
      Comparator.<double[]>comparingDouble(x -> x[0]).thenComparingDouble(x -> x[1]);
}
