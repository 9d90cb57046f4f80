package org.longattn.kernels.opencl;

import com.aparapi.device.Device;
import com.aparapi.device.OpenCLDevice;
import com.aparapi.internal.opencl.OpenCLLoader;
import java.util.ArrayList;
import java.util.List;

/**
 * The OpenCL devices of this JVM, found once. Aparapi crashes the JVM when several threads list
 * devices for the first time concurrently, so every use goes through the one synchronized {@link
 * #all()}; Spark tasks then share its result.
 *
 * <p>Order (what a device index means): GPUs, then accelerators, then CPU devices (PoCL), each in
 * platform and device order as {@code clinfo -l} prints them. With GPUs present, index i is the
 * i-th GPU — the address {@code conf/gpu-discovery.sh} reports to Spark.
 */
public final class OpenClDevices {
  private static List<OpenCLDevice> devices;
  private static String problem = "";

  private OpenClDevices() {}

  /** Every OpenCL device, GPUs first (empty without an OpenCL driver). */
  public static synchronized List<OpenCLDevice> all() {
    if (devices == null) {
      List<OpenCLDevice> found = new ArrayList<>();
      try {
        for (Device.TYPE type : List.of(Device.TYPE.GPU, Device.TYPE.ACC, Device.TYPE.CPU)) {
          found.addAll(OpenCLDevice.listDevices(type));
        }
      } catch (RuntimeException | LinkageError e) {
        // No usable driver or native library: no device (the caller words the error).
        found.clear();
        problem = " (" + e + ")";
      }
      devices = List.copyOf(found);
    }
    return devices;
  }

  /**
   * What this JVM's OpenCL probe found, for the run record: null when nothing looked for OpenCL
   * here (e.g. {@code --backend java}); else the devices, "no OpenCL device", or "no OpenCL runtime
   * (…)" — on a machine without OpenCL, where {@code auto} runs the java backend, that is a fact,
   * not an error (Aparapi logs it as one; longattn shows it only with {@code --verbose}).
   */
  public static synchronized String status() {
    if (devices == null) {
      return null;
    }
    if (!devices.isEmpty()) {
      return describeAll();
    }
    return OpenCLLoader.isOpenCLAvailable()
        ? "no OpenCL device" + problem
        : "no OpenCL runtime (Aparapi's native library did not load: no libOpenCL/ICD loader)";
  }

  /**
   * Whether this JVM runs with libjsig preloaded ({@code LD_PRELOAD}), which OpenCL runtimes need:
   * they replace the JVM's signal handlers, and libjsig chains them (else random exit 139).
   */
  public static boolean libjsigPreloaded() {
    String preload = System.getenv("LD_PRELOAD");
    return preload != null && preload.contains("libjsig");
  }

  /** Whether at least one OpenCL GPU exists (what {@code auto} needs to pick {@code opencl}). */
  public static boolean hasGpu() {
    return all().stream().anyMatch(d -> d.getType() == Device.TYPE.GPU);
  }

  /**
   * Device {@code index} in the order above, or the first one when index is negative.
   *
   * @throws IllegalStateException when there is no such device (never a silent fallback)
   */
  public static OpenCLDevice get(int index) {
    List<OpenCLDevice> all = all();
    if (all.isEmpty()) {
      throw new IllegalStateException(
          OpenCLLoader.isOpenCLAvailable()
              ? "--backend opencl: no OpenCL device found (install an OpenCL driver, e.g."
                  + " pocl-opencl-icd)"
                  + problem
              : "--backend opencl: no OpenCL device found (Aparapi's native library did not load:"
                  + " install ocl-icd-libopencl1 and an OpenCL driver, e.g. pocl-opencl-icd, and"
                  + " give java.io.tmpdir exec rights)"
                  + problem);
    }
    int i = Math.max(index, 0);
    if (i >= all.size()) {
      throw new IllegalStateException(
          "--backend opencl: no OpenCL device #" + index + " (found " + describeAll() + ")");
    }
    return all.get(i);
  }

  /**
   * "name (vendor, TYPE)", e.g. {@code pthread-skylake-avx512-AMD EPYC (The pocl project, CPU)}.
   */
  public static String describe(OpenCLDevice d) {
    return d.getName().trim()
        + " ("
        + d.getOpenCLPlatform().getVendor().trim()
        + ", "
        + d.getType()
        + ")";
  }

  /** Every device described, in order. */
  public static String describeAll() {
    List<String> out = new ArrayList<>();
    for (OpenCLDevice d : all()) {
      out.add(describe(d));
    }
    return out.toString();
  }
}
