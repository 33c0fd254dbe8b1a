/** The ZeroMQ module: {@code type: zeromq}, brokerless PUB/SUB through JeroMQ; fan-out and per-key order only, for comparison. See docs/zeromq.md. */
package io.polybus.zeromq;
