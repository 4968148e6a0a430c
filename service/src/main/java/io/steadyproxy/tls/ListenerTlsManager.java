package io.steadyproxy.tls;

import io.helidon.common.tls.ConfiguredTlsManager;
import io.helidon.common.tls.TlsConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.security.KeyManagementException;
import java.security.SecureRandom;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * Helidon's configured TLS manager (reloadable key and trust managers), whose SSL context applies
 * the configured {@link SSLParameters} to every socket and engine it creates.
 *
 * <p>Why: Helidon 4.5.0's listener on blocking sockets (the one SteadyProxy uses, see {@code
 * SteadyProxy}) wraps each accepted socket with {@code
 * tls.sslContext().getSocketFactory().createSocket(socket, null, false)} and never applies {@code
 * tls.sslParameters()}: the enabled protocols, the cipher suites and {@code needClientAuth} would
 * silently be the JDK's defaults (TLS 1.2 and 1.3 with every default suite, and no client
 * certificate asked for). Only its NIO path applies them. Here the context does it itself, so both
 * paths agree. {@code ListenerTlsTest} fails when a TLS 1.1 client or a client without a
 * certificate gets through.
 */
final class ListenerTlsManager extends ConfiguredTlsManager {
  private volatile SSLContext applying;

  ListenerTlsManager() {
    super("steadyproxy-listener", "steadyproxy-listener");
  }

  @Override
  public void init(TlsConfig tlsConfig) {
    super.init(tlsConfig);
    applying = new ApplyingContext(super.sslContext(), tlsConfig.sslParameters().orElseThrow());
  }

  @Override
  public SSLContext sslContext() {
    SSLContext c = applying;
    return c != null ? c : super.sslContext();
  }

  /** An initialised context whose sockets and engines get the parameters. */
  private static final class ApplyingContext extends SSLContext {
    ApplyingContext(SSLContext delegate, SSLParameters parameters) {
      super(new Spi(delegate, parameters), delegate.getProvider(), delegate.getProtocol());
    }
  }

  private static final class Spi extends SSLContextSpi {
    private final SSLContext delegate;
    private final SSLParameters parameters;

    Spi(SSLContext delegate, SSLParameters parameters) {
      this.delegate = delegate;
      this.parameters = parameters;
    }

    @Override
    protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom sr)
        throws KeyManagementException {
      throw new KeyManagementException("already initialised by Helidon's TLS manager");
    }

    @Override
    protected SSLSocketFactory engineGetSocketFactory() {
      return new ApplyingSocketFactory(delegate.getSocketFactory(), parameters);
    }

    @Override
    protected SSLServerSocketFactory engineGetServerSocketFactory() {
      return delegate.getServerSocketFactory();
    }

    @Override
    protected SSLEngine engineCreateSSLEngine() {
      SSLEngine e = delegate.createSSLEngine();
      e.setSSLParameters(parameters);
      return e;
    }

    @Override
    protected SSLEngine engineCreateSSLEngine(String host, int port) {
      SSLEngine e = delegate.createSSLEngine(host, port);
      e.setSSLParameters(parameters);
      return e;
    }

    @Override
    protected SSLSessionContext engineGetServerSessionContext() {
      return delegate.getServerSessionContext();
    }

    @Override
    protected SSLSessionContext engineGetClientSessionContext() {
      return delegate.getClientSessionContext();
    }
  }

  private static final class ApplyingSocketFactory extends SSLSocketFactory {
    private final SSLSocketFactory delegate;
    private final SSLParameters parameters;

    ApplyingSocketFactory(SSLSocketFactory delegate, SSLParameters parameters) {
      this.delegate = delegate;
      this.parameters = parameters;
    }

    private Socket apply(Socket s) {
      ((SSLSocket) s).setSSLParameters(parameters);
      return s;
    }

    @Override
    public String[] getDefaultCipherSuites() {
      return parameters.getCipherSuites() != null
          ? parameters.getCipherSuites()
          : delegate.getDefaultCipherSuites();
    }

    @Override
    public String[] getSupportedCipherSuites() {
      return delegate.getSupportedCipherSuites();
    }

    @Override
    public Socket createSocket(Socket s, InputStream consumed, boolean autoClose)
        throws IOException {
      return apply(delegate.createSocket(s, consumed, autoClose));
    }

    @Override
    public Socket createSocket(Socket s, String host, int port, boolean autoClose)
        throws IOException {
      return apply(delegate.createSocket(s, host, port, autoClose));
    }

    @Override
    public Socket createSocket() throws IOException {
      return apply(delegate.createSocket());
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
      return apply(delegate.createSocket(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort)
        throws IOException {
      return apply(delegate.createSocket(host, port, localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
      return apply(delegate.createSocket(host, port));
    }

    @Override
    public Socket createSocket(
        InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
      return apply(delegate.createSocket(address, port, localAddress, localPort));
    }
  }
}
