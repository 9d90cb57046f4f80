package org.longattn.jobs;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * A {@code spark.ui.filters} filter for embedded runs: Spark binds its UI to {@code SPARK_LOCAL_IP}
 * or to every interface (there is no property for the address), so every page and REST endpoint
 * answers only clients on a loopback address (403 otherwise). {@code bin/longattn} also exports
 * {@code SPARK_LOCAL_IP=127.0.0.1} for embedded runs, so the UI does not even listen elsewhere.
 */
public final class LoopbackOnlyFilter implements Filter {
  @Override
  public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    if (loopback(request.getRemoteAddr())) {
      chain.doFilter(request, response);
    } else if (response instanceof HttpServletResponse http) {
      http.sendError(HttpServletResponse.SC_FORBIDDEN, "longattn: Spark UI answers 127.0.0.1 only");
    }
  }

  /** Whether an address (a literal IP, as servlet containers give it) is a loopback address. */
  public static boolean loopback(String address) {
    if (address == null || address.isEmpty() || !address.matches("[0-9a-fA-F:.\\[\\]%]+")) {
      return false; // never resolve a name here
    }
    try {
      return InetAddress.getByName(address).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
