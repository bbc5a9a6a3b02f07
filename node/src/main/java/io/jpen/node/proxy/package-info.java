/**
 * The data plane: listener, per-connection selection and connect, byte relaying with backpressure and half-close.
 * One connection's path reads top to bottom in {@link io.jpen.node.proxy.ProxyConnection}.
 */
package io.jpen.node.proxy;
