/** {@code polybus bench}: one workload on every broker, through Polybus and each raw client. See bench/README.md. */
package io.polybus.bench;
